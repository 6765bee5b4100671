import { useDraggable } from '@dnd-kit/core';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { LAYER_CATALOG } from '../../shared/layer-catalog.js';
import type { LayerCategory, LayerDef } from '../../shared/layer-catalog.js';

const CATEGORY_TITLES: Record<LayerCategory, string> = {
  embedding: 'Embedding',
  recurrent: 'Recurrent',
  wrapper: 'Wrappers',
  core: 'Core',
  reshape: 'Pooling & reshape',
};
const CATEGORY_ORDER: LayerCategory[] = ['embedding', 'recurrent', 'wrapper', 'core', 'reshape'];

export const PALETTE_PREFIX = 'palette:';

/** The layer catalog as a palette: drag an item onto the canvas, or press Enter / "+" to add it at the end. */
export function Palette({ onAdd }: { onAdd: (className: string) => void }) {
  return (
    <nav className="palette" aria-label="Layer palette" data-testid="palette">
      <div className="pane-title">Layers</div>
      {CATEGORY_ORDER.map((category) => {
        const defs = LAYER_CATALOG.filter((d) => d.category === category);
        if (defs.length === 0) return null;
        return (
          <section key={category} className="palette-group">
            <h3>{CATEGORY_TITLES[category]}</h3>
            {defs.map((def) => (
              <PaletteItem key={def.className} def={def} onAdd={onAdd} />
            ))}
          </section>
        );
      })}
      <p className="palette-hint">Drag onto the stack, or focus an item and press Enter to append it.</p>
    </nav>
  );
}

function PaletteItem({ def, onAdd }: { def: LayerDef; onAdd: (className: string) => void }) {
  const { setNodeRef, listeners, isDragging } = useDraggable({
    id: `${PALETTE_PREFIX}${def.className}`,
    data: { className: def.className },
  });
  // Only the pointer starts a drag here: the keyboard alternative is Enter (append), which is quicker than steering.
  const onPointerDown = listeners?.onPointerDown as ((e: ReactPointerEvent) => void) | undefined;
  return (
    <div
      ref={setNodeRef}
      className={`palette-item${isDragging ? ' dragging' : ''}`}
      data-testid={`palette-item-${def.className}`}
      data-class-name={def.className}
      title={def.doc}
      role="button"
      tabIndex={0}
      aria-label={`${def.className}: ${def.doc} Press Enter to add it at the end of the stack.`}
      onPointerDown={onPointerDown}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          onAdd(def.className);
        }
      }}
    >
      <span className="palette-name">{def.className}</span>
      <button
        type="button"
        className="icon-button palette-add"
        data-testid={`palette-add-${def.className}`}
        aria-label={`Add ${def.className} at the end`}
        tabIndex={-1}
        onPointerDown={(e) => e.stopPropagation()}
        onClick={() => onAdd(def.className)}
      >
        +
      </button>
    </div>
  );
}

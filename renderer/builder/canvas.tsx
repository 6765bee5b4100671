import { useDroppable } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { KeyboardEvent as ReactKeyboardEvent } from 'react';
import { RECURRENT_CLASSES } from '../../shared/layer-catalog.js';
import { isBidirectional } from '../../shared/model-spec.js';
import type { LayerSpec } from '../../shared/model-spec.js';
import { formatShape } from '../../shared/shape-inference.js';
import type { LayerInfo, SpecIssue } from '../../shared/shape-inference.js';
import { formatCount } from '../lib/format.js';
import { InputNode } from './input-node.js';
import { NodeFixes } from './issue-list.js';
import { mergeModeNote } from './quick-fixes.js';

export const CANVAS_ID = 'canvas';
export const CANVAS_END_ID = 'canvas-drop-end';

export interface CanvasActions {
  select(id: string): void;
  remove(index: number): void;
  move(from: number, to: number): void;
  wrap(index: number): void;
  unwrap(index: number): void;
}

interface CanvasProps {
  layers: readonly LayerSpec[];
  infos: readonly LayerInfo[];
  issues: readonly SpecIssue[];
  selectedId: string | null;
  /** Where a palette item being dragged would land; null when not dragging one. */
  dropIndex: number | null;
  dragging: boolean;
  actions: CanvasActions;
}

/** The layer stack: the input on top, one sortable node per layer, a drop zone at the end. */
export function Canvas({ layers, infos, issues, selectedId, dropIndex, dragging, actions }: CanvasProps) {
  const { setNodeRef } = useDroppable({ id: CANVAS_ID });
  const ids = layers.map((l) => l.id!);
  return (
    <div ref={setNodeRef} className="canvas" data-testid="canvas" aria-label="Layer stack">
      <InputNode selected={selectedId === 'input'} onSelect={() => actions.select('input')} />
      <SortableContext items={ids} strategy={verticalListSortingStrategy}>
        <ol className="layer-list">
          {layers.map((layer, index) => (
            <li key={layer.id}>
              {dropIndex === index ? <div className="drop-indicator" data-testid="drop-indicator" /> : null}
              <LayerNode
                layer={layer}
                index={index}
                count={layers.length}
                info={infos[index]}
                issues={issues.filter((i) => i.layerIndex === index)}
                selected={selectedId === layer.id}
                actions={actions}
              />
            </li>
          ))}
        </ol>
      </SortableContext>
      {dropIndex === layers.length ? <div className="drop-indicator" data-testid="drop-indicator" /> : null}
      <DropEnd active={dragging} empty={layers.length === 0} />
    </div>
  );
}

function DropEnd({ active, empty }: { active: boolean; empty: boolean }) {
  const { setNodeRef, isOver } = useDroppable({ id: CANVAS_END_ID });
  return (
    <div
      ref={setNodeRef}
      className={`drop-end${active ? ' active' : ''}${isOver ? ' over' : ''}`}
      data-testid="canvas-drop-end"
    >
      {empty
        ? 'The stack is empty: drag a layer here from the palette, or press Enter on one.'
        : 'Drop here to add at the end'}
    </div>
  );
}

interface LayerNodeProps {
  layer: LayerSpec;
  index: number;
  count: number;
  info: LayerInfo | undefined;
  issues: SpecIssue[];
  selected: boolean;
  actions: CanvasActions;
}

function LayerNode({ layer, index, count, info, issues, selected, actions }: LayerNodeProps) {
  const id = layer.id!;
  const { setNodeRef, attributes, listeners, transform, transition, isDragging } = useSortable({ id });
  const errors = issues.filter((i) => i.severity === 'error');
  const warnings = issues.filter((i) => i.severity === 'warning');
  const isWrapper = isBidirectional(layer);
  const canWrap = !isWrapper && RECURRENT_CLASSES.includes(layer.className);
  const name = info?.name ?? layer.className;
  const label = info?.label ?? layer.className;

  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    // Shortcuts apply to the node itself, not to the buttons inside it.
    if (e.target === e.currentTarget) {
      if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        actions.remove(index);
        return;
      }
      if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        e.preventDefault();
        actions.move(index, e.key === 'ArrowUp' ? index - 1 : index + 1);
        return;
      }
      if (e.key === 'Enter') {
        e.preventDefault();
        actions.select(id);
        return;
      }
    }
    (listeners?.onKeyDown as ((ev: ReactKeyboardEvent) => void) | undefined)?.(e);
  };

  return (
    <div
      ref={setNodeRef}
      {...attributes}
      {...listeners}
      onKeyDown={onKeyDown}
      aria-roledescription="layer (Space to pick up and move, Delete to remove, Alt+Arrow to move)"
      aria-label={`Layer ${index + 1}: ${name} (${label}), output ${formatShape(info?.outputShape ?? null)}`}
      className={`layer-node${selected ? ' selected' : ''}${errors.length ? ' has-error' : ''}${isDragging ? ' dragging' : ''}`}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      data-testid={`layer-node-${index}`}
      data-layer-name={name}
      data-layer-class={label}
      data-layer-id={id}
      onClick={() => actions.select(id)}
    >
      <div className="layer-main">
        <span className="grip" aria-hidden="true">
          ⠿
        </span>
        <span className="layer-index">{index + 1}</span>
        <span className="layer-name" title={name}>
          {name}
        </span>
        <span className="layer-class" title={label}>
          {label}
        </span>
        <span className="layer-shape" data-testid={`layer-shape-${index}`}>
          {formatShape(info?.outputShape ?? null)}
        </span>
        <span className="layer-params" data-testid={`layer-params-${index}`} title="Trainable parameters">
          {formatCount(info?.params ?? 0)}
        </span>
        <span className="layer-actions" onPointerDown={(e) => e.stopPropagation()} onClick={(e) => e.stopPropagation()}>
          <button
            type="button"
            className="icon-button"
            data-testid={`layer-move-up-${index}`}
            disabled={index === 0}
            aria-label={`Move ${name} up`}
            title="Move up (Alt+↑)"
            onClick={() => actions.move(index, index - 1)}
          >
            ↑
          </button>
          <button
            type="button"
            className="icon-button"
            data-testid={`layer-move-down-${index}`}
            disabled={index === count - 1}
            aria-label={`Move ${name} down`}
            title="Move down (Alt+↓)"
            onClick={() => actions.move(index, index + 1)}
          >
            ↓
          </button>
          {canWrap ? (
            <button
              type="button"
              className="text-button"
              data-testid={`layer-wrap-${index}`}
              title="Wrap in Bidirectional"
              onClick={() => actions.wrap(index)}
            >
              ⇄ Bi
            </button>
          ) : null}
          {isWrapper ? (
            <button
              type="button"
              className="text-button"
              data-testid={`layer-unwrap-${index}`}
              title="Unwrap: keep only the forward layer"
              onClick={() => actions.unwrap(index)}
            >
              Unwrap
            </button>
          ) : null}
          <button
            type="button"
            className="icon-button danger"
            data-testid={`layer-delete-${index}`}
            aria-label={`Delete ${name}`}
            title="Delete (Del)"
            onClick={() => actions.remove(index)}
          >
            ✕
          </button>
        </span>
      </div>
      {mergeModeNote(layer, info) ? (
        <div className="layer-note muted small" data-testid={`layer-merge-note-${index}`}>
          {mergeModeNote(layer, info)}
        </div>
      ) : null}
      {errors.length > 0 ? (
        <ul className="layer-issues error" data-testid={`layer-error-${index}`} role="alert">
          {errors.map((issue, i) => (
            <li key={i}>{issue.message}</li>
          ))}
        </ul>
      ) : null}
      {issues.length > 0 ? <NodeFixes index={index} /> : null}
      {warnings.length > 0 ? (
        <ul className="layer-issues warning" data-testid={`layer-warning-${index}`}>
          {warnings.map((issue, i) => (
            <li key={i}>{issue.message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

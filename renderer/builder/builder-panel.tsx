import { memo, useMemo, useState } from 'react';
import {
  closestCenter,
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import type {
  Active,
  Announcements,
  CollisionDetection,
  DragEndEvent,
  DragMoveEvent,
  DragStartEvent,
  Over,
} from '@dnd-kit/core';
import { sortableKeyboardCoordinates } from '@dnd-kit/sortable';
import { useRunWarnings } from '../api/studio-client.js';
import { useProject } from '../state/project-context.js';
import { useStudio } from '../state/studio-state.js';
import { Canvas, CANVAS_END_ID, CANVAS_ID } from './canvas.js';
import type { CanvasActions } from './canvas.js';
import { Inspector } from './inspector.js';
import { SpecIssueList } from './issue-list.js';
import { Palette, PALETTE_PREFIX } from './palette.js';
import {
  createLayer,
  insertLayer,
  moveLayer,
  newLayerId,
  removeLayer,
  unwrapBidirectional,
  wrapBidirectional,
} from '../state/spec-edits.js';
import { SummaryTable } from './summary-table.js';

type DragItem = { kind: 'palette'; className: string } | { kind: 'node'; id: string };

function dragItemOf(active: Active): DragItem {
  const id = String(active.id);
  return id.startsWith(PALETTE_PREFIX)
    ? { kind: 'palette', className: id.slice(PALETTE_PREFIX.length) }
    : { kind: 'node', id };
}

/** Palette | stack canvas + summary | inspector. */
// memo: the shell re-renders for every live run update; a panel with no props need not follow it.
export const BuilderPanel = memo(function BuilderPanel() {
  const { spec, analysis, edit } = useProject();
  const { selectedLayerId, setSelectedLayerId, currentRunId } = useStudio();
  // The current run's warnings (memory past half of the machine) on their layers, while that layer is still there.
  const runWarnings = useRunWarnings(currentRunId);
  const issues = useMemo(() => {
    const onLayers = runWarnings.warnings.filter(
      (w) =>
        w.layerIndex !== null &&
        runWarnings.spec?.layers[w.layerIndex]?.id !== undefined &&
        spec.layers[w.layerIndex]?.id === runWarnings.spec.layers[w.layerIndex]!.id,
    );
    return onLayers.length === 0
      ? analysis.issues
      : [...analysis.issues, ...onLayers.map((w) => ({ ...w, message: `Last run: ${w.message}` }))];
  }, [analysis.issues, runWarnings.warnings, runWarnings.spec, spec.layers]);
  const [drag, setDrag] = useState<DragItem | null>(null);
  const [dropIndex, setDropIndex] = useState<number | null>(null);
  const nodeIds = useMemo(() => new Set(spec.layers.map((l) => l.id!)), [spec.layers]);

  const sensors = useSensors(
    // A few pixels of travel before a node drag starts, so clicks on a node (select) and its buttons stay clicks.
    // Palette items have nothing to click, so they start at once: a single quick move still lands where it ends.
    useSensor(PointerSensor, {
      activationConstraint: { distance: 5 },
      bypassActivationConstraint: ({ event }) =>
        event.target instanceof Element && event.target.closest('.palette-item') !== null,
    }),
    // Enter is taken (select a node, append a palette item); Space picks up and drops, as in dnd-kit's examples.
    useSensor(KeyboardSensor, {
      coordinateGetter: sortableKeyboardCoordinates,
      keyboardCodes: { start: ['Space'], cancel: ['Escape'], end: ['Space', 'Enter'] },
    }),
  );

  // Palette items land where the pointer is; sorting nodes compares node centres only (never the canvas itself).
  const collisionDetection: CollisionDetection = (args) => {
    if (String(args.active.id).startsWith(PALETTE_PREFIX)) {
      const hits = pointerWithin(args);
      const rank = (id: string) => (nodeIds.has(id) ? 0 : id === CANVAS_END_ID ? 1 : id === CANVAS_ID ? 2 : 3);
      return hits.filter((h) => rank(String(h.id)) < 3).sort((a, b) => rank(String(a.id)) - rank(String(b.id)));
    }
    return closestCenter({
      ...args,
      droppableContainers: args.droppableContainers.filter((c) => nodeIds.has(String(c.id))),
    });
  };

  /** Index a palette item dropped now would take: before the hovered node, or after it past its middle. */
  const insertionIndex = (active: Active, over: Over | null): number | null => {
    if (!over) return null;
    const overId = String(over.id);
    if (overId === CANVAS_END_ID || overId === CANVAS_ID) return spec.layers.length;
    const index = spec.layers.findIndex((l) => l.id === overId);
    if (index < 0) return null;
    const rect = active.rect.current.translated;
    if (!rect) return index;
    const centre = rect.top + rect.height / 2;
    return centre > over.rect.top + over.rect.height / 2 ? index + 1 : index;
  };

  const actions: CanvasActions = {
    select: setSelectedLayerId,
    remove: (index) => {
      const removed = spec.layers[index];
      edit((s) => removeLayer(s, index));
      if (removed && removed.id === selectedLayerId) setSelectedLayerId(null);
    },
    move: (from, to) => edit((s) => moveLayer(s, from, to)),
    wrap: (index) => edit((s) => wrapBidirectional(s, index)),
    unwrap: (index) => edit((s) => unwrapBidirectional(s, index)),
  };

  const add = (className: string, index = spec.layers.length) => {
    const id = newLayerId();
    edit((s) => insertLayer(s, index, createLayer(className, s, id)));
    setSelectedLayerId(id);
  };

  const onDragStart = (e: DragStartEvent) => {
    setDrag(dragItemOf(e.active));
    setDropIndex(null);
  };
  const onDragMove = (e: DragMoveEvent) => {
    if (dragItemOf(e.active).kind === 'palette') setDropIndex(insertionIndex(e.active, e.over));
  };
  const onDragEnd = (e: DragEndEvent) => {
    const item = dragItemOf(e.active);
    setDrag(null);
    setDropIndex(null);
    if (item.kind === 'palette') {
      const index = insertionIndex(e.active, e.over);
      if (index !== null) add(item.className, index);
      return;
    }
    if (!e.over) return;
    const from = spec.layers.findIndex((l) => l.id === item.id);
    const to = spec.layers.findIndex((l) => l.id === String(e.over!.id));
    if (from >= 0 && to >= 0 && from !== to) edit((s) => moveLayer(s, from, to));
  };
  const onDragCancel = () => {
    setDrag(null);
    setDropIndex(null);
  };

  // Screen readers hear layer names, not the internal ids dnd-kit would announce.
  const nameOf = (id: string | number): string => {
    const key = String(id);
    if (key.startsWith(PALETTE_PREFIX)) return `new ${key.slice(PALETTE_PREFIX.length)}`;
    if (key === CANVAS_END_ID || key === CANVAS_ID) return 'the end of the stack';
    const index = spec.layers.findIndex((l) => l.id === key);
    return index >= 0 ? `layer ${index + 1}, ${analysis.layers[index]?.name ?? spec.layers[index]!.className}` : key;
  };
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${nameOf(active.id)}.`,
    onDragOver: ({ active, over }) =>
      over ? `${nameOf(active.id)} is over ${nameOf(over.id)}.` : `${nameOf(active.id)} is not over the stack.`,
    onDragEnd: ({ active, over }) =>
      over
        ? `${nameOf(active.id)} was dropped at ${nameOf(over.id)}.`
        : `${nameOf(active.id)} was dropped outside the stack.`,
    onDragCancel: ({ active }) => `Moving ${nameOf(active.id)} was cancelled.`,
  };

  const draggedNode = drag?.kind === 'node' ? spec.layers.findIndex((l) => l.id === drag.id) : -1;
  return (
    <DndContext
      accessibility={{ announcements }}
      sensors={sensors}
      collisionDetection={collisionDetection}
      onDragStart={onDragStart}
      onDragMove={onDragMove}
      onDragOver={onDragMove}
      onDragEnd={onDragEnd}
      onDragCancel={onDragCancel}
    >
      <div className="builder" data-testid="builder-panel">
        <Palette onAdd={(className) => add(className)} />
        <div className="builder-center">
          <SpecIssueList analysis={analysis} spec={spec} />
          <Canvas
            layers={spec.layers}
            infos={analysis.layers}
            issues={issues}
            selectedId={selectedLayerId}
            dropIndex={drag?.kind === 'palette' ? dropIndex : null}
            dragging={drag !== null}
            actions={actions}
          />
          <SummaryTable analysis={analysis} modelName={spec.name} />
        </div>
        <Inspector selectedId={selectedLayerId} />
      </div>
      <DragOverlay dropAnimation={null}>
        {drag?.kind === 'palette' ? <div className="drag-chip">{drag.className}</div> : null}
        {drag?.kind === 'node' && draggedNode >= 0 ? (
          <div className="drag-chip">
            {analysis.layers[draggedNode]?.name ?? ''}{' '}
            <span className="muted">{analysis.layers[draggedNode]?.label ?? ''}</span>
          </div>
        ) : null}
      </DragOverlay>
    </DndContext>
  );
});

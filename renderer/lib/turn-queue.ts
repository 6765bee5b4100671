/**
 * Turns, one per task: heavy components (recharts plots) queue their mount or redraw here and the queue runs one of
 * them each time `schedule` calls back, so no task does two charts' work and the page can paint and take input in
 * between. Pure: the browser scheduling is passed in (see staggered-mount.ts), tests pass a fake.
 */
export interface TurnQueue {
  /** Queues a turn (once: queuing a queued turn again keeps its place). */
  enqueue(turn: () => void): void;
  /** Drops a queued turn that has not run yet (an unmounted component). */
  cancel(turn: () => void): void;
  readonly size: number;
}

export function createTurnQueue(schedule: (pump: () => void) => void): TurnQueue {
  const queue: (() => void)[] = [];
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    const next = queue.shift();
    if (queue.length > 0) arm();
    next?.();
  };
  const arm = () => {
    if (scheduled) return;
    scheduled = true;
    schedule(pump);
  };
  return {
    enqueue(turn) {
      if (!queue.includes(turn)) queue.push(turn);
      arm();
    },
    cancel(turn) {
      const i = queue.indexOf(turn);
      if (i >= 0) queue.splice(i, 1);
    },
    get size() {
      return queue.length;
    },
  };
}

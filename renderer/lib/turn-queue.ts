/**
 * Turns, one at a time: heavy components (recharts plots) queue their mount or redraw here, and the queue starts one
 * of them each time `schedule` calls back, the next only once the previous has said it is done (its draw committed),
 * so no two charts' work overlaps and the page can paint and take input in between. Pure: the browser scheduling is
 * passed in (see staggered-mount.ts), tests pass a fake.
 */
export interface TurnQueue {
  /** Queues a turn (once: queuing a queued turn again keeps its place). */
  enqueue(turn: Turn): void;
  /** Drops a queued turn that has not started yet (an unmounted component). */
  cancel(turn: Turn): void;
  readonly size: number;
}

/** A turn starts its work and calls `done` when it has finished (later, or at once); calls after the first are ignored. */
export type Turn = (done: () => void) => void;

export function createTurnQueue(schedule: (pump: () => void) => void): TurnQueue {
  const queue: Turn[] = [];
  let scheduled = false;
  let running = false;
  const arm = () => {
    if (scheduled || running || queue.length === 0) return;
    scheduled = true;
    schedule(pump);
  };
  const pump = () => {
    scheduled = false;
    const next = queue.shift();
    if (!next) return;
    running = true;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      running = false;
      arm();
    };
    try {
      next(done);
    } catch (e) {
      // A turn that throws has finished: the queue goes on.
      done();
      throw e;
    }
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

import { startTransition, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { createTurnQueue } from './turn-queue.js';
import type { Turn } from './turn-queue.js';

// Mounting or redrawing a recharts chart with a few hundred points costs tens of milliseconds on a loaded machine,
// and the training tab has several: in one go they were one long task of up to 1.5 s after the tab click, and a
// live redraw of the three run charts together was a task of 100–150 ms every refresh. Each chart first renders its
// frame (title, tools, data-* attributes) and draws its plot in a turn of its own: one chart at a time, each starting
// after a frame has been painted, so the tab shows at once and input is handled between the charts.
// A turn's draw is a transition, not a synchronous render: React renders it in slices of a few milliseconds and
// yields to input and paint between them, so one chart's draw is no longer one task. Drawn with flushSync, every
// turn was one task of 40–60 ms on the 2-core machine while a run trained, and over 100 ms when a garbage collection
// fell into it; as a transition only the commit is one piece.

/** A draw that has not committed after this long no longer holds the queue (a draw React dropped, a stalled tab). */
const STALL_MS = 2000;

/** Hidden windows get no animation frames: a timer takes over after this long. */
const NO_FRAME_FALLBACK_MS = 100;

/** Calls `fn` in a task of its own once the next frame has been painted (rAF, then a timer: after the paint). */
function afterNextPaint(fn: () => void) {
  if (typeof requestAnimationFrame !== 'function') {
    setTimeout(fn, 0);
    return;
  }
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    clearTimeout(fallback);
    fn();
  };
  const fallback = setTimeout(run, NO_FRAME_FALLBACK_MS);
  requestAnimationFrame(() => setTimeout(run, 0));
}

const turns = createTurnQueue(afterNextPaint);

let turnMs = 0;

/** Milliseconds spent in turns so far (a running total): what the staggered charts' draws cost the main thread. */
export function timeSpentInTurns(): number {
  return turnMs;
}

/**
 * Draws a turn's state update as a transition and tells the queue it is done when that update commits (or the
 * component unmounts), adding the time from the turn's start to its commit to the total: wall time, so slices of
 * other work in between count too, and the adaptive refresh (use-throttled.ts) errs on the slow side.
 * `committed` is the state the draw changes: its commit is the draw's.
 */
function useTurnDrawer(committed: unknown): (done: () => void, update: () => void) => void {
  const drawing = useRef<{ done: () => void; started: number; watchdog: ReturnType<typeof setTimeout> } | null>(null);
  const finish = useCallback(() => {
    const d = drawing.current;
    if (!d) return;
    drawing.current = null;
    clearTimeout(d.watchdog);
    turnMs += performance.now() - d.started;
    d.done();
  }, []);
  useLayoutEffect(() => finish(), [committed, finish]);
  useLayoutEffect(() => finish, [finish]);
  return useCallback(
    (done, update) => {
      drawing.current = { done, started: performance.now(), watchdog: setTimeout(finish, STALL_MS) };
      startTransition(update);
    },
    [finish],
  );
}

/** False until this component's turn in the queue (one mount at a time, after a paint), then true. */
export function useStaggeredMount(): boolean {
  const [mounted, setMounted] = useState(false);
  const draw = useTurnDrawer(mounted);
  useEffect(() => {
    let live = true;
    const turn: Turn = (done) => {
      if (live) draw(done, () => setMounted(true));
      else done();
    };
    turns.enqueue(turn);
    return () => {
      live = false;
      turns.cancel(turn);
    };
  }, [draw]);
  return mounted;
}

/**
 * The value as this component last drew it, and whether it has drawn at all: the first value and every later change
 * are applied in the component's turn (one component at a time, after a paint). A change that arrives while a turn
 * is queued joins it: the turn applies the newest value.
 */
export function useStaggeredValue<T>(value: T): { value: T; ready: boolean } {
  const [shown, setShown] = useState<{ value: T; ready: boolean }>(() => ({ value, ready: false }));
  const draw = useTurnDrawer(shown);
  const latest = useRef(value);
  const queued = useRef<Turn | null>(null);
  useEffect(() => {
    latest.current = value;
    if (shown.ready && Object.is(shown.value, value)) return;
    if (queued.current) return;
    const turn: Turn = (done) => {
      queued.current = null;
      draw(done, () => setShown({ value: latest.current, ready: true }));
    };
    queued.current = turn;
    turns.enqueue(turn);
  }, [value, shown, draw]);
  useEffect(
    () => () => {
      if (queued.current) turns.cancel(queued.current);
      queued.current = null;
    },
    [],
  );
  return shown;
}

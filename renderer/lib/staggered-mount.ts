import { useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { createTurnQueue } from './turn-queue.js';

// Mounting or redrawing a recharts chart with a few hundred points costs tens of milliseconds on a loaded machine,
// and the training tab has several: in one go they were one long task of up to 1.5 s after the tab click, and a
// live redraw of the three run charts together was a task of 100–150 ms every refresh. Each chart first renders its
// frame (title, tools, data-* attributes) and draws its plot in a turn of its own: one chart per task, each after a
// frame has been painted, so the tab shows at once and input is handled between the charts.

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

/** Applies a turn's state update now (one component's render and commit), adding its time to the total. */
function drawNow(update: () => void) {
  const started = performance.now();
  try {
    flushSync(update);
  } finally {
    turnMs += performance.now() - started;
  }
}

/** False until this component's turn in the queue (one mount per task, after a paint), then true. */
export function useStaggeredMount(): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    let live = true;
    const turn = () => {
      if (live) drawNow(() => setMounted(true));
    };
    turns.enqueue(turn);
    return () => {
      live = false;
      turns.cancel(turn);
    };
  }, []);
  return mounted;
}

/**
 * The value as this component last drew it, and whether it has drawn at all: the first value and every later change
 * are applied in the component's turn (one component per task, after a paint). A change that arrives while a turn is
 * queued joins it: the turn applies the newest value.
 */
export function useStaggeredValue<T>(value: T): { value: T; ready: boolean } {
  const [shown, setShown] = useState<{ value: T; ready: boolean }>(() => ({ value, ready: false }));
  const latest = useRef(value);
  const queued = useRef<(() => void) | null>(null);
  useEffect(() => {
    latest.current = value;
    if (shown.ready && Object.is(shown.value, value)) return;
    if (queued.current) return;
    const turn = () => {
      queued.current = null;
      drawNow(() => setShown({ value: latest.current, ready: true }));
    };
    queued.current = turn;
    turns.enqueue(turn);
  }, [value, shown]);
  useEffect(
    () => () => {
      if (queued.current) turns.cancel(queued.current);
      queued.current = null;
    },
    [],
  );
  return shown;
}

import { useEffect, useRef, useState } from 'react';
import { timeSpentInTurns } from './staggered-mount.js';

/** Share of the main thread live redraws may take: the interval is at least this many times the last redraw's cost. */
const COST_FACTOR = 4;
/** A live chart is never more than this far behind (plus its draw): on a loaded machine the cost rule alone went past 2 s. */
const MAX_INTERVAL_MS = 1000;

/**
 * The value, updated at most once per interval (the latest value always arrives, trailing). Live charts read a run
 * through this: redrawing ~2,000 SVG points per message would eat the frame budget on a slow machine.
 * The interval adapts: at least `minIntervalMs`, and at least COST_FACTOR × what the last redraw took, so redraws
 * never take more than ~1/COST_FACTOR of the main thread. On a loaded 2-core machine (training in the back end,
 * another process busy) a fixed 250 ms left the page unresponsive for seconds; with the adaptive interval input and
 * clicks stay responsive while the charts slow down.
 */
export function useThrottledValue<T>(value: T, minIntervalMs: number): T {
  const [shown, setShown] = useState(value);
  const lastApplied = useRef(0);
  const redrawCost = useRef(0);
  const redrawStarted = useRef<number | null>(null);
  const turnsAtApply = useRef(0);

  // Runs after the commit of the redraw that `setShown` scheduled: its duration is the redraw's cost.
  useEffect(() => {
    if (redrawStarted.current === null) return;
    redrawCost.current = performance.now() - redrawStarted.current;
    redrawStarted.current = null;
  }, [shown]);

  useEffect(() => {
    const apply = () => {
      lastApplied.current = Date.now();
      redrawStarted.current = performance.now();
      turnsAtApply.current = timeSpentInTurns();
      setShown(value);
    };
    // The charts below draw in turns of their own after this render (staggered-mount.ts): their time since the last
    // update counts as part of the redraw's cost.
    const cost = redrawCost.current + (timeSpentInTurns() - turnsAtApply.current);
    const interval = minIntervalMs === 0 ? 0 : Math.max(minIntervalMs, Math.min(MAX_INTERVAL_MS, COST_FACTOR * cost));
    const wait = lastApplied.current + interval - Date.now();
    if (wait <= 0) {
      apply();
      return;
    }
    const timer = setTimeout(apply, wait);
    return () => clearTimeout(timer);
  }, [value, minIntervalMs]);
  return shown;
}

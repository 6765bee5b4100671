/**
 * A bounded series for live charts: once it holds more than `cap` points, every other point is dropped and from
 * then on only every `stride`-th incoming point is kept. Density stays uniform along the run (so smoothing and the
 * eye see the same thing everywhere) and a 100,000-batch run costs the same to draw as a 1,000-batch one.
 * The newest point is always shown, so the live end of the curve never lags.
 */
export interface ThinnedSeries<T> {
  /** Points at raw indices 0, stride, 2·stride, … */
  readonly points: readonly T[];
  readonly stride: number;
  /** Raw points appended so far. */
  readonly seen: number;
  readonly latest: T | null;
}

export function emptySeries<T>(): ThinnedSeries<T> {
  return { points: [], stride: 1, seen: 0, latest: null };
}

/** Appends a batch of raw points in one step (one React update per message); returns a new series. */
export function appendThinned<T>(series: ThinnedSeries<T>, incoming: readonly T[], cap: number): ThinnedSeries<T> {
  if (incoming.length === 0) return series;
  const limit = Math.max(2, Math.floor(cap));
  let points = series.points.slice();
  let { stride, seen } = series;
  for (const item of incoming) {
    if (seen % stride === 0) points.push(item);
    seen++;
    if (points.length > limit) {
      // Kept points sit at multiples of `stride`; keeping the even ones leaves multiples of 2·stride.
      points = points.filter((_, j) => j % 2 === 0);
      stride *= 2;
    }
  }
  return { points, stride, seen, latest: incoming[incoming.length - 1]! };
}

/** What to draw: the kept points plus the newest raw point when thinning skipped it. */
export function visiblePoints<T>(series: ThinnedSeries<T>): readonly T[] {
  if (series.latest === null || (series.seen - 1) % series.stride === 0) return series.points;
  return [...series.points, series.latest];
}

/** Dates on a row axis: plots count rows (splits and windows are rows), people read dates. */

/**
 * The date at `row`, read off the nearest point that has a time (points are down-sampled): "2009-03-01 14:00" when
 * rows are less than a day apart, "2009-03-01" otherwise; null when the points carry no times.
 */
export function dateAtRow(points: readonly { row: number; time?: number }[], row: number): string | null {
  if (points.length === 0 || points[0]!.time === undefined) return null;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.row < row) lo = mid + 1;
    else hi = mid;
  }
  const near =
    lo > 0 && Math.abs(points[lo - 1]!.row - row) < Math.abs(points[lo]!.row - row) ? points[lo - 1]! : points[lo]!;
  if (near.time === undefined) return null;
  const seconds = secondsPerRow(points);
  const iso = new Date(near.time + (row - near.row) * (seconds ?? 0) * 1000).toISOString();
  return seconds !== null && seconds < 86_400 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

const secondsCache = new WeakMap<object, number | null>();

/**
 * Seconds between two rows, from the first two points with times (null when fewer than two). Remembered per points
 * array: an axis formats each of its ticks through dateAtRow, and this scan was over every point each time.
 */
function secondsPerRow(points: readonly { row: number; time?: number }[]): number | null {
  if (secondsCache.has(points)) return secondsCache.get(points)!;
  const seconds = scanSecondsPerRow(points);
  secondsCache.set(points, seconds);
  return seconds;
}

function scanSecondsPerRow(points: readonly { row: number; time?: number }[]): number | null {
  const timed = points.filter((p) => p.time !== undefined);
  for (let i = 1; i < timed.length; i++) {
    const rows = timed[i]!.row - timed[i - 1]!.row;
    if (rows > 0) return (timed[i]!.time! - timed[i - 1]!.time!) / 1000 / rows;
  }
  return null;
}

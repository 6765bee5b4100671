/**
 * Fewer points for a line chart, drawn the same: the points are cut into `buckets` runs of consecutive points and
 * each run keeps its lowest and its highest point (in their order), so spikes and dips survive; the first and the
 * last point are always kept. Recharts' cost grows with every point it is given (coordinates, tooltip ticks, path),
 * and a plot a few hundred pixels wide shows no more than about two points per pixel column.
 */
export function decimateMinMax<T>(points: readonly T[], buckets: number, value: (p: T) => number): readonly T[] {
  const n = points.length;
  const b = Math.max(1, Math.floor(buckets));
  if (n <= 2 * b + 2) return points;
  const out: T[] = [points[0]!];
  const size = (n - 2) / b;
  for (let k = 0; k < b; k++) {
    const from = 1 + Math.floor(k * size);
    const to = Math.min(n - 1, 1 + Math.floor((k + 1) * size));
    if (to <= from) continue;
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      const v = value(points[i]!);
      if (v < value(points[lo]!)) lo = i;
      if (v > value(points[hi]!)) hi = i;
    }
    if (lo === hi) out.push(points[lo]!);
    else if (lo < hi) out.push(points[lo]!, points[hi]!);
    else out.push(points[hi]!, points[lo]!);
  }
  out.push(points[n - 1]!);
  return out;
}

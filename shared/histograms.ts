/**
 * Weight and gradient histograms over epochs (TensorBoard's histograms and distributions): at the end of every
 * epoch the trainer bins each trainable tensor's values, and its gradient on the epoch's last batch, into
 * HISTOGRAM_BINS equal bins between that tensor's min and max. Here: the records, the binning and statistics, the
 * quantiles a distribution band chart draws, and thinning for long runs. Pure and dependency-free: the worker, the
 * service and the renderer all use it.
 */

/** Equal-width bins between a tensor's min and max. */
export const HISTOGRAM_BINS = 30;

/** One tensor's values summarised: bin i covers [min + i·w, min + (i+1)·w), w = (max − min) / bins; the last bin includes max. */
export interface TensorHistogram {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** Finite values binned; `counts` sums to it. */
  count: number;
  /** NaN and ±Inf values, left out of the bins and the statistics. */
  nonFinite: number;
  counts: number[];
}

/** One trainable weight tensor at the end of an epoch. */
export interface WeightHistogram {
  /** The variable's name, e.g. "lstm/kernel", "bidirectional/forward_lstm/recurrent_kernel". */
  name: string;
  /** The layer it belongs to. */
  layer: string;
  shape: number[];
  values: TensorHistogram;
  /** ∂L/∂w on the epoch's last batch (before clipping); null when the loss does not depend on it. */
  gradients: TensorHistogram | null;
}

/** One line of histograms.jsonl: every trainable tensor at the end of one epoch. */
export interface HistogramRecord {
  kind: 'histograms';
  /** 0-based epoch. */
  epoch: number;
  tensors: WeightHistogram[];
}

/** Bins `values` (any length; non-finite values are counted apart) into `bins` equal bins between their min and max. */
export function histogram(values: ArrayLike<number>, bins = HISTOGRAM_BINS): TensorHistogram {
  const n = Math.max(1, Math.trunc(bins));
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    count++;
  }
  const counts = new Array<number>(n).fill(0);
  if (count === 0) return { min: 0, max: 0, mean: 0, std: 0, count: 0, nonFinite, counts };
  const mean = sum / count;
  let sq = 0;
  const width = max - min;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    sq += (v - mean) * (v - mean);
    // A constant tensor (width 0) lands in the first bin.
    const b = width > 0 ? Math.min(n - 1, Math.floor(((v - min) / width) * n)) : 0;
    counts[b]!++;
  }
  return { min, max, mean, std: Math.sqrt(sq / count), count, nonFinite, counts };
}

/** The left edge of each bin and the right edge of the last (bins + 1 numbers). */
export function binEdges(h: TensorHistogram): number[] {
  const n = h.counts.length;
  return Array.from({ length: n + 1 }, (_, i) => (i === n ? h.max : h.min + ((h.max - h.min) * i) / n));
}

/**
 * The value below which a share `q` (0…1) of the binned values lies, spreading each bin's count evenly over its
 * width (TensorBoard's compressed histograms do the same). q = 0 gives min, q = 1 max.
 */
export function histogramQuantile(h: TensorHistogram, q: number): number {
  if (h.count === 0) return 0;
  if (q <= 0) return h.min;
  if (q >= 1) return h.max;
  const n = h.counts.length;
  const width = (h.max - h.min) / n;
  const target = q * h.count;
  let below = 0;
  for (let i = 0; i < n; i++) {
    const c = h.counts[i]!;
    if (c > 0 && below + c >= target) return Math.min(h.max, h.min + width * (i + (target - below) / c));
    below += c;
  }
  return h.max;
}

/** TensorBoard's distribution bands: min, ±1.5σ, ±1σ, ±0.5σ of a normal distribution, the median, and max. */
export const DISTRIBUTION_QUANTILES = [0, 0.0668, 0.1587, 0.3085, 0.5, 0.6915, 0.8413, 0.9332, 1] as const;

/** One epoch of a distribution chart: the DISTRIBUTION_QUANTILES of one tensor's values or gradients. */
export interface DistributionPoint {
  epoch: number;
  quantiles: number[];
}

/** The distribution of tensor `name` over the records' epochs (epochs without it, or without gradients, skipped). */
export function distributionSeries(
  records: readonly HistogramRecord[],
  name: string,
  which: 'values' | 'gradients',
): DistributionPoint[] {
  const out: DistributionPoint[] = [];
  for (const r of records) {
    const t = r.tensors.find((x) => x.name === name);
    const h = t ? (which === 'values' ? t.values : t.gradients) : null;
    if (!h || h.count === 0) continue;
    out.push({ epoch: r.epoch, quantiles: DISTRIBUTION_QUANTILES.map((q) => histogramQuantile(h, q)) });
  }
  return out;
}

/** The tensor names in the records, in the order they first appear. */
export function tensorNames(records: readonly HistogramRecord[]): string[] {
  const names: string[] = [];
  for (const r of records) for (const t of r.tensors) if (!names.includes(t.name)) names.push(t.name);
  return names;
}

/** At most `max` records, evenly spaced, the first and last always kept. */
export function thinHistograms<T>(records: readonly T[], max: number): T[] {
  if (records.length <= max) return [...records];
  const stride = Math.ceil(records.length / Math.max(1, max - 1));
  return records.filter((_, i) => i % stride === 0 || i === records.length - 1);
}

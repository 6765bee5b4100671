/**
 * Turns a run into the rows the charts draw. The x axis is in epochs for every series, so per-batch points
 * (at fractional epochs) and per-epoch points (at the epoch's end) share one axis.
 */
import type { EpochRecord } from '../../shared/training-records.js';
import { emaSmooth } from '../lib/ema.js';
import { visiblePoints } from '../lib/thinned-series.js';
import type { RunLive } from '../api/run-state.js';

export interface ScalarChartData {
  batch: { x: number; raw: number | null; smooth: number | null }[];
  epoch: { x: number; train: number | null; val: number | null }[];
  /** Points currently plotted (batch rows + epoch rows). */
  points: number;
}

const finite = (v: number | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One logged key (e.g. "loss", "accuracy") per batch, raw and EMA-smoothed, and per epoch with its val_ twin. */
export function scalarChartData(run: RunLive, key: string, smoothing: number): ScalarChartData {
  const points = visiblePoints(run.batches);
  const raw = points.map((p) => finite(p.logs[key]));
  const smooth = emaSmooth(raw, smoothing);
  const batch = points.map((p, i) => ({ x: p.x, raw: raw[i] ?? null, smooth: smooth[i] ?? null }));
  const epoch = run.epochs.map((e) => ({
    x: e.epoch + 1,
    train: finite(e.logs[key]),
    val: finite(e.logs[`val_${key}`]),
  }));
  return { batch, epoch, points: batch.length + epoch.length };
}

/** The metric the run logs besides the loss: accuracy for classifiers, mae when it was asked for. */
export function metricKeyOf(run: RunLive): string | null {
  const keys = new Set<string>();
  for (const e of run.epochs) for (const k of Object.keys(e.logs)) keys.add(k);
  const last = run.batches.latest;
  if (last) for (const k of Object.keys(last.logs)) keys.add(k);
  for (const k of ['accuracy', 'mae']) if (keys.has(k) || keys.has(`val_${k}`)) return k;
  return null;
}

export interface GradNormChartData {
  rows: Record<string, number | undefined>[];
  layers: string[];
  points: number;
}

/** Per-layer gradient norms per batch. Zero or non-finite norms are left out: the axis is logarithmic. */
export function gradNormChartData(run: RunLive): GradNormChartData {
  const points = visiblePoints(run.batches);
  const layers: string[] = [];
  const seen = new Set<string>();
  const rows = points.map((p) => {
    const row: Record<string, number | undefined> = { x: p.x };
    for (const [name, v] of Object.entries(p.gradNorms)) {
      if (!seen.has(name)) {
        seen.add(name);
        layers.push(name);
      }
      if (Number.isFinite(v) && v > 0) row[name] = v;
    }
    return row;
  });
  return { rows, layers, points: rows.length };
}

/** Two runs' epoch curves on one axis: {x, a, b} rows for one logged key. */
export function compareEpochRows(
  a: readonly EpochRecord[],
  b: readonly EpochRecord[],
  key: string,
): { x: number; a: number | null; b: number | null }[] {
  const byEpoch = (records: readonly EpochRecord[]) => new Map(records.map((r) => [r.epoch, finite(r.logs[key])]));
  const ma = byEpoch(a);
  const mb = byEpoch(b);
  const epochs = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) => x - y);
  return epochs.map((e) => ({ x: e + 1, a: ma.get(e) ?? null, b: mb.get(e) ?? null }));
}

/**
 * The x-axis end (in epochs): the planned epochs when they are few; for long runs it grows with the run in steps of
 * half again, so 5 epochs of a 5,000-epoch run fill the chart instead of its first 0.1 % and the axis rarely rescales.
 */
export function chartEpochSpan(planned: number | null | undefined, done: number): number | undefined {
  if (!planned) return undefined;
  if (planned <= 20) return planned;
  let span = 20;
  while (span < done + 1) span = Math.ceil(span * 1.5);
  return Math.min(planned, span);
}

// ---------------------------------------------------------------------------------------------------------------
// Y axes that stay readable when training misbehaves: robust linear domains, safe log domains, explicit ticks.

export type YScale = 'linear' | 'log';

/** The y axis one chart draws: its domain, explicit ticks (never stale, never duplicated) and what falls outside. */
export interface YAxisPlan {
  scale: YScale;
  domain: [number, number];
  ticks: number[];
  /** Values above / below the domain: drawn clipped at the plot's edge. */
  clippedAbove: number;
  clippedBelow: number;
  /** Values a log axis cannot draw (zero or negative); they are left out of the plotted series. */
  hidden: number;
}

/** Finite numbers of the given keys over all rows, in row order. */
export function seriesValues(rows: readonly Record<string, unknown>[], keys: readonly string[]): number[] {
  const out: number[] = [];
  for (const row of rows) {
    for (const k of keys) {
      const v = row[k];
      if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
    }
  }
  return out;
}

/** The q-quantile (0..1) of ascending-sorted values, linearly interpolated; NaN for no values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** How many powers of ten the positive values span (0 with fewer than two positive values). */
export function decadeSpan(values: readonly number[]): number {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v) && v > 0) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return max > min ? Math.log10(max / min) : 0;
}

/** A log axis is suggested when the values span more than three decades (an exploding or collapsing loss). */
export function suggestLogScale(values: readonly number[]): boolean {
  return decadeSpan(values) > 3;
}

/** 1, 2, 2.5 or 5 × 10^k, the smallest such step ≥ rough. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const p = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= rough * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** Removes binary noise (0.30000000000000004) so ticks format and compare cleanly. */
const clean = (v: number): number => (v === 0 ? 0 : Number(v.toPrecision(12)));

function countOutside(values: readonly number[], lo: number, hi: number) {
  let above = 0;
  let below = 0;
  for (const v of values) {
    if (v > hi) above++;
    else if (v < lo) below++;
  }
  return { above, below };
}

/**
 * Linear axis from robust quantiles: Tukey fences (3 × IQR beyond the quartiles) bound the domain, but only when the
 * full range would squeeze the bulk of the points into less than half the plot — an ordinary curve keeps all its
 * points, one spike or an explosion no longer flattens everything else onto the axis. `include` (a baseline) is
 * always inside. Non-negative data (losses) never get a negative axis.
 */
export function linearAxisPlan(values: readonly number[], include: readonly number[] = [], targetTicks = 5): YAxisPlan {
  const finiteValues = values.filter((v) => Number.isFinite(v));
  const sorted = [...finiteValues].sort((a, b) => a - b);
  const extra = include.filter((v) => Number.isFinite(v));
  let lo: number;
  let hi: number;
  if (sorted.length === 0) {
    lo = extra.length ? Math.min(...extra) : 0;
    hi = extra.length ? Math.max(...extra) : 1;
  } else {
    const min = sorted[0]!;
    const max = sorted[sorted.length - 1]!;
    const q1 = quantile(sorted, 0.25);
    const q3 = quantile(sorted, 0.75);
    const iqr = q3 - q1;
    // Whiskers: the most extreme points still inside the fences.
    const rLo = sorted.find((v) => v >= q1 - 3 * iqr) ?? min;
    const rHi = [...sorted].reverse().find((v) => v <= q3 + 3 * iqr) ?? max;
    const robust = rHi - rLo > 0 && max - min > 2 * (rHi - rLo);
    lo = robust ? rLo : min;
    hi = robust ? rHi : max;
    for (const v of extra) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const nonNegative = sorted.length > 0 ? sorted[0]! >= 0 && extra.every((v) => v >= 0) : lo >= 0;
  if (hi - lo <= 0) {
    const pad = Math.abs(hi) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  if (nonNegative) lo = Math.max(0, lo);
  // A nearly flat series (a gradient norm that barely moves) must not get ticks finer than its labels can tell
  // apart: formatTick shows 3–4 significant digits, so no step below the third digit of the largest magnitude.
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  const resolution = magnitude > 0 ? 10 ** (Math.floor(Math.log10(magnitude)) - 2) : 0;
  const step = niceStep(Math.max((hi - lo) / Math.max(1, targetTicks - 1), resolution));
  const nLo = clean(Math.floor(lo / step + 1e-9) * step);
  const nHi = clean(Math.ceil(hi / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let i = 0; ; i++) {
    const t = clean(nLo + i * step);
    if (t > nHi + step * 1e-6) break;
    ticks.push(t);
  }
  const { above, below } = countOutside(finiteValues, nLo, nHi);
  return { scale: 'linear', domain: [nLo, nHi], ticks, clippedAbove: above, clippedBelow: below, hidden: 0 };
}

/**
 * Log axis over whole decades of the positive values; zeros and negatives cannot be drawn and are counted as hidden
 * (never passed to the scale, where they would become −∞). At most about six ticks, every k-th power of ten.
 */
export function logAxisPlan(values: readonly number[], include: readonly number[] = []): YAxisPlan {
  const finiteValues = values.filter((v) => Number.isFinite(v));
  const positive = [...finiteValues, ...include.filter((v) => Number.isFinite(v))].filter((v) => v > 0);
  const hidden = finiteValues.length - finiteValues.filter((v) => v > 0).length;
  if (positive.length === 0)
    return { scale: 'log', domain: [0.1, 10], ticks: [0.1, 1, 10], clippedAbove: 0, clippedBelow: 0, hidden };
  let loE = Math.floor(Math.log10(Math.min(...positive)) + 1e-9);
  let hiE = Math.ceil(Math.log10(Math.max(...positive)) - 1e-9);
  if (hiE <= loE) {
    loE -= 1;
    hiE = loE + 2;
  }
  const stride = Math.max(1, Math.ceil((hiE - loE) / 6));
  hiE = loE + Math.ceil((hiE - loE) / stride) * stride;
  const ticks: number[] = [];
  for (let e = loE; e <= hiE; e += stride) ticks.push(Number(`1e${e}`));
  return {
    scale: 'log',
    domain: [ticks[0]!, ticks[ticks.length - 1]!],
    ticks,
    clippedAbove: 0,
    clippedBelow: 0,
    hidden,
  };
}

export function yAxisPlan(scale: YScale, values: readonly number[], include: readonly number[] = []): YAxisPlan {
  return scale === 'log' ? logAxisPlan(values, include) : linearAxisPlan(values, include);
}

/** Tick text: 4 significant digits, exponent form (shortest) for tiny and huge values: "1.4e+6", "1e-4". */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return Number(v.toPrecision(3)).toExponential();
  return String(Number(v.toPrecision(4)));
}

/** Pixels a y axis needs for its widest label (11 px sans digits are ≤ 0.62 em), plus the gap to the plot. */
export function tickLabelWidth(labels: readonly string[], fontSize = 11): number {
  const longest = labels.reduce((m, l) => Math.max(m, l.length), 0);
  return Math.max(32, Math.ceil(longest * fontSize * 0.62) + 14);
}

/** Rows for a log axis: values it cannot draw (≤ 0) become gaps. Other rows are returned as they are. */
export function forLogScale<T extends Record<string, unknown>>(rows: readonly T[], keys: readonly string[]): T[] {
  return rows.map((row) => {
    if (!keys.some((k) => typeof row[k] === 'number' && !((row[k] as number) > 0))) return row;
    const copy: Record<string, unknown> = { ...row };
    for (const k of keys) if (typeof copy[k] === 'number' && !((copy[k] as number) > 0)) copy[k] = null;
    return copy as T;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// One row set per scalar chart (what it draws, what the brush indexes and what the CSV holds).

// A type, not an interface: rows must fit Record<string, unknown> for seriesValues and forLogScale.
export type ScalarRow = {
  x: number;
  raw: number | null;
  smooth: number | null;
  train: number | null;
  val: number | null;
};

/** Batch and epoch rows on one x axis, ascending; a batch row and an epoch row at the same x stay two rows. */
export function scalarRows(data: ScalarChartData): ScalarRow[] {
  const rows: ScalarRow[] = [
    ...data.batch.map((b) => ({ x: b.x, raw: b.raw, smooth: b.smooth, train: null, val: null })),
    ...data.epoch.map((e) => ({ x: e.x, raw: null, smooth: null, train: e.train, val: e.val })),
  ];
  // Array.prototype.sort is stable: at equal x the batch row comes first.
  return rows.sort((a, b) => a.x - b.x);
}

/**
 * What a scalar chart draws, one row set per series kind: the batch rows for the per-batch lines and the epoch rows
 * for the per-epoch lines (with their dots), instead of every line over the merged rows — recharts computes a point
 * and, for lines with dots, a dot element for every row of the data it is given, nulls included. On a log axis,
 * values it cannot draw become gaps.
 */
export function drawnSeries(
  data: ScalarChartData,
  scale: YScale,
): { batch: ScalarChartData['batch']; epoch: ScalarChartData['epoch'] } {
  if (scale !== 'log') return { batch: data.batch, epoch: data.epoch };
  return { batch: forLogScale(data.batch, ['raw', 'smooth']), epoch: forLogScale(data.epoch, ['train', 'val']) };
}

/**
 * The x range of a brush selection over the chart's rows, for series drawn from rows of their own (recharts slices
 * only the chart's data by the brush); null when not zoomed or the selection is out of range.
 */
export function zoomedDomain(
  rows: readonly { x: number }[],
  zoom: { startIndex: number; endIndex: number } | null,
): [number, number] | null {
  if (!zoom) return null;
  const lo = rows[zoom.startIndex]?.x;
  const hi = rows[zoom.endIndex]?.x;
  if (lo === undefined || hi === undefined) return null;
  return hi > lo ? [lo, hi] : [lo, lo + Math.max(Math.abs(lo) * 1e-6, 1e-9)];
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV with a header line; numbers at full precision, missing values empty. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The columns of a scalar chart's CSV: the series it shows, named after the logged key. */
export function scalarCsvHeader(key: string, smoothed: boolean): string[] {
  return ['epoch', `${key}_batch`, ...(smoothed ? [`${key}_batch_ema`] : []), `${key}_epoch`, `val_${key}`];
}

export function scalarCsv(rows: readonly ScalarRow[], key: string, smoothed: boolean): string {
  return toCsv(
    scalarCsvHeader(key, smoothed),
    rows.map((r) => [r.x, r.raw, ...(smoothed ? [r.smooth] : []), r.train, r.val]),
  );
}

export function gradNormCsv(data: GradNormChartData): string {
  return toCsv(
    ['epoch', ...data.layers],
    data.rows.map((r) => [r.x, ...data.layers.map((l) => r[l])]),
  );
}

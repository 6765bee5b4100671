/**
 * Turns a run into the rows the charts draw. The x axis is in epochs for every series, so per-batch points
 * (at fractional epochs) and per-epoch points (at the epoch's end) share one axis.
 */
import type { EpochRecord } from '../../shared/training-records.js';
import { emaSmooth } from '../lib/ema.js';
import { visiblePoints } from '../lib/thinned-series.js';
import type { RunLive } from '../state/run-state.js';

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
  const epoch = run.epochs.map((e) => ({ x: e.epoch + 1, train: finite(e.logs[key]), val: finite(e.logs[`val_${key}`]) }));
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
export function compareEpochRows(a: readonly EpochRecord[], b: readonly EpochRecord[], key: string): { x: number; a: number | null; b: number | null }[] {
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

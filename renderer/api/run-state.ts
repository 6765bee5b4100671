/**
 * The state of one run as the UI shows it, built from the worker's events (live) or from `getRun` (history).
 * `applyRunEvent` is pure and returns a new object per message, so one grouped `batches` message is one React
 * update, and per-batch points are thinned so that a long run keeps drawing fast.
 */
import type { RunDetail } from '../../shared/api.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import type { BatchRecord } from '../../shared/training-records.js';
import type { WorkerEvent } from '../../shared/worker-protocol.js';
import { isTaskResult } from '../../shared/worker-protocol.js';
import { initialRunEventState, isFinished, reduceRunEvent } from '../../shared/run-reducer.js';
import type { RunEventState, RunKeep, RunProgress } from '../../shared/run-reducer.js';
import { appendThinned, emptySeries } from '../lib/thinned-series.js';
import type { ThinnedSeries } from '../lib/thinned-series.js';

export type { RunError, RunProgress } from '../../shared/run-reducer.js';
export { isFinished };

/**
 * Per-batch points kept for live charts; more are thinned uniformly (see thinned-series). 300 is about one point per
 * two pixels of a chart, and keeps a redraw of the three live charts well under 100 ms on a loaded 2-core machine.
 */
export const LIVE_BATCH_POINTS = 300;
/** Gradient-flow samples kept for the heatmap (columns). */
export const LIVE_FLOW_SAMPLES = 300;
/** Epochs of weight/gradient histograms kept live. */
export const LIVE_HISTOGRAM_EPOCHS = 200;
const LIVE_KEEP: RunKeep = { gradientFlow: LIVE_FLOW_SAMPLES, histograms: LIVE_HISTOGRAM_EPOCHS };

export interface BatchPoint {
  /** Position in epochs: 0.5 is halfway through the first epoch, 1 its end. */
  x: number;
  epoch: number;
  batch: number;
  logs: Record<string, number>;
  gradNorms: Record<string, number>;
}

/** The shared run state (shared/run-reducer.ts) and what only the UI keeps: the spec, thinned batch points, timing. */
export interface RunLive extends RunEventState {
  runId: string;
  /** The spec as run, when known (runs started here, or read with getRun). */
  spec: ModelSpec | null;
  /** From run history, where only the backend's name was kept. */
  backendName: string | null;
  batches: ThinnedSeries<BatchPoint>;
  /** Date.now() when the last event was applied (latency measurement). */
  lastUpdate: number;
}

export function newRunLive(runId: string, spec: ModelSpec | null = null, now = Date.now()): RunLive {
  const epochsPlanned = spec ? resolveTraining(spec).epochs : null;
  return {
    ...initialRunEventState({ epochsPlanned }),
    runId,
    spec,
    backendName: null,
    batches: emptySeries(),
    lastUpdate: now,
  };
}

export function batchPoint(r: BatchRecord): BatchPoint {
  return {
    x: r.epoch + (r.batch + 1) / Math.max(1, r.batches),
    epoch: r.epoch,
    batch: r.batch,
    logs: r.logs,
    gradNorms: r.gradNorms,
  };
}

/** The shared reduction, plus the UI's own part: the backend's name, the thinned per-batch points and the time. */
export function applyRunEvent(run: RunLive, event: WorkerEvent, now: number, cap = LIVE_BATCH_POINTS): RunLive {
  if (isTaskResult(event)) return run;
  const next: RunLive = { ...reduceRunEvent(run, event, LIVE_KEEP), lastUpdate: now };
  if (event.type === 'backend') next.backendName = event.backend.name;
  if (event.type === 'batches' && event.records.length > 0)
    next.batches = appendThinned(run.batches, event.records.map(batchPoint), cap);
  return next;
}

/** A run as stored (getRun), in the same shape as a live one so the same charts draw both. */
export function runFromDetail(detail: RunDetail, now = Date.now(), cap = LIVE_BATCH_POINTS): RunLive {
  const base = { ...newRunLive(detail.id, detail.spec, now), epochsPlanned: detail.epochs };
  const lastBatch = detail.batchRecords[detail.batchRecords.length - 1];
  const lastEpoch = detail.epochRecords[detail.epochRecords.length - 1];
  const progress: RunProgress | null = lastBatch
    ? {
        epoch: lastBatch.epoch,
        batch: lastBatch.batch,
        batches: lastBatch.batches,
        etaSeconds: lastBatch.etaSeconds,
        epochDone: lastEpoch?.epoch === lastBatch.epoch,
      }
    : null;
  return {
    ...base,
    status: detail.status,
    backendName: detail.backend,
    dataSummary: detail.dataSummary,
    layers: detail.layers,
    recurrence: detail.recurrence ?? [],
    gradientFlow: (detail.gradientFlow ?? []).slice(-LIVE_FLOW_SAMPLES),
    histograms: detail.histograms ?? [],
    warnings: detail.warnings ?? [],
    totalParams: detail.layers.reduce((s, l) => s + l.params, 0),
    epochs: detail.epochRecords,
    batches: appendThinned(emptySeries<BatchPoint>(), detail.batchRecords.map(batchPoint), cap),
    progress,
    result: detail.result,
    error: detail.error ? { stage: null, message: detail.error } : null,
  };
}

/**
 * Combines a stored run with what the live events already brought: events can arrive while getRun is on its way,
 * and a run opened mid-training keeps receiving them after.
 */
export function mergeDetail(
  live: RunLive | undefined,
  detail: RunDetail,
  now = Date.now(),
  cap = LIVE_BATCH_POINTS,
): RunLive {
  const stored = runFromDetail(detail, now, cap);
  if (!live) return stored;
  const lastStoredEpoch = stored.epochs[stored.epochs.length - 1]?.epoch ?? -1;
  const lastStoredX = stored.batches.latest?.x ?? 0;
  const newerBatches = live.batches.points.filter((p) => p.x > lastStoredX);
  const liveEnded = live.result !== null || live.error !== null;
  return {
    ...stored,
    backend: live.backend ?? stored.backend,
    backendName: live.backendName ?? stored.backendName,
    dataSummary: live.dataSummary ?? stored.dataSummary,
    epochs: [...stored.epochs, ...live.epochs.filter((e) => e.epoch > lastStoredEpoch)],
    batches: appendThinned(stored.batches, newerBatches, cap),
    recurrence: live.recurrence.length ? live.recurrence : stored.recurrence,
    gradientFlow: [
      ...stored.gradientFlow,
      ...live.gradientFlow.filter((s) => s.step > (stored.gradientFlow[stored.gradientFlow.length - 1]?.step ?? -1)),
    ].slice(-LIVE_FLOW_SAMPLES),
    histograms: [
      ...stored.histograms,
      ...live.histograms.filter((h) => h.epoch > (stored.histograms[stored.histograms.length - 1]?.epoch ?? -1)),
    ].slice(-LIVE_HISTOGRAM_EPOCHS),
    progress:
      live.progress && (!stored.progress || live.progress.epoch >= stored.progress.epoch)
        ? live.progress
        : stored.progress,
    status: liveEnded ? live.status : stored.status,
    result: live.result ?? stored.result,
    error: live.error ?? stored.error,
    savedDir: live.savedDir,
    warnings: live.warnings.length > 0 ? live.warnings : stored.warnings,
    lastUpdate: Math.max(live.lastUpdate, now),
  };
}

/** Fraction of the whole run done, for the progress bar. */
export function progressFraction(run: RunLive): number {
  if (run.result && run.result.status === 'completed') return 1;
  const p = run.progress;
  const epochs = run.epochsPlanned;
  if (!p || !epochs) return 0;
  const within = p.epochDone ? 1 : (p.batch + 1) / Math.max(1, p.batches);
  return Math.min(1, (p.epoch + within) / epochs);
}

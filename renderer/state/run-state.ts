/**
 * The state of one run as the UI shows it, built from the worker's events (live) or from `getRun` (history).
 * `applyRunEvent` is pure and returns a new object per message, so one grouped `batches` message is one React
 * update, and per-batch points are thinned so that a long run keeps drawing fast.
 */
import type { RunDetail, RunState } from '../../shared/api.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import type { LayerInfo, SpecIssue } from '../../shared/shape-inference.js';
import type { BatchRecord, EpochRecord, TrainResult } from '../../shared/training-records.js';
import type { BackendInfo, DataSummary, RecurrencePath, WorkerEvent } from '../../shared/worker-protocol.js';
import type { HiddenGradientSample } from '../../shared/gradient-flow.js';
import type { HistogramRecord } from '../../shared/histograms.js';
import { appendThinned, emptySeries } from '../lib/thinned-series.js';
import type { ThinnedSeries } from '../lib/thinned-series.js';

/**
 * Per-batch points kept for live charts; more are thinned uniformly (see thinned-series). 300 is about one point per
 * two pixels of a chart, and keeps a redraw of the three live charts well under 100 ms on a loaded 2-core machine.
 */
export const LIVE_BATCH_POINTS = 300;
/** Gradient-flow samples kept for the heatmap (columns). */
export const LIVE_FLOW_SAMPLES = 300;
/** Epochs of weight/gradient histograms kept live. */
export const LIVE_HISTOGRAM_EPOCHS = 200;

export interface BatchPoint {
  /** Position in epochs: 0.5 is halfway through the first epoch, 1 its end. */
  x: number;
  epoch: number;
  batch: number;
  logs: Record<string, number>;
  gradNorms: Record<string, number>;
}

export interface RunError {
  stage: 'spec' | 'data' | 'engine' | null;
  message: string;
  issues?: SpecIssue[];
  file?: string;
  row?: number;
  column?: string;
}

export interface RunProgress {
  /** 0-based epoch and batch of the last step reported. */
  epoch: number;
  batch: number;
  batches: number;
  etaSeconds: number;
  /** True once the epoch's record (with validation) has arrived. */
  epochDone: boolean;
}

export interface RunLive {
  runId: string;
  /** The spec as run, when known (runs started here, or read with getRun). */
  spec: ModelSpec | null;
  status: RunState | 'starting';
  backend: BackendInfo | null;
  /** From run history, where only the backend's name was kept. */
  backendName: string | null;
  dataSummary: DataSummary | null;
  layers: LayerInfo[];
  /** Which recurrent layers run on the fused kernels (from the run's model event). */
  recurrence: RecurrencePath[];
  /** How the fused kernels ran (implementation, threads), when they did. */
  kernels: string | null;
  totalParams: number | null;
  epochs: EpochRecord[];
  epochsPlanned: number | null;
  batches: ThinnedSeries<BatchPoint>;
  /** Sampled gradient flow through time (the latest LIVE_FLOW_SAMPLES). */
  gradientFlow: HiddenGradientSample[];
  /** Weight and gradient histograms, one record per epoch (the latest LIVE_HISTOGRAM_EPOCHS). */
  histograms: HistogramRecord[];
  progress: RunProgress | null;
  result: TrainResult | null;
  error: RunError | null;
  savedDir: string | null;
  /** Date.now() when the last event was applied (latency measurement). */
  lastUpdate: number;
}

export function newRunLive(runId: string, spec: ModelSpec | null = null, now = Date.now()): RunLive {
  const epochsPlanned = spec ? resolveTraining(spec).epochs : null;
  return {
    runId, spec, status: 'starting', backend: null, backendName: null, dataSummary: null, layers: [], recurrence: [], kernels: null, totalParams: null,
    epochs: [], epochsPlanned, batches: emptySeries(), gradientFlow: [], histograms: [], progress: null, result: null, error: null, savedDir: null, lastUpdate: now,
  };
}

export function batchPoint(r: BatchRecord): BatchPoint {
  return { x: r.epoch + (r.batch + 1) / Math.max(1, r.batches), epoch: r.epoch, batch: r.batch, logs: r.logs, gradNorms: r.gradNorms };
}

/** True once the run can no longer change. */
export function isFinished(run: Pick<RunLive, 'status'>): boolean {
  return run.status === 'completed' || run.status === 'stopped' || run.status === 'early-stopped' || run.status === 'failed';
}

export function applyRunEvent(run: RunLive, event: WorkerEvent, now: number, cap = LIVE_BATCH_POINTS): RunLive {
  const next: RunLive = { ...run, lastUpdate: now };
  switch (event.type) {
    case 'backend':
      next.backend = event.backend;
      next.backendName = event.backend.name;
      if (next.status === 'starting') next.status = 'running';
      return next;
    case 'data':
      next.dataSummary = event.summary;
      return next;
    case 'model':
      next.layers = event.layers;
      next.recurrence = event.recurrence;
      next.kernels = event.kernels;
      next.totalParams = event.totalParams;
      return next;
    case 'batches': {
      if (event.records.length === 0) return next;
      next.batches = appendThinned(run.batches, event.records.map(batchPoint), cap);
      const last = event.records[event.records.length - 1]!;
      next.progress = { epoch: last.epoch, batch: last.batch, batches: last.batches, etaSeconds: last.etaSeconds, epochDone: false };
      if (next.status === 'starting') next.status = 'running';
      return next;
    }
    case 'epoch': {
      const r = event.record;
      next.epochs = [...run.epochs.filter((e) => e.epoch !== r.epoch), r].sort((a, b) => a.epoch - b.epoch);
      next.epochsPlanned = r.epochs;
      const batches = run.progress?.batches ?? 0;
      next.progress = { epoch: r.epoch, batch: Math.max(0, batches - 1), batches, etaSeconds: r.etaSeconds, epochDone: true };
      return next;
    }
    case 'gradient-flow':
      next.gradientFlow = [...run.gradientFlow, ...event.samples].slice(-LIVE_FLOW_SAMPLES);
      return next;
    case 'histograms':
      next.histograms = [...run.histograms.filter((h) => h.epoch !== event.record.epoch), event.record].slice(-LIVE_HISTOGRAM_EPOCHS);
      return next;
    case 'state':
      if (!isFinished(run)) next.status = event.state;
      return next;
    case 'saved':
      next.savedDir = event.dir;
      return next;
    case 'done':
      next.result = event.result;
      next.status = event.result.status;
      if (event.result.status === 'failed') next.error = { stage: 'engine', message: event.result.reason ?? 'The run failed.' };
      if (next.progress) next.progress = { ...next.progress, etaSeconds: 0 };
      return next;
    case 'error':
      next.status = 'failed';
      next.error = {
        stage: event.stage, message: event.message,
        ...(event.issues ? { issues: event.issues } : {}), ...(event.file !== undefined ? { file: event.file } : {}),
        ...(event.row !== undefined ? { row: event.row } : {}), ...(event.column !== undefined ? { column: event.column } : {}),
      };
      return next;
    case 'prediction':
    case 'inside':
    case 'estimate':
      return run;
    default: {
      const never: never = event;
      throw new Error(`unknown run event ${JSON.stringify(never)}`);
    }
  }
}

/** A run as stored (getRun), in the same shape as a live one so the same charts draw both. */
export function runFromDetail(detail: RunDetail, now = Date.now(), cap = LIVE_BATCH_POINTS): RunLive {
  const base = { ...newRunLive(detail.id, detail.spec, now), epochsPlanned: detail.epochs };
  const lastBatch = detail.batchRecords[detail.batchRecords.length - 1];
  const lastEpoch = detail.epochRecords[detail.epochRecords.length - 1];
  const progress: RunProgress | null = lastBatch
    ? { epoch: lastBatch.epoch, batch: lastBatch.batch, batches: lastBatch.batches, etaSeconds: lastBatch.etaSeconds, epochDone: lastEpoch?.epoch === lastBatch.epoch }
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
export function mergeDetail(live: RunLive | undefined, detail: RunDetail, now = Date.now(), cap = LIVE_BATCH_POINTS): RunLive {
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
    gradientFlow: [...stored.gradientFlow, ...live.gradientFlow.filter((s) => s.step > (stored.gradientFlow[stored.gradientFlow.length - 1]?.step ?? -1))].slice(-LIVE_FLOW_SAMPLES),
    histograms: [...stored.histograms, ...live.histograms.filter((h) => h.epoch > (stored.histograms[stored.histograms.length - 1]?.epoch ?? -1))].slice(-LIVE_HISTOGRAM_EPOCHS),
    progress: live.progress && (!stored.progress || live.progress.epoch >= stored.progress.epoch) ? live.progress : stored.progress,
    status: liveEnded ? live.status : stored.status,
    result: live.result ?? stored.result,
    error: live.error ?? stored.error,
    savedDir: live.savedDir,
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

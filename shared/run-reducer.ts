/**
 * The one reduction of a training run's events (shared/worker-protocol.ts RunEvent) into its state: status, backend,
 * data summary, model, progress and ETA, epoch history, gradient-flow samples, histograms, warnings, result, error.
 * The studio service (run.json), the renderer (live charts) and the CLI (its final report) all fold the worker's
 * events with `reduceRunEvent` and keep only what is their own: saving, broadcasting, printing, thinned batch points.
 *
 * Pure: returns a new object when the event changes something, the same object when it changes nothing (a one-shot
 * task's answer, an empty batch message), and never mutates what it is given. Generic, so a host's own state that
 * extends RunEventState keeps its extra fields.
 */
import type { RunState } from './api.js';
import type { HiddenGradientSample } from './gradient-flow.js';
import type { HistogramRecord } from './histograms.js';
import type { LayerInfo, SpecIssue } from './shape-inference.js';
import type { EpochRecord, TrainResult } from './training-records.js';
import type { BackendInfo, DataSummary, RecurrencePath, WorkerEvent } from './worker-protocol.js';
import { isTaskResult } from './worker-protocol.js';

/** A run's status as its events tell it: `starting` until the backend or the first batch arrives. */
export type RunPhase = RunState | 'starting';

export interface RunError {
  /** Null for an error that did not come from the worker (a stored run's message, a refused start). */
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

export interface RunEventState {
  status: RunPhase;
  backend: BackendInfo | null;
  dataSummary: DataSummary | null;
  layers: LayerInfo[];
  /** Which recurrent layers run on the fused kernels (from the run's model event). */
  recurrence: RecurrencePath[];
  /** How the fused kernels ran (implementation, threads), when they did. */
  kernels: string | null;
  totalParams: number | null;
  /** One record per epoch, in epoch order (a repeated epoch replaces the earlier record). */
  epochs: EpochRecord[];
  epochsPlanned: number | null;
  progress: RunProgress | null;
  /** Sampled gradient flow through time (the latest `keep.gradientFlow`). */
  gradientFlow: HiddenGradientSample[];
  /** Weight and gradient histograms, one record per epoch (the latest `keep.histograms`). */
  histograms: HistogramRecord[];
  /** Problems that did not stop the run (a model that needs more than half of the machine's memory), on their layers. */
  warnings: SpecIssue[];
  result: TrainResult | null;
  error: RunError | null;
  /** The run folder the model was saved to. */
  savedDir: string | null;
}

/** How much of the unbounded streams a host keeps in memory (0: none; the service reads them from the run folder). */
export interface RunKeep {
  gradientFlow: number;
  histograms: number;
}

export const KEEP_ALL: RunKeep = { gradientFlow: Infinity, histograms: Infinity };

export function initialRunEventState(init: Partial<RunEventState> = {}): RunEventState {
  return {
    status: 'starting',
    backend: null,
    dataSummary: null,
    layers: [],
    recurrence: [],
    kernels: null,
    totalParams: null,
    epochs: [],
    epochsPlanned: null,
    progress: null,
    gradientFlow: [],
    histograms: [],
    warnings: [],
    result: null,
    error: null,
    savedDir: null,
    ...init,
  };
}

/** True once the run can no longer change. */
export function isFinished(run: Pick<RunEventState, 'status'>): boolean {
  return (
    run.status === 'completed' || run.status === 'stopped' || run.status === 'early-stopped' || run.status === 'failed'
  );
}

function keepLast<T>(items: T[], n: number): T[] {
  if (n <= 0) return [];
  return items.length > n ? items.slice(-n) : items;
}

/** Folds one worker event into a run's state (see the file's comment). */
export function reduceRunEvent<S extends RunEventState>(run: S, event: WorkerEvent, keep: RunKeep = KEEP_ALL): S {
  if (isTaskResult(event)) return run;
  switch (event.type) {
    case 'backend':
      return { ...run, backend: event.backend, status: run.status === 'starting' ? 'running' : run.status };
    case 'data':
      return { ...run, dataSummary: event.summary };
    case 'model':
      return {
        ...run,
        layers: event.layers,
        recurrence: event.recurrence,
        kernels: event.kernels,
        totalParams: event.totalParams,
      };
    case 'warnings':
      return event.issues.length === 0 ? run : { ...run, warnings: [...run.warnings, ...event.issues] };
    case 'batches': {
      const last = event.records[event.records.length - 1];
      if (!last) return run;
      return {
        ...run,
        progress: {
          epoch: last.epoch,
          batch: last.batch,
          batches: last.batches,
          etaSeconds: last.etaSeconds,
          epochDone: false,
        },
        status: run.status === 'starting' ? 'running' : run.status,
      };
    }
    case 'epoch': {
      const r = event.record;
      const batches = run.progress?.batches ?? 0;
      return {
        ...run,
        epochs: [...run.epochs.filter((e) => e.epoch !== r.epoch), r].sort((a, b) => a.epoch - b.epoch),
        epochsPlanned: r.epochs,
        progress: {
          epoch: r.epoch,
          batch: Math.max(0, batches - 1),
          batches,
          etaSeconds: r.etaSeconds,
          epochDone: true,
        },
      };
    }
    case 'gradient-flow':
      return keep.gradientFlow <= 0
        ? run
        : { ...run, gradientFlow: keepLast([...run.gradientFlow, ...event.samples], keep.gradientFlow) };
    case 'histograms':
      return keep.histograms <= 0
        ? run
        : {
            ...run,
            histograms: keepLast(
              [...run.histograms.filter((h) => h.epoch !== event.record.epoch), event.record],
              keep.histograms,
            ),
          };
    case 'state':
      // A late state message cannot revive a finished run.
      return isFinished(run) ? run : { ...run, status: event.state };
    case 'saved':
      return { ...run, savedDir: event.dir };
    case 'done':
      return {
        ...run,
        result: event.result,
        status: event.result.status,
        ...(event.result.status === 'failed'
          ? { error: { stage: 'engine', message: event.result.reason ?? 'The run failed.' } }
          : {}),
        ...(run.progress ? { progress: { ...run.progress, etaSeconds: 0 } } : {}),
      };
    case 'error':
      return {
        ...run,
        status: 'failed',
        error: {
          stage: event.stage,
          message: event.message,
          ...(event.issues ? { issues: event.issues } : {}),
          ...(event.file !== undefined ? { file: event.file } : {}),
          ...(event.row !== undefined ? { row: event.row } : {}),
          ...(event.column !== undefined ? { column: event.column } : {}),
        },
      };
    default: {
      const never: never = event;
      throw new Error(`unknown run event ${JSON.stringify(never)}`);
    }
  }
}

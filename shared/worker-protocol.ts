/**
 * Messages between a host (the CLI, the Electron main process, the web server) and the training worker.
 * A discriminated union on `type`; errors travel as data. Batch records are throttled by the worker
 * (at most ~10 messages a second, each carrying every batch since the last), epoch records are always sent.
 */
import type { ModelSpec } from './model-spec.js';
import type { BackendInfo, RecurrencePath } from './engine-types.js';
import type { LayerInfo, SpecIssue, ModelAnalysis } from './shape-inference.js';
import type { BatchRecord, EpochRecord, TrainResult } from './training-records.js';
import type { InsideResult, SeriesPrediction, TextPrediction } from './prediction-types.js';
import type { HiddenGradientSample } from './gradient-flow.js';
import type { HistogramRecord } from './histograms.js';
import type { RunEstimate } from './estimate.js';
import type { ClassifierDiagnostics } from './classifier-metrics.js';
import type { DataFingerprint } from './replay.js';

/** The backends a user may ask for; `auto` lets the engine choose (native, else wasm, else cpu). */
export type { BackendInfo, RecurrencePath } from './engine-types.js';

export const BACKEND_PREFERENCES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

/**
 * One line for the CLI and the studio: which recurrent layers run on the fused kernels and which on TF.js's
 * op-by-op loop, with the reason. Null when the model has no recurrent layer.
 */
export function formatRecurrence(paths: readonly RecurrencePath[], kernels?: string | null): string | null {
  if (paths.length === 0) return null;
  const fused = paths.filter((p) => p.fused && !p.reason).map((p) => p.layer);
  const parts: string[] = [];
  if (fused.length) parts.push(`fused kernels${kernels ? ` (${kernels})` : ''} for ${fused.join(', ')}`);
  for (const p of paths.filter((q) => q.reason))
    parts.push(`${p.layer}: ${p.fused ? 'fused' : 'TF.js op-by-op'} — ${p.reason}`);
  return `Recurrence: ${parts.join('; ')}`;
}

export interface RunOptions {
  /** Overrides `training.epochs`. */
  epochs?: number;
  /**
   * Run the worker and its kernel threads at a background priority (main/training/thread-priority.ts): the studio sets
   * it, so its interface stays responsive while a run takes every core; the CLI does not.
   */
  background?: boolean;
  /** Overrides `data.path` (resolved against the current directory, not the spec's). */
  dataPath?: string;
  backend?: BackendPreference;
  /** Where the trained model and preprocessing files are written; null → not saved. */
  outDir?: string | null;
  /** Minimum milliseconds between two batch messages (default 100 → ≤ 10 a second). */
  batchThrottleMs?: number;
  /** Record the gradient flow through time (‖∂L/∂h_t‖) every this many batches; 0: only when asked (default 5). */
  gradientFlowEvery?: number;
  /** A folder holding a TF.js model.json (and its weight files) whose weights the built model starts from. */
  initialWeightsDir?: string;
  /** Evaluate the (initial) weights on the data instead of training: no epochs, the result holds the logs. */
  evaluateOnly?: boolean;
}

/** What the data pipeline found, for the CLI's report and the app's data panel. */
export type DataSummary = TextDataSummary | TimeSeriesDataSummary;

/** What reading a text data set found: shared by the data preview and the training run's report. */
export interface TextCorpusInfo {
  kind: 'text';
  path: string;
  format: string;
  encoding: string;
  documents: number;
  classNames: string[];
  classCounts: number[];
  /** Files, folders or CSV rows left out while reading, with the reason (at most 50; the last then says how many more). */
  skipped: { file: string; reason: string }[];
}

export interface TextDataSummary extends TextCorpusInfo {
  split: { train: number; val: number; test: number };
  vocabSize: number;
  /** Distinct words in the training documents. */
  vocabularySeen: number;
  /** Share of the training tokens inside the kept vocabulary. */
  coverage: number;
  /** Share of training sequences longer than `length` (cut). */
  truncatedShare: number;
  length: number;
  lengthPercentiles: { p50: number; p90: number; p99: number };
}

export interface TimeSeriesDataSummary {
  kind: 'timeseries';
  path: string;
  rows: number;
  featureNames: string[];
  target: string;
  lookback: number;
  step: number;
  delay: number;
  timesteps: number;
  /** Half-open row ranges [start, end). */
  rowRanges: { train: [number, number]; val: [number, number]; test: [number, number] };
  windows: { train: number; val: number; test: number };
  /** Mean and standard deviation of the target over the training rows (the normalisation). */
  targetMean: number;
  targetStd: number;
  /** Chollet's common-sense baseline on the validation windows: MAE normalised, and in the target's units. */
  baselineMae: number;
  baselineMaeUnits: number;
}

export type WorkerRequest =
  | {
      type: 'start';
      spec: ModelSpec;
      /** `spec`'s analysis, made where it entered (CheckedSpec): the worker builds from it instead of analysing again. */
      analysis: ModelAnalysis;
      /** folder the spec's relative paths are relative to */ specDir: string;
      options: RunOptions;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** Record the gradient flow through time on the next batch. */
  | { type: 'sample-gradients' }
  /** Probe a few batches of the run and estimate its time (answered with an `estimate` event). */
  | { type: 'estimate'; spec: ModelSpec; analysis: ModelAnalysis; specDir: string; options: RunOptions }
  /** Predict with a saved run (its folder holds model/ and preprocessing.json). */
  | { type: 'predict-text'; runDir: string; text: string }
  | { type: 'predict-series'; runDir: string; spec: ModelSpec; dataPath: string; maxPoints: number }
  /** A text classifier's diagnostics on its validation split (answered with a `prediction` event). */
  | { type: 'diagnose'; runDir: string; spec: ModelSpec; dataPath: string; maxMisclassified: number }
  /** Look inside the recurrent layers of a saved run: on `text` (text runs) or the last validation window (time series). */
  | { type: 'inside'; runDir: string; text?: string; spec?: ModelSpec; dataPath?: string };

/** A worker's failure, as data: the last event of a run, or the answer of a task that failed. */
export interface WorkerError {
  type: 'error';
  /** Where it went wrong: the spec (show on the nodes), the data (show in the import dialog), the engine. */
  stage: 'spec' | 'data' | 'engine';
  message: string;
  issues?: SpecIssue[];
  /** For data errors: the file, 1-based row and column named in the message. */
  file?: string;
  row?: number;
  column?: string;
}

/**
 * What a training run reports, from `start` to its last event (`done` or `error`). Every host folds these into the
 * same state with shared/run-reducer.ts and keeps only its own side effects (printing, saving, broadcasting).
 */
export type RunEvent =
  | { type: 'backend'; backend: BackendInfo }
  /** The data as read: what was found, and the fingerprint of the files read (the run's provenance). */
  | { type: 'data'; summary: DataSummary; fingerprint: DataFingerprint }
  | {
      type: 'model';
      layers: LayerInfo[];
      totalParams: number;
      recurrence: RecurrencePath[];
      /** How the fused kernels run, e.g. "WebAssembly relaxed SIMD (fused multiply-add), 2 threads"; null when unused. */
      kernels: string | null;
    }
  /** Problems that do not stop the run (e.g. a model that needs more than half of the machine's memory), on their layers. */
  | { type: 'warnings'; issues: SpecIssue[] }
  | { type: 'batches'; records: BatchRecord[] }
  /** Sampled ‖∂L/∂h_t‖ per fused recurrent layer (gradient flow through time). */
  | { type: 'gradient-flow'; samples: HiddenGradientSample[] }
  /** Every trainable tensor's histogram (values, and gradients on the last batch) at the end of an epoch. */
  | { type: 'histograms'; record: HistogramRecord }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'state'; state: 'running' | 'paused' }
  | { type: 'saved'; dir: string; files: string[] }
  | { type: 'done'; result: TrainResult }
  | WorkerError;

/** The one answer of a one-shot task (predict, diagnose, inside, estimate); a task that fails answers with a WorkerError. */
export type TaskResult =
  | { type: 'prediction'; result: TextPrediction | SeriesPrediction | ClassifierDiagnostics }
  | { type: 'inside'; result: InsideResult }
  | { type: 'estimate'; estimate: RunEstimate };

/** Everything a worker sends its host. */
export type WorkerEvent = RunEvent | TaskResult;

/** True for a one-shot task's answer, which is no part of a run's state. */
export function isTaskResult(e: WorkerEvent): e is TaskResult {
  return e.type === 'prediction' || e.type === 'inside' || e.type === 'estimate';
}

/**
 * The model as data: a JSON-only description of a recurrent network, its training settings and the data it
 * trains on. It is what the canvas edits, what is saved, what the training worker receives and what export reads.
 * Layer class names and parameter names are Keras's / TF.js's (`className: "LSTM"`, `returnSequences`).
 */
import { bidirectional, MERGE_MODES } from './layers/bidirectional.js';
import { defaultMetrics } from './training-catalog.js';
import type { LossName, MetricName, OptimizerName } from './training-catalog.js';
import type { InputSpec, ParamValue } from './spec-values.js';

export type { FloatInputSpec, InputSpec, ParamValue, TokenInputSpec } from './spec-values.js';

/** The current version of the spec format; bumped on any incompatible change. */
export const SPEC_FORMAT = 1 as const;

/** One layer: a Keras class name and its config in TF.js camelCase. */
export interface PlainLayerSpec {
  className: string;
  /** Optional stable id for editors (the canvas); never sent to TensorFlow. */
  id?: string;
  config?: Record<string, ParamValue>;
}

/** The Bidirectional wrapper holds the recurrent layer it runs forwards and backwards. */
export interface BidirectionalLayerSpec {
  className: (typeof bidirectional)['className'];
  id?: string;
  config?: { mergeMode?: MergeMode; name?: string };
  layer: PlainLayerSpec;
}

export type LayerSpec = PlainLayerSpec | BidirectionalLayerSpec;

/** How Bidirectional combines the forward and backward outputs (Keras `merge_mode`). */
export type MergeMode = (typeof MERGE_MODES)[number];
export { MERGE_MODES };

export type { LossName, MetricName, OptimizerName } from './training-catalog.js';

/** Training settings; every field has a Keras-like default (see `resolveTraining`). */
export interface TrainingSpec {
  optimizer?: OptimizerName;
  learningRate?: number;
  /** Clip each gradient tensor to this L2 norm, as Keras's optimizer `clipnorm`. */
  clipnorm?: number | null;
  loss?: LossName;
  metrics?: MetricName[];
  batchSize?: number;
  epochs?: number;
  /**
   * Share of the training samples held out for validation when the data has no validation set of its own.
   * Like Keras, the last samples are held out (after the data's own shuffling, before training shuffles).
   */
  validationSplit?: number;
  earlyStopping?: { monitor?: string; patience: number; restoreBestWeights?: boolean; minDelta?: number } | null;
  /** Seed for weight initialisation, dropout masks and batch order: the same seed repeats a run on one backend. */
  seed?: number;
  /** Shuffle the training samples every epoch (Keras `shuffle=True`). */
  shuffle?: boolean;
}

/** Text classification data: a CSV, a folder per class of .txt files, or one line-file per class. */
export interface TextDataSpec {
  kind: 'text';
  /** A file or folder; relative paths are relative to the spec file. */
  path: string;
  format?: 'auto' | 'csv' | 'folders' | 'lines';
  encoding?: 'auto' | 'utf-8' | 'latin1' | 'windows-1252' | 'utf-16le';
  textColumn?: string;
  labelColumn?: string;
  classes?: string[];
  lowercase?: boolean;
  stripHtml?: boolean;
  padding?: 'pre' | 'post';
  truncating?: 'pre' | 'post';
  /** Shares of the (shuffled) documents used for validation and test; the tokenizer is fitted on the rest. */
  valFraction?: number;
  testFraction?: number;
  /** Cap the number of documents read (useful for a quick look at a big corpus). */
  maxSamples?: number;
}

/** Time-series forecasting data (Chollet 6.3): a CSV, windows of `lookback` rows every `step`, target `delay` ahead. */
export interface TimeSeriesDataSpec {
  kind: 'timeseries';
  path: string;
  encoding?: 'auto' | 'utf-8' | 'latin1' | 'windows-1252' | 'utf-16le';
  dateColumn?: string | null;
  /** Feature columns; default every numeric column but the date. The target is always among them. */
  features?: string[];
  target: string;
  lookback: number;
  step: number;
  delay: number;
  /** Chronological shares of the rows for training and validation; test gets the rest. */
  trainFraction?: number;
  valFraction?: number;
}

export type DataSpec = TextDataSpec | TimeSeriesDataSpec;

/** A whole experiment: architecture, training settings and data. One JSON file. */
export interface ModelSpec {
  format: typeof SPEC_FORMAT;
  name: string;
  description?: string;
  /** Set by "New from template": the book experiment this spec started from; runs of one family compare. */
  template?: { family: string; id: string };
  input: InputSpec;
  layers: LayerSpec[];
  training?: TrainingSpec;
  data?: DataSpec;
}

/** Training settings with every default filled in. */
export type ResolvedTraining = Required<Omit<TrainingSpec, 'earlyStopping' | 'clipnorm'>> & {
  clipnorm: number | null;
  earlyStopping: { monitor: string; patience: number; restoreBestWeights: boolean; minDelta: number } | null;
};

/** Fills in defaults the way Keras would for this input/output: rmsprop 1e-3 (Keras's default), batch 128. */
export function resolveTraining(spec: ModelSpec): ResolvedTraining {
  const t = spec.training ?? {};
  const loss = t.loss ?? (spec.input.kind === 'tokens' ? 'binaryCrossentropy' : 'meanAbsoluteError');
  const es = t.earlyStopping;
  return {
    optimizer: t.optimizer ?? 'rmsprop',
    learningRate: t.learningRate ?? 1e-3,
    clipnorm: t.clipnorm ?? null,
    loss,
    metrics: t.metrics ?? defaultMetrics(loss),
    batchSize: t.batchSize ?? 128,
    epochs: t.epochs ?? 10,
    validationSplit: t.validationSplit ?? 0.2,
    earlyStopping: es
      ? {
          monitor: es.monitor ?? 'val_loss',
          patience: es.patience,
          restoreBestWeights: es.restoreBestWeights ?? true,
          minDelta: es.minDelta ?? 0,
        }
      : null,
    seed: t.seed ?? 1337,
    shuffle: t.shuffle ?? true,
  };
}

/** True when the layer is the Bidirectional wrapper. */
export function isBidirectional(layer: LayerSpec): layer is BidirectionalLayerSpec {
  return layer.className === bidirectional.className;
}

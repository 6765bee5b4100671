/**
 * From a spec's `data` section to SampleSources: read, split, fit preprocessing on the training part only,
 * and report what was found. Text: tokenise, cap the vocabulary, pad/truncate. Time series: normalise with the
 * training rows' statistics, window lazily, compute the common-sense baseline.
 */
import * as tf from '@tensorflow/tfjs';
import { isAbsolute, resolve } from 'node:path';
import type { ModelSpec, TextDataSpec, TimeSeriesDataSpec, ResolvedTraining } from '../../shared/model-spec.js';
import type { DataSummary, TextDataSummary, TimeSeriesDataSummary } from '../../shared/worker-protocol.js';
import { DataError } from '../data/data-error.js';
import { describeCorpus, loadTextDataset } from '../data/text-dataset.js';
import { Tokenizer, padSequences, sequenceStats } from '../data/tokenizer.js';
import {
  loadTimeSeries,
  normalizationStats,
  normalize,
  chronologicalSplit,
  WindowSampler,
  commonSenseBaselineMae,
} from '../data/timeseries.js';
import { ArraySource } from './sources.js';
import { DataDigest } from '../data/data-digest.js';
import type { DataFingerprint } from '../../shared/replay.js';
import type { SampleSource } from './trainer.js';
import { mulberry32, shuffleInPlace } from './seeded-random.js';
import { layerDef } from '../../shared/layer-catalog.js';
import { isBidirectional } from '../../shared/model-spec.js';

/** What preprocessing learned from the training data; saved beside the model so predictions use the same. */
export type Preprocessing =
  | {
      kind: 'text';
      tokenizer: object;
      length: number;
      padding: 'pre' | 'post';
      truncating: 'pre' | 'post';
      classNames: string[];
    }
  | {
      kind: 'timeseries';
      featureNames: string[];
      target: string;
      mean: number[];
      std: number[];
      lookback: number;
      step: number;
      delay: number;
    };

export interface PreparedData {
  train: SampleSource;
  val: SampleSource | null;
  test: SampleSource | null;
  summary: DataSummary;
  preprocessing: Preprocessing;
  /** Text data: the validation documents, in the order of `val` (the classifier diagnostics list mistakes by text). */
  valTexts?: string[];
  /** Time-series data: the date column's cells, one per row, when there is one (the forecast plot dates its points). */
  dates?: string[] | null;
  /** The files read, fingerprinted as they were read (the run's provenance). */
  fingerprint: DataFingerprint;
}

/** Resolves the data path: an explicit override (relative to cwd) or the spec's own (relative to the spec file). */
export function resolveDataPath(spec: ModelSpec, specDir: string, override?: string): string {
  if (override) return resolve(override);
  if (!spec.data)
    throw new DataError(
      'The spec has no `data` section and no data path was given. Expected: "data": {"kind": "text" | "timeseries", "path": …} or --data PATH.',
    );
  return isAbsolute(spec.data.path) ? spec.data.path : resolve(specDir, spec.data.path);
}

/** Reads and prepares the data for `spec`. Throws DataError with file/row/column for bad input. */
export function prepareData(spec: ModelSpec, path: string, training: ResolvedTraining): PreparedData {
  const data = spec.data;
  if (!data) throw new DataError('The spec has no `data` section: say whether the data is "text" or "timeseries".');
  const digest = new DataDigest(path);
  if (data.kind === 'text') return { ...prepareText(spec, data, path, training, digest), fingerprint: digest.result() };
  if (data.kind === 'timeseries')
    return { ...prepareTimeSeries(spec, data, path, digest), fingerprint: digest.result() };
  throw new DataError(
    `\`data.kind\` must be "text" or "timeseries". Received: kind=${JSON.stringify((data as { kind: unknown }).kind)}.`,
  );
}

function splitCounts(
  n: number,
  valFraction: number,
  testFraction: number,
): { train: number; val: number; test: number } {
  const val = Math.round(n * valFraction);
  const test = Math.round(n * testFraction);
  return { train: n - val - test, val, test };
}

function prepareText(
  spec: ModelSpec,
  data: TextDataSpec,
  path: string,
  training: ResolvedTraining,
  digest: DataDigest,
): Omit<PreparedData, 'fingerprint'> {
  if (spec.input.kind !== 'tokens')
    throw new DataError(`Text data needs "input": {"kind": "tokens"}. Received: kind="${spec.input.kind}".`);
  const { vocabSize, length } = spec.input;
  const ds = loadTextDataset(path, {
    format: data.format,
    encoding: data.encoding,
    textColumn: data.textColumn,
    labelColumn: data.labelColumn,
    classes: data.classes,
    digest,
  });
  const nClasses = ds.classNames.length;
  const binary = training.loss === 'binaryCrossentropy';
  if (binary && nClasses !== 2) {
    throw new DataError(
      `binaryCrossentropy needs exactly 2 classes, but the data has ${nClasses}: ${ds.classNames.join(', ')}. Use Dense(units=${nClasses}, activation="softmax") with sparseCategoricalCrossentropy.`,
      { file: path },
    );
  }
  const last = spec.layers[spec.layers.length - 1];
  const outUnits =
    last && !isBidirectional(last) && layerDef(last.className)?.activationIsOutput ? last.config?.units : undefined;
  if (training.loss === 'sparseCategoricalCrossentropy' && outUnits !== nClasses) {
    throw new DataError(
      `the data has ${nClasses} classes (${ds.classNames.join(', ')}), so the output layer needs units=${nClasses}. Received: units=${String(outUnits)}.`,
      { file: path },
    );
  }

  // Shuffle documents once (seeded) so the splits mix classes; class folders and line files come sorted by class.
  let order = new Int32Array(ds.texts.length).map((_, i) => i);
  shuffleInPlace(order, mulberry32(training.seed));
  if (data.maxSamples && data.maxSamples < order.length) order = order.slice(0, data.maxSamples);
  const counts = splitCounts(order.length, data.valFraction ?? 0.2, data.testFraction ?? 0);
  if (counts.train < 1)
    throw new DataError(`no documents left for training after the validation/test split (${order.length} documents).`, {
      file: path,
    });
  const texts = Array.from(order, (i) => ds.texts[i]!);
  const trainTexts = texts.slice(0, counts.train);
  const tokenizer = Tokenizer.fit(trainTexts, {
    numWords: vocabSize,
    lowercase: data.lowercase ?? true,
    stripHtml: data.stripHtml ?? true,
    oovToken: true,
  });
  const seqs = tokenizer.textsToSequences(texts);
  if (seqs.slice(0, counts.train).every((q) => q.length === 0)) {
    throw new DataError(
      `expected words in the training documents, received ${counts.train} document(s) that are all empty after tokenizing (HTML, punctuation and blanks removed): sequences of length zero, nothing to learn from. Check \`textColumn\` and the files.`,
      { file: path },
    );
  }
  const padding = data.padding ?? 'pre';
  const truncating = data.truncating ?? 'pre';
  const x = padSequences(seqs, length, { padding, truncating });
  const y = new Float32Array(order.length);
  order.forEach((docIndex, i) => (y[i] = ds.labels[docIndex]!));
  const all = new ArraySource(x, [length], y, binary);
  const range = (a: number, b: number) => new Int32Array(b - a).map((_, i) => a + i);
  const stats = sequenceStats(seqs.slice(0, counts.train), length, tokenizer, trainTexts);
  const summary: TextDataSummary = {
    ...describeCorpus(ds, path),
    split: counts,
    vocabSize,
    vocabularySeen: stats.vocabularySeen,
    coverage: stats.coverage,
    truncatedShare: stats.truncatedShare,
    length,
    lengthPercentiles: stats.lengthPercentiles,
  };
  return {
    train: all.subset(range(0, counts.train)),
    val: counts.val > 0 ? all.subset(range(counts.train, counts.train + counts.val)) : null,
    test: counts.test > 0 ? all.subset(range(counts.train + counts.val, order.length)) : null,
    valTexts: texts.slice(counts.train, counts.train + counts.val),
    summary,
    preprocessing: {
      kind: 'text',
      tokenizer: tokenizer.toJSON(),
      length,
      padding,
      truncating,
      classNames: ds.classNames,
    },
  };
}

/** Batches of windows drawn lazily from a WindowSampler. */
export class WindowSource implements SampleSource {
  readonly count: number;
  constructor(
    readonly sampler: WindowSampler,
    private readonly numFeatures: number,
  ) {
    this.count = sampler.count;
  }

  batch(indices: Int32Array): { xs: tf.Tensor; ys: tf.Tensor } {
    const n = indices.length;
    const xs = new Float32Array(n * this.sampler.timesteps * this.numFeatures);
    const ys = new Float32Array(n);
    this.sampler.fillBatch(indices, xs, ys);
    return { xs: tf.tensor3d(xs, [n, this.sampler.timesteps, this.numFeatures]), ys: tf.tensor2d(ys, [n, 1]) };
  }
}

function prepareTimeSeries(
  spec: ModelSpec,
  data: TimeSeriesDataSpec,
  path: string,
  digest: DataDigest,
): Omit<PreparedData, 'fingerprint'> {
  if (spec.input.kind !== 'floats')
    throw new DataError(`Time-series data needs "input": {"kind": "floats"}. Received: kind="${spec.input.kind}".`);
  const ts = loadTimeSeries(path, {
    dateColumn: data.dateColumn,
    features: data.features,
    target: data.target,
    encoding: data.encoding,
    digest,
  });
  const F = ts.featureNames.length;
  if (spec.input.features !== F) {
    throw new DataError(
      `the model's input has features=${spec.input.features}, but the data gives ${F} feature columns (${ts.featureNames.join(', ')}). Set "input.features": ${F}.`,
      { file: path },
    );
  }
  const ranges = chronologicalSplit(ts.rows, { train: data.trainFraction ?? 0.5, val: data.valFraction ?? 0.25 });
  const stats = normalizationStats(ts.data, F, ranges.train[1]);
  const norm = normalize(ts.data, F, stats);
  const { lookback, step, delay } = data;
  // Each split's windows end, and take their targets, inside the split: no target row leaks from validation into
  // training (Chollet's generator lets the last training targets reach up to `delay` rows into validation).
  const sampler = (range: [number, number]) =>
    new WindowSampler({
      data: norm,
      numFeatures: F,
      targetIndex: ts.targetIndex,
      lookback,
      step,
      delay,
      minIndex: range[0],
      maxIndex: range[1] - delay,
    });
  const train = sampler(ranges.train);
  const val = ranges.val[1] - ranges.val[0] > lookback + delay ? sampler(ranges.val) : null;
  const test = ranges.test[1] - ranges.test[0] > lookback + delay ? sampler(ranges.test) : null;
  const targetStd = stats.std[ts.targetIndex]!;
  const baseline = val ? commonSenseBaselineMae(val) : NaN;
  const summary: TimeSeriesDataSummary = {
    kind: 'timeseries',
    path,
    rows: ts.rows,
    featureNames: ts.featureNames,
    target: ts.featureNames[ts.targetIndex]!,
    lookback,
    step,
    delay,
    timesteps: train.timesteps,
    rowRanges: ranges,
    windows: { train: train.count, val: val?.count ?? 0, test: test?.count ?? 0 },
    targetMean: stats.mean[ts.targetIndex]!,
    targetStd,
    baselineMae: baseline,
    baselineMaeUnits: baseline * targetStd,
  };
  return {
    train: new WindowSource(train, F),
    val: val ? new WindowSource(val, F) : null,
    test: test ? new WindowSource(test, F) : null,
    summary,
    dates: ts.dates,
    preprocessing: {
      kind: 'timeseries',
      featureNames: ts.featureNames,
      target: summary.target,
      mean: Array.from(stats.mean),
      std: Array.from(stats.std),
      lookback,
      step,
      delay,
    },
  };
}

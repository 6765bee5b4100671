/**
 * Edits of the data section and the input it must agree with. The data decides the input shape (Chollet's
 * windows: timesteps = ceil(lookback / step)), so the builder's input node follows the data settings instead of
 * reporting a mismatch after every keystroke.
 */
import type { DataSpec, ModelSpec, TextDataSpec, TimeSeriesDataSpec, TokenInputSpec } from '../../shared/model-spec.js';
import { isBidirectional, resolveTraining } from '../../shared/model-spec.js';
import { setLoss } from '../state/training-edits.js';
import { TOKEN_LAYER_CLASS } from '../../shared/layer-catalog.js';

/** input.timesteps = ceil(lookback / step) and input.features = the feature columns (target included). */
export function syncSeriesInputShape(spec: ModelSpec): ModelSpec {
  const d = spec.data;
  if (!d || d.kind !== 'timeseries' || spec.input.kind !== 'floats') return spec;
  const validWindow = Number.isInteger(d.lookback) && Number.isInteger(d.step) && d.step > 0 && d.lookback > 0;
  const timesteps = validWindow ? Math.ceil(d.lookback / d.step) : spec.input.timesteps;
  const features = d.features ? new Set([...d.features, d.target]).size : spec.input.features;
  if (timesteps === spec.input.timesteps && features === spec.input.features) return spec;
  return { ...spec, input: { ...spec.input, timesteps, features } };
}

/** Patches the time-series settings and keeps the input shape in step with them. */
export function setSeriesData(spec: ModelSpec, patch: Partial<TimeSeriesDataSpec>): ModelSpec {
  if (spec.data?.kind !== 'timeseries') return spec;
  return syncSeriesInputShape({ ...spec, data: { ...spec.data, ...patch } });
}

export function setTextData(spec: ModelSpec, patch: Partial<TextDataSpec>): ModelSpec {
  if (spec.data?.kind !== 'text') return spec;
  const data: TextDataSpec = { ...spec.data, ...patch };
  for (const key of Object.keys(patch) as (keyof TextDataSpec)[]) if (patch[key] === undefined) delete data[key];
  return { ...spec, data };
}

/**
 * Changes the vocabulary size or sequence length. An Embedding whose inputDim equalled the old vocabulary follows
 * the new one: they describe the same number, and leaving it behind would only produce an error to fix by hand.
 */
export function setTokenInput(spec: ModelSpec, patch: Partial<Omit<TokenInputSpec, 'kind'>>): ModelSpec {
  if (spec.input.kind !== 'tokens') return spec;
  const old = spec.input.vocabSize;
  const input: TokenInputSpec = { ...spec.input, ...patch };
  let layers = spec.layers;
  const first = layers[0];
  const valid = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
  // While the field is being retyped the old value may be text ("" after clearing it): the tie still holds.
  const tied =
    first !== undefined &&
    !isBidirectional(first) &&
    first.className === TOKEN_LAYER_CLASS &&
    (first.config?.inputDim === old || !valid(old));
  if (valid(patch.vocabSize) && tied && first && !isBidirectional(first)) {
    layers = [{ ...first, config: { ...first.config, inputDim: patch.vocabSize } }, ...layers.slice(1)];
  }
  return { ...spec, input, layers };
}

/** The losses of each task: a classifier's loss on a forecaster (or the reverse) is never what the user meant. */
const CLASSIFICATION_LOSSES = new Set(['binaryCrossentropy', 'sparseCategoricalCrossentropy']);

/**
 * Switches between text and time-series data. The input kind follows, and so does the loss when it belongs to the
 * other task (a forecaster trains with MAE, as in Chollet 6.3; a classifier with binary crossentropy). The file is
 * kept: it is the same file, read another way, and the preview says at once whether that works.
 */
export function setDataKind(spec: ModelSpec, kind: DataSpec['kind']): ModelSpec {
  if (spec.data?.kind === kind) return spec;
  const path = spec.data?.path ?? '';
  const loss = resolvedLoss(spec);
  if (kind === 'text') {
    const input =
      spec.input.kind === 'tokens' ? spec.input : { kind: 'tokens' as const, vocabSize: 10000, length: 100 };
    const next: ModelSpec = {
      ...spec,
      input,
      data: {
        kind: 'text',
        path,
        format: 'auto',
        encoding: 'auto',
        padding: 'pre',
        truncating: 'pre',
        valFraction: 0.2,
        testFraction: 0,
      },
    };
    return CLASSIFICATION_LOSSES.has(loss) ? next : setLoss(next, 'binaryCrossentropy');
  }
  const data: TimeSeriesDataSpec = {
    kind: 'timeseries',
    path,
    target: '',
    lookback: 72,
    step: 2,
    delay: 24,
    trainFraction: 0.5,
    valFraction: 0.25,
  };
  const input = spec.input.kind === 'floats' ? spec.input : { kind: 'floats' as const, timesteps: 36, features: 1 };
  const next = syncSeriesInputShape({ ...spec, input, data });
  return CLASSIFICATION_LOSSES.has(loss) ? setLoss(next, 'meanAbsoluteError') : next;
}

function resolvedLoss(spec: ModelSpec): string {
  try {
    return resolveTraining(spec).loss;
  } catch {
    return spec.training?.loss ?? 'binaryCrossentropy';
  }
}

/** Points the data section at a new file or folder (an upload or a picked path), keeping the other settings. */
export function setDataPath(spec: ModelSpec, path: string, kind: DataSpec['kind']): ModelSpec {
  const base = setDataKind(spec, kind);
  return { ...base, data: { ...base.data!, path } };
}

/** Sets up a time-series CSV whose columns are known: every numeric column a feature, the last one the target. */
export function adoptSeriesColumns(
  spec: ModelSpec,
  columns: { numeric: string[]; dateColumn: string | null },
): ModelSpec {
  if (spec.data?.kind !== 'timeseries') return spec;
  // No numeric column recognised: fall back to the server's default (every numeric column) and let it report.
  if (columns.numeric.length === 0) return setSeriesData(spec, { dateColumn: columns.dateColumn, features: undefined });
  const keepTarget = columns.numeric.includes(spec.data.target);
  // What forecasts are usually of (Jena's "T (degC)", Seattle's temp_max, a price, a load); else the last column.
  const likely = columns.numeric.find((c) => /temp|degc|target|price|load|sales|demand|^y$|value/i.test(c));
  const target = keepTarget ? spec.data.target : (likely ?? columns.numeric[columns.numeric.length - 1]!);
  return setSeriesData(spec, { features: columns.numeric, target, dateColumn: columns.dateColumn });
}

/**
 * The share of documents longer than the cut-off, read off the histogram (bins are [from, to) token counts).
 * A bin that straddles the cut-off counts in proportion, so the estimate moves smoothly with `length`.
 */
export function truncatedShare(
  histogram: readonly { from: number; to: number; count: number }[],
  length: number,
): number {
  let total = 0;
  let cut = 0;
  for (const bin of histogram) {
    total += bin.count;
    // Documents with more than `length` tokens are cut: lengths length+1, length+2, …
    const firstCut = length + 1;
    if (bin.from >= firstCut) cut += bin.count;
    else if (bin.to > firstCut) cut += (bin.count * (bin.to - firstCut)) / (bin.to - bin.from);
  }
  return total === 0 ? 0 : cut / total;
}

/**
 * "Look inside" a recurrent model (LSTMVis-style, issue #15): for one input, every recurrent layer's hidden state h_t
 * per timestep, its gates (LSTM input/forget/output gates, candidate and cell state c_t; GRU update/reset gates and
 * candidate; SimpleRNN just h_t), and each timestep's contribution to the prediction by occlusion.
 *
 * The gates are not something TF.js exposes, so each layer is stepped here from its own weights with Keras's formulas
 * (the same arithmetic as kernels/keras-recurrence.ts's kerasCellStep: kernel columns LSTM i, f, c, o; GRU z, r, h, both
 * reset variants), on the input the model really feeds that layer (the outputs of the layers before it, for the
 * preprocessed text or window). The test checks that the h_t stepped here equals the layer's own output.
 *
 * Occlusion is the honest, simple kind: the output with the timestep replaced (a token by the padding id 0, a series
 * step by 0, i.e. the training mean after normalisation) subtracted from the output on the real input.
 */
import * as tf from '@tensorflow/tfjs';
import { RunFolder } from '../run-folder.js';
import type { InsideLayer, InsideResult, InsideSeries } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import { Tokenizer, padSequences, OOV_TOKEN } from '../data/tokenizer.js';
import { DataError } from '../data/data-error.js';
import { loadLayersModel } from './save-model.js';
import { accelerateModel, kerasCellOf } from './kernels/index.js';
import type { KerasCell, TfjsCellLike } from './kernels/index.js';
import { GATES } from '../../shared/memory-estimate.js';
import type { Preprocessing } from './prepare-data.js';
import { prepareData, WindowSource } from './prepare-data.js';

type Kind = InsideLayer['cell'];
const KINDS: readonly string[] = ['SimpleRNN', 'LSTM', 'GRU'];

interface RnnLayerLike extends tf.layers.Layer {
  cell: TfjsCellLike;
  returnSequences: boolean;
  goBackwards: boolean;
}
interface BidirectionalLike extends tf.layers.Layer {
  forwardLayer: RnnLayerLike;
  backwardLayer: RnnLayerLike;
}

const SERIES_LABELS: Record<Kind, [string, string][]> = {
  SimpleRNN: [['h', 'hidden state h_t']],
  LSTM: [
    ['h', 'hidden state h_t'],
    ['c', 'cell state c_t'],
    ['i', 'input gate i_t'],
    ['f', 'forget gate f_t'],
    ['o', 'output gate o_t'],
    ['g', 'candidate c̃_t'],
  ],
  GRU: [
    ['h', 'hidden state h_t'],
    ['z', 'update gate z_t'],
    ['r', 'reset gate r_t'],
    ['hh', 'candidate h̃_t'],
  ],
};

/**
 * Steps one cell over x [steps, features] (batch 1) and records every quantity per timestep, in time order.
 * `keep[t]` false (a masked padding step): the state carries over and the gates are recorded as 0, as Keras skips it.
 */
export function traceCell(cell: KerasCell, x: tf.Tensor2D, keep?: readonly boolean[] | null): InsideSeries[] {
  const [T] = x.shape;
  const U = cell.units,
    G = GATES[cell.kind];
  const labels = SERIES_LABELS[cell.kind];
  const rows: Record<string, number[][]> = Object.fromEntries(labels.map(([k]) => [k, new Array<number[]>(T)]));
  tf.tidy(() => {
    const { activation: act, recurrentActivation: recAct } = cell;
    const resetAfter = cell.kind === 'GRU' && cell.resetAfter === true;
    const inputBias = cell.bias
      ? resetAfter
        ? cell.bias.slice([0, 0], [1, G * U]).reshape([G * U])
        : cell.bias
      : null;
    const recurrentBias = cell.bias && resetAfter ? cell.bias.slice([1, 0], [1, G * U]).reshape([1, G * U]) : null;
    // x·W + b for every step at once: [steps, G·units]; the recurrent part is per step.
    const xw = inputBias
      ? tf.add(tf.matMul(x, cell.kernel as tf.Tensor2D), inputBias)
      : tf.matMul(x, cell.kernel as tf.Tensor2D);
    const R = cell.recurrent as tf.Tensor2D;
    const gateOf = (a: tf.Tensor, g: number) => a.slice([0, g * U], [1, U]);
    const R2 = cell.kind === 'GRU' ? R.slice([0, 2 * U], [U, U]) : null;
    let h: tf.Tensor = tf.zeros([1, U]);
    let c: tf.Tensor = tf.zeros([1, U]);
    const zeros = new Array<number>(U).fill(0);
    for (let s = 0; s < T; s++) {
      const t = cell.goBackwards ? T - 1 - s : s;
      const put = (k: string, v: tf.Tensor | null) => {
        rows[k]![t] = v ? Array.from(v.dataSync()) : zeros.slice();
      };
      if (keep && !keep[t]) {
        for (const [k] of labels) put(k, k === 'h' ? h : k === 'c' ? c : null);
        continue;
      }
      const xt = xw.slice([t, 0], [1, G * U]);
      let hr: tf.Tensor = tf.matMul(h, R);
      if (recurrentBias) hr = tf.add(hr, recurrentBias);
      const pre = (g: number) => tf.add(gateOf(xt, g), gateOf(hr, g));
      if (cell.kind === 'SimpleRNN') {
        h = act(pre(0));
      } else if (cell.kind === 'LSTM') {
        const i = recAct(pre(0)),
          f = recAct(pre(1)),
          g = act(pre(2)),
          o = recAct(pre(3));
        c = tf.add(tf.mul(f, c), tf.mul(i, g));
        h = tf.mul(o, act(c));
        put('i', i);
        put('f', f);
        put('g', g);
        put('o', o);
        put('c', c);
      } else {
        const z = recAct(pre(0)),
          r = recAct(pre(1));
        // reset_after (Keras 3's default): r ⊙ (U_h·h₋₁ + b_rh); otherwise U_h·(r ⊙ h₋₁).
        const candidate = resetAfter ? tf.mul(r, gateOf(hr, 2)) : tf.matMul(tf.mul(r, h), R2!);
        const hh = act(tf.add(gateOf(xt, 2), candidate));
        h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
        put('z', z);
        put('r', r);
        put('hh', hh);
      }
      put('h', h);
    }
  });
  return labels.map(([key, label]) => ({ key, label, values: rows[key]! }));
}

/** A layer's recurrent directions: itself, or a Bidirectional's forward and backward layers. */
function directions(layer: tf.layers.Layer): { name: string; rnn: RnnLayerLike }[] {
  const bi = layer as BidirectionalLike;
  if (bi.forwardLayer && bi.backwardLayer) {
    return [
      { name: `${layer.name} (forward)`, rnn: bi.forwardLayer },
      { name: `${layer.name} (backward)`, rnn: bi.backwardLayer },
    ];
  }
  const rnn = layer as RnnLayerLike;
  return rnn.cell && KINDS.includes(layer.getClassName()) ? [{ name: layer.name, rnn }] : [];
}

/**
 * Every recurrent layer of `model` (stacked and Bidirectional included) traced on x (batch 1): the input each layer
 * sees comes from the model itself (a sub-model ending at the recurrent layers' inputs).
 */
export function traceModel(model: tf.LayersModel, x: tf.Tensor, keep?: readonly boolean[] | null): InsideLayer[] {
  const recurrent = model.layers.filter((l) => directions(l).length > 0);
  if (recurrent.length === 0) return [];
  const probe = tf.model({ inputs: model.inputs, outputs: recurrent.map((l) => l.input as tf.SymbolicTensor) });
  const out: InsideLayer[] = [];
  tf.tidy(() => {
    const raw = probe.predict(x);
    const inputs = Array.isArray(raw) ? raw : [raw];
    recurrent.forEach((layer, li) => {
      const input = inputs[li]!;
      const [, T, D] = input.shape as [number, number, number];
      const x2 = input.reshape([T, D]) as tf.Tensor2D;
      for (const { name, rnn } of directions(layer)) {
        const kind = rnn.getClassName() as Kind;
        const cell = kerasCellOf(rnn.cell, kind, { returnSequences: true, goBackwards: rnn.goBackwards });
        out.push({ name, cell: kind, units: cell.units, series: traceCell(cell, x2, keep) });
      }
    });
  });
  return out;
}

/**
 * Occlusion: for each timestep t, the output (`measure` of the model's prediction row) with step t of x replaced by
 * `fill`, subtracted from the output on x itself. One batched predict of steps + 1 rows.
 */
export function occlusion(
  model: tf.LayersModel,
  x: tf.Tensor,
  fill: number,
  measure: (row: Float32Array | Int32Array | Uint8Array) => number,
): { base: number; contributions: number[] } {
  const shape = x.shape as number[];
  const T = shape[1]!;
  const per = shape.slice(2).reduce((a, b) => a * b, 1);
  const src = x.dataSync();
  const data = x.dtype === 'int32' ? new Int32Array((T + 1) * T * per) : new Float32Array((T + 1) * T * per);
  for (let r = 0; r <= T; r++) {
    data.set(src, r * T * per);
    if (r > 0) data.fill(fill, r * T * per + (r - 1) * per, r * T * per + r * per);
  }
  const outRows = tf.tidy(() => {
    const batch = tf.tensor(data, [T + 1, ...shape.slice(1)], x.dtype);
    const y = model.predict(batch) as tf.Tensor;
    return y.arraySync() as number[][];
  });
  const vals = outRows.map((row) => measure(Float32Array.from(row)));
  return { base: vals[0]!, contributions: vals.slice(1).map((v) => vals[0]! - v) };
}

/** The saved model with its recurrent layers on the fused kernels, as predictions run it. */
async function loadModel(runDir: string): Promise<tf.LayersModel> {
  const model = await loadLayersModel(new RunFolder(runDir).modelDir);
  accelerateModel(model);
  return model;
}

const masksZero = (model: tf.LayersModel) =>
  model.layers.some(
    (l) => l.getClassName() === 'Embedding' && (l.getConfig() as { maskZero?: boolean }).maskZero === true,
  );

/** The top class's probability for a prediction row: sigmoid (1 unit, classes 0/1) or softmax. */
function topClass(row: ArrayLike<number>): { index: number; p: (r: ArrayLike<number>) => number } {
  if (row.length === 1) {
    const index = row[0]! >= 0.5 ? 1 : 0;
    return { index, p: (r) => (index === 1 ? r[0]! : 1 - r[0]!) };
  }
  let index = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[index]!) index = i;
  return { index, p: (r) => r[index]! };
}

/** Looks inside a text model on an id sequence (already padded to the model's length). */
export function insideTokens(
  model: tf.LayersModel,
  ids: Int32Array,
  words: (id: number) => string,
  classNames: string[],
): InsideResult {
  const T = ids.length;
  const x = tf.tensor2d(ids, [1, T], 'int32');
  try {
    const masked = masksZero(model);
    const padding = Array.from(ids, (id) => id === 0);
    const layers = traceModel(model, x, masked ? padding.map((p) => !p) : null);
    const first = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    const top = topClass(first);
    const { base, contributions } = occlusion(model, x, 0, top.p);
    return {
      kind: 'text',
      steps: Array.from(ids, (id) => (id === 0 ? '' : words(id))),
      padding,
      output: { label: `P(${classNames[top.index] ?? `class ${top.index}`})`, value: base },
      contributions,
      layers,
    };
  } finally {
    x.dispose();
  }
}

/** Looks inside a forecaster on one normalised window [1, steps, features]; outputs in the target's units. */
export function insideWindow(
  model: tf.LayersModel,
  x: tf.Tensor3D,
  target: string,
  mean: number,
  std: number,
): InsideResult {
  const T = x.shape[1];
  const layers = traceModel(model, x, null);
  const { base, contributions } = occlusion(model, x, 0, (row) => row[0]! * std + mean);
  return {
    kind: 'timeseries',
    steps: Array.from({ length: T }, (_, t) => (t === T - 1 ? 't' : `t−${T - 1 - t}`)),
    padding: new Array<boolean>(T).fill(false),
    output: { label: `forecast of ${target}`, value: base },
    contributions,
    layers,
  };
}

/** insideRun for a text run: the text prepared exactly as predictText prepares it. */
export async function insideText(runDir: string, text: string): Promise<InsideResult> {
  const pre = new RunFolder(runDir).requirePreprocessing<Preprocessing>('look inside');
  if (pre.kind !== 'text')
    throw new DataError('This run is a time-series model: look inside it on a validation window, not a text.');
  const tokenizer = Tokenizer.fromJSON(pre.tokenizer);
  const ids = padSequences(tokenizer.textsToSequences([text]), pre.length, {
    padding: pre.padding,
    truncating: pre.truncating,
  });
  const wordOf = new Map<number, string>();
  for (const [w, i] of tokenizer.wordIndex) if (i < tokenizer.numWords && !wordOf.has(i)) wordOf.set(i, w);
  const model = await loadModel(runDir);
  try {
    return insideTokens(model, ids, (id) => wordOf.get(id) ?? OOV_TOKEN, pre.classNames);
  } finally {
    model.dispose();
  }
}

/** insideRun for a time-series run: the last validation window. */
export async function insideSeries(runDir: string, spec: ModelSpec, dataPath: string): Promise<InsideResult> {
  const pre = new RunFolder(runDir).requirePreprocessing<Preprocessing>('look inside');
  if (pre.kind !== 'timeseries') throw new DataError('This run is a text model: look inside it on a text.');
  const data = prepareData(spec, dataPath, resolveTraining(spec));
  if (!(data.val instanceof WindowSource))
    throw new DataError('The data has no validation window to look inside on.', { file: dataPath });
  const t = pre.featureNames.indexOf(pre.target);
  const { xs, ys } = data.val.batch(Int32Array.of(data.val.count - 1));
  ys.dispose();
  const model = await loadModel(runDir);
  try {
    return insideWindow(model, xs as tf.Tensor3D, pre.target, pre.mean[t]!, pre.std[t]!);
  } finally {
    xs.dispose();
    model.dispose();
  }
}

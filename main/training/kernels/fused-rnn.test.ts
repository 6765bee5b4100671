// The fused path against TF.js's own op-by-op RNN (the reference): same weights, same inputs → outputs, input
// gradients and weight gradients equal within float32 tolerance, for every cell × direction × output mode ×
// activation, odd sizes that exercise the kernels' non-SIMD tails, no bias, Bidirectional in every merge mode and
// stacks. A model built twice from one spec with the same seed gets the same weights; only one copy is patched.
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  fitsKernelMemory,
  fusedBackward,
  fusedForward,
  accelerateModel,
  kernelMemoryLimit,
  HiddenGradientProbe,
  probeKwargs,
  setDropoutMaskSource,
} from './fused-rnn.js';
import type { DropoutMaskRequest, DropoutMaskSource } from './fused-rnn.js';
import { heapOf, loadKernels, rnnKernels, threadsOf } from './kernels-wasm.js';
import type { RnnKernels } from './kernels-wasm.js';
import { withSeededRandom } from '../seeded-random.js';
import { kerasGRU } from '../keras-gru.js';
import { kerasCellStep } from './keras-recurrence.js';
import { acceleratable, Bidirectional, lstm, simpleRNN } from './recurrent-layers.js';

// TF.js's own GRU (reset_after=False, TF.js's cell) as one of our routable classes: the reference the kernels are
// held to beside Keras's GRU (keras-gru.ts, which every GRU the studio builds or loads is).
class TfjsGRU extends acceleratable(
  Object.getPrototypeOf(tf.layers.gru({ units: 1 })).constructor as new (args: Cfg) => tf.layers.RNN,
) {}

type Layer = tf.layers.Layer;
type Cfg = Record<string, unknown>;
const make = (cls: string, units: number, cfg: Cfg = {}): Layer => {
  const args = { units, recurrentActivation: 'sigmoid', ...cfg } as never;
  if (cls === 'LSTM') return lstm(args);
  if (cls === 'GRU') return new TfjsGRU(args);
  // Keras 3's default GRU (reset_after=True), which TF.js lacks: keras-gru.ts's layer is the reference.
  if (cls === 'GRU_RA') return kerasGRU({ ...(args as object), units, resetAfter: true });
  return simpleRNN(args);
};
const bi = (inner: Layer, mergeMode: string): Layer => new Bidirectional({ layer: inner, mergeMode });

interface Case {
  name: string;
  layers: () => Layer[];
  features?: number;
}
const cases: Case[] = [];
for (const cls of ['SimpleRNN', 'LSTM', 'GRU', 'GRU_RA']) {
  for (const returnSequences of [false, true]) {
    for (const goBackwards of [false, true]) {
      cases.push({
        name: `${cls} returnSequences=${returnSequences} goBackwards=${goBackwards}`,
        layers: () => [make(cls, 8, { returnSequences, goBackwards })],
      });
    }
  }
  cases.push({
    name: `${cls} odd sizes (5 units, 3 features), no bias`,
    layers: () => [make(cls, 5, { useBias: false, returnSequences: true })],
    features: 3,
  });
  cases.push({
    name: `${cls} relu / hardSigmoid`,
    layers: () => [make(cls, 6, { activation: 'relu', recurrentActivation: 'hardSigmoid' })],
  });
  cases.push({
    name: `${cls} linear / tanh`,
    layers: () => [make(cls, 4, { activation: 'linear', recurrentActivation: 'tanh' })],
  });
  cases.push({ name: `${cls} stacked`, layers: () => [make(cls, 7, { returnSequences: true }), make(cls, 4)] });
  cases.push({
    name: `${cls} dropout (inference path fused)`,
    layers: () => [make(cls, 4, { dropout: 0.3, recurrentDropout: 0.2 })],
  });
}
for (const mode of ['concat', 'sum', 'mul', 'ave']) {
  cases.push({ name: `Bidirectional(LSTM) ${mode}`, layers: () => [bi(make('LSTM', 6), mode)] });
  cases.push({
    name: `Bidirectional(GRU, returnSequences) ${mode} → SimpleRNN`,
    layers: () => [bi(make('GRU', 5, { returnSequences: true }), mode), make('SimpleRNN', 3)],
  });
  cases.push({ name: `Bidirectional(GRU resetAfter) ${mode}`, layers: () => [bi(make('GRU_RA', 5), mode)] });
}

const STEPS = 11;
function build(c: Case): tf.Sequential {
  const model = tf.sequential();
  c.layers().forEach((layer, i) => {
    if (i === 0) model.add(tf.layers.inputLayer({ inputShape: [STEPS, c.features ?? 4] }));
    model.add(layer);
  });
  model.add(tf.layers.dense({ units: 2 }));
  return model;
}

/** Output, d(loss)/d(input) and d(loss)/d(every weight) for a fixed random projection of the output. */
function probe(
  model: tf.LayersModel,
  x: tf.Tensor,
  proj: tf.Tensor,
): { y: Float32Array; dx: Float32Array; dw: Float32Array[] } {
  const y = tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array);
  const loss = (input: tf.Tensor) =>
    tf.sum(tf.mul(model.apply(input, { training: false }) as tf.Tensor, proj)) as tf.Scalar;
  const dx = tf.tidy(() => tf.grad(loss)(x).dataSync() as Float32Array);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads, value } = tf.variableGrads(() => loss(x), vars);
  const dw = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
  value.dispose();
  Object.values(grads).forEach((g) => g.dispose());
  return { y, dx, dw };
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let scale = 1e-3;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
  return worst;
}

/** Fused against reference: outputs within 2e-5 and every weight gradient within 5e-5, relative to the largest value. */
function assertMatches(
  a: { y: Float32Array; dw: Float32Array[] },
  b: { y: Float32Array; dw: Float32Array[] },
  ref: tf.LayersModel,
): void {
  assert.ok(maxRelDiff(a.y, b.y) < 2e-5, `outputs differ by ${maxRelDiff(a.y, b.y)}`);
  a.dw.forEach((g, i) => {
    const d = maxRelDiff(g, b.dw[i]!);
    assert.ok(d < 5e-5, `gradient of ${ref.trainableWeights[i]!.name} differs by ${d}`);
  });
}

for (const c of cases) {
  test(`fused = TF.js reference: ${c.name}`, () => {
    const ref = build(c);
    const fused = build(c);
    fused.setWeights(ref.getWeights());
    const paths = accelerateModel(fused);
    assert.ok(paths.length > 0 && paths.every((p) => p.fused), JSON.stringify(paths));
    const batch = 6;
    const x = tf.randomNormal([batch, STEPS, c.features ?? 4], 0, 1, 'float32', 3);
    const outShape = (ref.outputs[0]!.shape as number[]).map((d) => d ?? batch);
    const proj = tf.randomNormal(outShape, 0, 1, 'float32', 4);
    const a = probe(fused, x, proj);
    const b = probe(ref, x, proj);
    assertMatches(a, b, ref);
    assert.ok(maxRelDiff(a.dx, b.dx) < 5e-5, `input gradients differ by ${maxRelDiff(a.dx, b.dx)}`);
    tf.dispose([x, proj]);
    ref.dispose();
    fused.dispose();
  });
}

test('the fused path trains the way the reference does (5 optimizer steps, same losses)', () => {
  const c: Case = { name: 'train', layers: () => [make('GRU', 8, { returnSequences: true }), make('LSTM', 6)] };
  const x = tf.randomNormal([16, 11, 4], 0, 1, 'float32', 3);
  const y = tf.randomNormal([16, 2], 0, 1, 'float32', 5);
  const initial = build(c);
  const losses = (patchIt: boolean) => {
    const model = build(c);
    model.setWeights(initial.getWeights());
    if (patchIt) accelerateModel(model);
    const opt = tf.train.rmsprop(0.01);
    const out: number[] = [];
    for (let i = 0; i < 5; i++) {
      const l = opt.minimize(
        () => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      )!;
      out.push(l.dataSync()[0]!);
      l.dispose();
    }
    model.dispose();
    return out;
  };
  const a = losses(true),
    b = losses(false);
  a.forEach((v, i) =>
    assert.ok(Math.abs(v - b[i]!) < 1e-4 * Math.max(1, Math.abs(b[i]!)), `step ${i}: fused ${v} vs reference ${b[i]}`),
  );
  assert.ok(a[4]! < a[0]!, 'the loss went down');
});

test('masked input and dropout are both reported as fused', () => {
  const masked = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 50, outputDim: 4, maskZero: true, inputLength: 6 }),
      lstm({ units: 3, name: 'lstm' }),
    ],
  });
  assert.deepEqual(accelerateModel(masked), [{ layer: 'lstm', fused: true }]);
  const dropout = tf.sequential({
    layers: [new TfjsGRU({ units: 3, dropout: 0.2, name: 'gru', inputShape: [6, 4] })],
  });
  assert.deepEqual(accelerateModel(dropout), [{ layer: 'gru', fused: true }]);
  tf.dispose([masked, dropout] as never);
});

/** Runs fn with the fused kernels turned off (RNN_STUDIO_FUSED=0): accelerateModel then keeps only the op-by-op paths. */
async function withFusedOff<T>(fn: () => T): Promise<T> {
  const before = process.env.RNN_STUDIO_FUSED;
  process.env.RNN_STUDIO_FUSED = '0';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.RNN_STUDIO_FUSED;
    else process.env.RNN_STUDIO_FUSED = before;
  }
}

// Masked timesteps (Embedding maskZero): padding before, after and inside a sequence, a sequence that is all padding
// and one with none. TF.js carries the state (and the output) over a masked step; the kernels must give the same
// outputs and the same gradients of every weight, the embedding's included (it gets none from a masked step).
const PADDED = [
  [0, 0, 0, 0, 5, 3, 9, 1, 4, 7, 2],
  [5, 3, 9, 1, 4, 7, 2, 0, 0, 0, 0],
  [5, 3, 0, 0, 4, 0, 2, 8, 0, 6, 1],
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  [0, 7, 0, 7, 0, 7, 0, 7, 0, 7, 0],
];
const maskedCases: Case[] = [];
for (const cls of ['SimpleRNN', 'LSTM', 'GRU', 'GRU_RA']) {
  for (const [returnSequences, goBackwards] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    maskedCases.push({
      name: `${cls} returnSequences=${returnSequences} goBackwards=${goBackwards}`,
      layers: () => [make(cls, 5, { returnSequences, goBackwards })],
    });
  }
}
maskedCases.push({ name: 'Bidirectional(LSTM) concat', layers: () => [bi(make('LSTM', 4), 'concat')] });
maskedCases.push({
  name: 'Bidirectional(GRU, returnSequences) ave → SimpleRNN',
  layers: () => [bi(make('GRU', 4, { returnSequences: true }), 'ave'), make('SimpleRNN', 3)],
});
maskedCases.push({
  name: 'LSTM with dropout / recurrentDropout, training',
  layers: () => [make('LSTM', 5, { dropout: 0.3, recurrentDropout: 0.4 })],
});
maskedCases.push({
  name: 'Bidirectional(GRU) with dropout / recurrentDropout, training',
  layers: () => [bi(make('GRU', 4, { dropout: 0.3, recurrentDropout: 0.4 }), 'concat')],
});
maskedCases.push({
  name: 'Bidirectional(GRU resetAfter) with dropout / recurrentDropout, training',
  layers: () => [bi(make('GRU_RA', 4, { dropout: 0.3, recurrentDropout: 0.4 }), 'concat')],
});

function buildMasked(c: Case): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.embedding({
      inputDim: 12,
      outputDim: 4,
      maskZero: true,
      inputLength: STEPS,
      embeddingsInitializer: tf.initializers.randomNormal({ seed: 9 }),
    }),
  );
  c.layers().forEach((layer) => model.add(layer));
  model.add(tf.layers.dense({ units: 2 }));
  return model;
}

for (const c of maskedCases) {
  test(`fused = reference with masked timesteps: ${c.name}`, async () => {
    const ref = buildMasked(c);
    const fused = buildMasked(c);
    fused.setWeights(ref.getWeights());
    const paths = accelerateModel(fused);
    assert.ok(paths.length > 0 && paths.every((p) => p.fused), JSON.stringify(paths));
    const training = c.name.includes('training');
    // The reference: TF.js's RNN, or while training with dropout Keras's cell op by op (TF.js's trains another model).
    if (training) await withFusedOff(() => accelerateModel(ref));
    const x = tf.tensor2d(PADDED, [6, STEPS], 'int32');
    const outShape = (ref.outputs[0]!.shape as number[]).map((d) => d ?? 6);
    const proj = tf.randomNormal(outShape, 0, 1, 'float32', 4);
    const run = (model: tf.LayersModel) =>
      withSeededRandom(42, async () => {
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const y = tf.tidy(() => (model.apply(x, { training }) as tf.Tensor).dataSync() as Float32Array);
        const { grads, value } = tf.variableGrads(
          () => tf.sum(tf.mul(model.apply(x, { training }) as tf.Tensor, proj)) as tf.Scalar,
          vars,
        );
        const dw = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
        tf.dispose([value, ...Object.values(grads)]);
        return { y, dw };
      });
    assertMatches(await run(fused), await run(ref), ref);
    tf.dispose([x, proj]);
    ref.dispose();
    fused.dispose();
  });
}

test('kernel memory is all given back after training steps and predictions', () => {
  const k = rnnKernels()!;
  const model = build({
    name: 'heap',
    layers: () => [bi(make('LSTM', 4, { returnSequences: true }), 'concat'), make('GRU', 3)],
  });
  accelerateModel(model);
  const x = tf.randomNormal([5, STEPS, 4], 0, 1, 'float32', 8);
  const opt = tf.train.sgd(0.01);
  for (let i = 0; i < 3; i++)
    tf.dispose(opt.minimize(() => tf.mean(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!);
  tf.dispose(model.predict(x) as tf.Tensor);
  assert.equal(heapOf(k).inUse(), 0);
  tf.dispose(x);
  model.dispose();
});

// A forward pass that keeps its state for a backward pass that never comes (the loss threw) must not hold kernel
// memory for ever: once the pass is unreachable, the orphan registry gives it back. (Its held value used to reference
// the pass itself, which kept it reachable, so it never ran: this test failed with 4,896 bytes still in use.)
test('kernel memory kept for a backward pass that never runs is given back once the pass is garbage', async () => {
  const k = rnnKernels()!;
  const model = build({ name: 'orphan', layers: () => [make('LSTM', 4)] });
  accelerateModel(model);
  const x = tf.randomNormal([3, STEPS, 4], 0, 1, 'float32', 9);
  const before = heapOf(k).inUse();
  assert.throws(
    () =>
      tf.variableGrads(() => {
        tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
        throw new Error('the loss failed');
      }),
    /the loss failed/,
  );
  assert.ok(heapOf(k).inUse() > before, 'the forward pass should have kept its state for a backward pass');
  // TF.js keeps the failed call's tape until the next gradient computation replaces it.
  const w = tf.variable(tf.ones([2]), true, 'orphan_next');
  tf.dispose(Object.values(tf.variableGrads(() => tf.sum(w) as tf.Scalar).grads));
  w.dispose();
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let i = 0; i < 20 && heapOf(k).inUse() > before; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(heapOf(k).inUse(), before);
  tf.dispose(x);
  model.dispose();
});

test('the SIMD and relaxed-SIMD (fused multiply-add) builds agree', (t) => {
  let relaxed;
  try {
    relaxed = loadKernels('relaxed-simd');
  } catch (e) {
    t.skip(`relaxed SIMD unavailable here: ${(e as Error).message}`);
    return;
  }
  const plain = loadKernels('simd');
  const [B, T, D, U] = [9, 13, 5, 7];
  const rnd = (n: number, seed: number) => tf.randomNormal([n], 0, 0.5, 'float32', seed).dataSync() as Float32Array;
  for (const kind of ['SimpleRNN', 'LSTM', 'GRU'] as const) {
    const G = { SimpleRNN: 1, LSTM: 4, GRU: 3 }[kind];
    const cfg = {
      kind,
      units: U,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      returnSequences: true,
      goBackwards: kind === 'GRU',
    } as const;
    const args = [rnd(B * T * D, 1), [B, T, D], rnd(D * G * U, 2), rnd(U * G * U, 3), rnd(G * U, 4)] as const;
    const run = (k: RnnKernels) => {
      const f = fusedForward(k, cfg, args[0], [...args[1]], args[2], args[3], args[4], true);
      return { y: f.y, ...fusedBackward(k, cfg, f.saved!, rnd(B * T * U, 5)) };
    };
    const a = run(plain),
      b = run(relaxed);
    for (const key of ['y', 'dx', 'dKernel', 'dRecurrent', 'dBias'] as const) {
      assert.ok(maxRelDiff(a[key], b[key]) < 1e-5, `${kind} ${key} differs by ${maxRelDiff(a[key], b[key])}`);
    }
  }
});

// The backward pass flushes its running ∂L/∂h below 1e-30 to zero (x86 cores crawl through subnormal floats; TensorFlow
// runs with flush-to-zero): a gradient that reaches only far below that leaves the early timesteps' input gradient at
// exactly 0, while NaN and ∞ still come through.
test('the backward pass flushes subnormal gradients to zero and keeps NaN and ∞', () => {
  const k = rnnKernels()!;
  const [B, T, D, U] = [3, 6, 2, 5];
  const cfg = {
    kind: 'SimpleRNN',
    units: U,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    returnSequences: true,
    goBackwards: false,
  } as const;
  const x = Float32Array.from({ length: B * T * D }, (_, i) => Math.sin(i));
  const w = Float32Array.from({ length: D * U }, (_, i) => Math.cos(i));
  const r = Float32Array.from({ length: U * U }, (_, i) => (i % (U + 1) === 0 ? 0.5 : 0));
  const backward = (last: number) => {
    const dy = new Float32Array(B * T * U);
    for (let b = 0; b < B; b++) dy.fill(last, (b * T + T - 1) * U, (b * T + T) * U);
    const f = fusedForward(k, cfg, x, [B, T, D], w, r, null, true);
    return fusedBackward(k, cfg, f.saved!, dy);
  };
  // A ∂L/∂y of 1e-31 at the last step only: flushed before it reaches any earlier step.
  const tiny = backward(1e-31);
  const earlier = (dx: Float32Array) =>
    Array.from({ length: B }, (_, b) => Array.from(dx.subarray(b * T * D, (b * T + T - 1) * D))).flat();
  assert.ok(
    earlier(tiny.dx).every((v) => v === 0),
    'nothing below 1e-30 travels back to earlier steps',
  );
  assert.ok(
    tiny.dx.some((v) => v !== 0),
    'the last step itself still gets its (tiny) gradient',
  );
  // 1e-3 travels back, halving (and more) each step through r = 0.5·I: the first step's share is still nonzero.
  assert.ok(
    backward(1e-3)
      .dx.slice(0, D)
      .some((v) => v !== 0),
  );
  assert.ok(
    backward(NaN).dx.some((v) => Number.isNaN(v)),
    'NaN is not flushed',
  );
  assert.ok(
    backward(Infinity).dKernel.some((v) => !Number.isFinite(v)),
    '∞ is not flushed',
  );
});

// tanh and sigmoid are rational approximations in the kernels (the form Eigen uses for TensorFlow's LSTM): their
// error over and beyond the clamped range, and that NaN and ±∞ come out as TF.js's own activations give them. One
// timestep of a SimpleRNN with an identity kernel and no recurrence is act(x) itself; 5 units reach the scalar tail.
// (∞ · 0 is NaN in the identity projection, so the infinities go through a 1-unit layer.)
test("the kernels' tanh and sigmoid: within 4e-7 of exact from −30 to 30, NaN and ±∞ as in TF.js", (t) => {
  const variants: RnnKernels[] = [loadKernels('simd')];
  try {
    variants.push(loadKernels('relaxed-simd'));
  } catch (e) {
    t.diagnostic(`relaxed SIMD unavailable here: ${(e as Error).message}`);
  }
  const exact: Record<'tanh' | 'sigmoid', (x: number) => number> = {
    tanh: Math.tanh,
    sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  };
  const run = (k: RnnKernels, activation: 'tanh' | 'sigmoid', units: number, values: number[]) => {
    const eye = new Float32Array(units * units).map((_, i) => (i % (units + 1) === 0 ? 1 : 0));
    const cfg = {
      kind: 'SimpleRNN',
      units,
      activation,
      recurrentActivation: 'linear',
      returnSequences: false,
      goBackwards: false,
    } as const;
    return fusedForward(
      k,
      cfg,
      Float32Array.from(values),
      [values.length / units, 1, units],
      eye,
      new Float32Array(units * units),
      null,
      false,
    ).y;
  };
  const finite = [
    ...Array.from({ length: 6000 }, (_, i) => -30 + i / 100),
    0,
    -0,
    1e-30,
    -1e-30,
    7.9,
    7.91,
    -7.9,
    -7.91,
    100,
    -100,
  ];
  for (const k of variants) {
    for (const activation of ['tanh', 'sigmoid'] as const) {
      const y = run(k, activation, 5, finite);
      const worst = Math.max(...finite.map((x, i) => Math.abs(y[i]! - exact[activation](Math.fround(x)))));
      assert.ok(worst < 4e-7, `${activation}: largest error ${worst}`);
      assert.equal(y[6000], activation === 'tanh' ? 0 : 0.5);
      assert.ok(
        run(k, activation, 5, new Array<number>(5).fill(NaN)).every(Number.isNaN),
        `${activation}(NaN) is not NaN`,
      );
      const [up, down] = run(k, activation, 1, [Infinity, -Infinity]);
      assert.ok(
        Math.abs(up! - 1) < 4e-7 && Math.abs(down! - (activation === 'tanh' ? -1 : 0)) < 4e-7,
        `${activation}(±∞) = ${up}, ${down}`,
      );
    }
  }
});

// Dropout while training follows Keras 3, not TF.js: one mask per sequence, per gate once recurrentDropout > 0, and a
// GRU's carried state unmasked. The reference is Keras's cell written out in TF.js ops (keras-recurrence.ts, the
// op-by-op path, taken here with the kernels off); both paths get the same masks from setDropoutMaskSource.
function injectedMasks(): { source: DropoutMaskSource; requests: DropoutMaskRequest[] } {
  const requests: DropoutMaskRequest[] = [];
  let seed = 100;
  const draw = (count: number, rows: number, n: number, rate: number) =>
    count === 0
      ? null
      : Array.from({ length: count }, () =>
          tf.tidy(
            () =>
              tf
                .div(
                  tf.cast(tf.greater(tf.randomUniform([rows, n], 0, 1, 'float32', seed++), rate), 'float32'),
                  1 - rate,
                )
                .dataSync() as Float32Array,
          ),
        );
  return {
    requests,
    source: (r) => {
      requests.push(r);
      return {
        input: draw(r.inputGates, r.batch, r.features, r.inputRate),
        recurrent: draw(r.recurrentGates, r.batch, r.units, r.recurrentRate),
      };
    },
  };
}

for (const cls of ['SimpleRNN', 'LSTM', 'GRU', 'GRU_RA']) {
  for (const [dropout, recurrentDropout, wrapped] of [
    [0.3, 0, false],
    [0, 0.4, false],
    [0.25, 0.35, false],
    [0.25, 0.35, true],
    [0, 0.5, false],
  ] as const) {
    test(`fused = Keras's cell (op by op) while training with dropout ${dropout} / recurrentDropout ${recurrentDropout}: ${wrapped ? `Bidirectional(${cls})` : cls}`, async () => {
      const first = (cfg: Cfg) =>
        wrapped
          ? bi(make(cls, 6, { ...cfg, returnSequences: true }), 'concat')
          : make(cls, 6, { ...cfg, returnSequences: true, goBackwards: cls.startsWith('GRU') });
      const c: Case = {
        name: 'dropout',
        layers: () => [first({ dropout, recurrentDropout }), make(cls, 5, { dropout, recurrentDropout })],
      };
      const ref = build(c);
      const fused = build(c);
      fused.setWeights(ref.getWeights());
      assert.ok(accelerateModel(fused).every((p) => p.fused));
      assert.ok((await withFusedOff(() => accelerateModel(ref))).every((p) => !p.fused));
      const x = tf.randomNormal([7, STEPS, 4], 0, 1, 'float32', 11);
      const proj = tf.randomNormal([7, 2], 0, 1, 'float32', 12);
      const step = (model: tf.LayersModel) => {
        const masks = injectedMasks();
        setDropoutMaskSource(masks.source);
        try {
          const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
          const { grads, value } = tf.variableGrads(
            () => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, proj)) as tf.Scalar,
            vars,
          );
          const out = {
            loss: value.dataSync()[0]!,
            dw: vars.map((v) => grads[v.name]!.dataSync() as Float32Array),
            requests: masks.requests,
          };
          value.dispose();
          Object.values(grads).forEach((g) => g.dispose());
          return out;
        } finally {
          setDropoutMaskSource(null);
        }
      };
      const a = step(fused),
        b = step(ref);
      // Keras's mask counts: per gate for inputs and state once recurrentDropout > 0, else one input mask.
      const G = { SimpleRNN: 1, LSTM: 4, GRU: 3, GRU_RA: 3 }[cls]!;
      for (const r of b.requests) {
        assert.equal(r.recurrentGates, recurrentDropout ? G : 0);
        assert.equal(r.inputGates, dropout ? (recurrentDropout ? G : 1) : 0);
      }
      // (The two models' layer names differ by their automatic suffix.)
      const asked = (rs: DropoutMaskRequest[]) => rs.map(({ layer: _, ...r }) => r);
      assert.deepEqual(asked(a.requests), asked(b.requests), 'both paths asked for the same masks in the same order');
      assert.ok(Math.abs(a.loss - b.loss) <= 2e-5 * Math.max(1, Math.abs(b.loss)), `loss ${a.loss} vs ${b.loss}`);
      a.dw.forEach((g, i) => {
        const d = maxRelDiff(g, b.dw[i]!);
        assert.ok(d < 5e-5, `gradient of ${ref.trainableWeights[i]!.name} differs by ${d}`);
      });
      // And the masks really dropped something: without dropout the loss differs.
      const plain = build({ name: 'plain', layers: () => [first({}), make(cls, 5)] });
      plain.setWeights(ref.getWeights());
      const p = tf.tidy(() => tf.sum(tf.mul(plain.apply(x, { training: true }) as tf.Tensor, proj)).dataSync()[0]!);
      assert.ok(Math.abs(p - b.loss) > 1e-4, 'dropout changed nothing');
      tf.dispose([x, proj]);
      [ref, fused, plain].forEach((m) => m.dispose());
    });
  }
}

// The defect this replaces: TF.js's GRU multiplies the state it carries by the recurrent mask. With the update gate
// at z = ½, a candidate of 0 after the first step and a recurrent mask of 2 (rate ½), Keras's state halves at every
// step (h_t = ½·h₋₁); TF.js's stays where it is (½·2·h₋₁), and with z nearer 1 it grows without bound.
test('a GRU with recurrentDropout carries its state unmasked (Keras), on the kernels and op by op', async () => {
  for (const off of [false, true]) {
    const model = tf.sequential({
      layers: [
        new TfjsGRU({
          units: 2,
          recurrentDropout: 0.5,
          returnSequences: true,
          inputShape: [10, 1],
          recurrentActivation: 'sigmoid',
        }),
      ],
    });
    // Gate order z, r, h: only the candidate sees the input; every bias and recurrent weight is 0, so z = r = ½.
    model.setWeights([tf.tensor2d([[0, 0, 0, 0, 1, 1]]), tf.zeros([2, 6]), tf.zeros([6])]);
    const paths = off ? await withFusedOff(() => accelerateModel(model)) : accelerateModel(model);
    assert.equal(paths[0]!.fused, !off);
    setDropoutMaskSource((r) => ({
      input: null,
      recurrent: Array.from({ length: r.recurrentGates }, () => new Float32Array(r.batch * r.units).fill(2)),
    }));
    try {
      const x = tf.tensor3d([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 10, 1]);
      const y = tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);
      const h1 = y[0]!,
        h10 = y[18]!;
      assert.ok(Math.abs(h1 - 0.5 * Math.tanh(1)) < 1e-6, `h1 ${h1}`);
      assert.ok(
        Math.abs(h10 - h1 / 2 ** 9) < 1e-5 * h1,
        `${off ? 'op by op' : 'kernels'}: h10 ${h10}, Keras: ${h1 / 2 ** 9} (TF.js's carry: ${h1})`,
      );
      x.dispose();
    } finally {
      setDropoutMaskSource(null);
      model.dispose();
    }
  }
});

// The same for Keras's GRU with reset_after=True and recurrent dropout (fixed masks), unrolled with its own cell step.
test('HiddenGradientProbe: ‖∂L/∂h_t‖ of a reset_after GRU with recurrent dropout equals an unrolled reference', () => {
  const T = 8,
    B = 4,
    D = 3,
    U = 5;
  const model = tf.sequential({
    layers: [
      kerasGRU({
        units: U,
        resetAfter: true,
        recurrentDropout: 0.3,
        recurrentActivation: 'sigmoid',
        inputShape: [T, D],
        name: 'gru',
      } as never),
    ],
  });
  accelerateModel(model);
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 23);
  const proj = tf.randomNormal([B, U], 0, 1, 'float32', 24);
  const rec = [0, 1, 2].map((g) => Float32Array.from({ length: B * U }, (_, i) => ((i + g) % 3 === 0 ? 0 : 1 / 0.7)));
  setDropoutMaskSource(() => ({ input: null, recurrent: rec }));
  try {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const probe = new HiddenGradientProbe();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(model.apply(x, probeKwargs(probe)) as tf.Tensor, proj)) as tf.Scalar,
      vars,
    );
    tf.dispose([value, ...Object.values(grads)]);
    const { norms } = probe;
    const [kernel, recurrent, bias] = vars as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
    const step = kerasCellStep({
      kind: 'GRU',
      units: U,
      resetAfter: true,
      activation: tf.tanh,
      recurrentActivation: tf.sigmoid,
      returnSequences: false,
      goBackwards: false,
      kernel,
      recurrent,
      bias,
    });
    const want = tf.tidy(() => {
      const masks = { input: null, recurrent: rec.map((m) => tf.tensor2d(m, [B, U])) };
      const g = tf.grad((e: tf.Tensor) => {
        let state = { h: tf.zeros([B, U]), c: tf.zeros([B, U]) };
        for (let t = 0; t < T; t++) {
          const next = step(tf.squeeze(tf.slice(x, [0, t, 0], [B, 1, D]), [1]), state, masks);
          state = { h: tf.add(next.h, tf.squeeze(tf.slice(e, [t, 0, 0], [1, B, U]), [0])), c: next.c };
        }
        return tf.sum(tf.mul(state.h, proj));
      })(tf.zeros([T, B, U]));
      return tf.sqrt(tf.sum(tf.square(g), [1, 2])).dataSync() as Float32Array;
    });
    const got = norms.get('gru');
    assert.ok(got, `recorded layers: ${[...norms.keys()].join(', ')}`);
    assert.ok(
      maxRelDiff(got!, want) < 5e-5,
      `got ${[...got!].map((v) => v.toFixed(4))} want ${[...want].map((v) => v.toFixed(4))}`,
    );
  } finally {
    setDropoutMaskSource(null);
    tf.dispose([x, proj]);
    model.dispose();
  }
});

// Both directions of a Bidirectional layer go to the kernel threads together: one kernel call per pass, holding
// slices of both directions that cover each direction's batch once (the equality with TF.js is the matrix above).
test('a Bidirectional layer runs its two directions in one kernel call per pass', () => {
  const model = build({ name: 'bi', layers: () => [bi(make('LSTM', 6), 'concat')] });
  accelerateModel(model);
  const pool = threadsOf(rnnKernels()!);
  const calls: { fn: string; parts: { batch: number; goBackwards: number }[] }[] = [];
  const run = pool.run.bind(pool);
  pool.run = (fn, parts, local) => {
    calls.push({ fn, parts: parts.map((p) => ({ batch: p[1]!, goBackwards: p[fn === 'seqForward' ? 16 : 15]! })) });
    run(fn, parts, local);
  };
  try {
    const x = tf.randomNormal([9, STEPS, 4], 0, 1, 'float32', 3);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    );
    tf.dispose([x, value, ...Object.values(grads)]);
  } finally {
    pool.run = run;
    model.dispose();
  }
  assert.deepEqual(
    calls.map((c) => c.fn),
    ['seqForward', 'seqBackward'],
  );
  for (const c of calls) {
    for (const direction of [0, 1]) {
      const mine = c.parts.filter((p) => p.goBackwards === direction);
      assert.ok(
        mine.length >= Math.min(pool.threads, 9),
        `${c.fn}: ${mine.length} parts of direction ${direction} for ${pool.threads} threads`,
      );
      assert.equal(
        mine.reduce((n, p) => n + p.batch, 0),
        9,
        `${c.fn}: direction ${direction}'s parts cover the batch once`,
      );
    }
  }
});

// ‖∂L/∂h_t‖ per timestep, against a hand-unrolled SimpleRNN in TF.js ops where h_t gets an additive zero ε_t:
// ∂L/∂ε_t = ∂L/∂h_t exactly.
for (const [returnSequences, goBackwards] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const) {
  test(`HiddenGradientProbe: ‖∂L/∂h_t‖ per input timestep equals an unrolled reference (returnSequences=${returnSequences}, goBackwards=${goBackwards})`, () => {
    const T = 9,
      B = 5,
      D = 3,
      U = 4;
    const model = tf.sequential({
      layers: [simpleRNN({ units: U, returnSequences, goBackwards, inputShape: [T, D], name: 'rnn' })],
    });
    accelerateModel(model);
    const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 21);
    const proj = tf.randomNormal(returnSequences ? [B, T, U] : [B, U], 0, 1, 'float32', 22);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const probe = new HiddenGradientProbe();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(model.apply(x, probeKwargs(probe)) as tf.Tensor, proj)) as tf.Scalar,
      vars,
    );
    tf.dispose([value, ...Object.values(grads)]);
    const { norms } = probe;
    const got = norms.get('rnn');
    assert.ok(got, `recorded layers: ${[...norms.keys()].join(', ')}`);
    const [W, R, b] = vars as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
    const want = tf.tidy(() => {
      const eps = tf.zeros([T, B, U]);
      const g = tf.grad((e: tf.Tensor) => {
        let h = tf.zeros([B, U]);
        const outs: tf.Tensor[] = [];
        for (let s = 0; s < T; s++) {
          const t = goBackwards ? T - 1 - s : s;
          const xt = tf.squeeze(tf.slice(x, [0, t, 0], [B, 1, D]), [1]);
          h = tf.add(
            tf.tanh(tf.add(tf.add(tf.matMul(xt, W), tf.matMul(h, R)), b)),
            tf.squeeze(tf.slice(e, [t, 0, 0], [1, B, U]), [0]),
          );
          outs.push(h);
        }
        const y = returnSequences ? tf.stack(outs, 1) : outs[T - 1]!;
        return tf.sum(tf.mul(y, proj));
      })(eps);
      return tf.sqrt(tf.sum(tf.square(g), [1, 2])).dataSync() as Float32Array;
    });
    assert.ok(
      maxRelDiff(got!, want) < 5e-5,
      `got ${[...got!].map((v) => v.toFixed(4))} want ${[...want].map((v) => v.toFixed(4))}`,
    );
    tf.dispose([x, proj]);
    model.dispose();
  });
}

test("a batch too big for kernel memory takes TF.js's path, with the same result", () => {
  const c: Case = { name: 'big', layers: () => [make('LSTM', 8, { returnSequences: true }), make('GRU', 4)] };
  const ref = build(c);
  const fused = build(c);
  fused.setWeights(ref.getWeights());
  accelerateModel(fused);
  const x = tf.randomNormal([6, STEPS, 4], 0, 1, 'float32', 31);
  const layer = {
    kind: 'LSTM',
    units: 8,
    batch: 6,
    steps: STEPS,
    features: 4,
    returnSequences: true,
    recurrentBias: false,
    inputMasks: 0,
    recurrentMasks: 0,
    stepMask: false,
  } as const;
  assert.equal(fitsKernelMemory([layer]), true);
  const saved = process.env.RNN_STUDIO_KERNEL_MEMORY_MB;
  process.env.RNN_STUDIO_KERNEL_MEMORY_MB = '0.001';
  try {
    assert.equal(fitsKernelMemory([layer]), false);
    const a = tf.tidy(() => (fused.apply(x, { training: false }) as tf.Tensor).dataSync());
    const b = tf.tidy(() => (ref.apply(x, { training: false }) as tf.Tensor).dataSync());
    assert.deepEqual(a, b, "the op-by-op fallback is TF.js's own computation, bit for bit");
  } finally {
    if (saved === undefined) delete process.env.RNN_STUDIO_KERNEL_MEMORY_MB;
    else process.env.RNN_STUDIO_KERNEL_MEMORY_MB = saved;
  }
  assert.equal(kernelMemoryLimit({}), 4 * 2 ** 30 - 64 * 2 ** 20);
  tf.dispose(x);
  ref.dispose();
  fused.dispose();
});

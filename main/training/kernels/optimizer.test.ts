import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.js';
import { HostOptimizer, OPTIMIZER_DEFAULTS } from './optimizer.js';
import type { HostOptimizerName } from './optimizer.js';
import { mulberry32 } from '../seeded-random.js';
import { heapOf, rnnKernels } from './kernels-wasm.js';

const require = createRequire(import.meta.url);
const nativeInstalled = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

/** The reference update, in TF.js ops on the backend under test: one call per step, with every variable's gradient. */
type Reference = { apply(vars: tf.Variable[], grads: tf.Tensor[]): void; dispose(): void };

/**
 * RMSprop and SGD: TF.js's own optimizers (Keras's arithmetic too). Adam: Keras 3's update_step
 * (keras/src/optimizers/adam.py) written in TF.js ops, since TF.js's Adam adds ε to the bias-corrected √v̂.
 */
function reference(name: HostOptimizerName, lr: number): Reference {
  const { rho, beta1, beta2, epsilon } = OPTIMIZER_DEFAULTS;
  if (name !== 'adam') {
    const opt = name === 'rmsprop' ? tf.train.rmsprop(lr, rho, 0, epsilon) : tf.train.sgd(lr);
    return {
      apply: (vars, grads) => opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, grads[i]!]))),
      dispose: () => opt.dispose(),
    };
  }
  let t = 0;
  const slots: tf.Variable[][] = [];
  return {
    apply(vars, grads) {
      t++;
      tf.tidy(() => {
        const power = (b: number) => tf.pow(tf.scalar(b), tf.scalar(t));
        const alpha = tf.div(
          tf.mul(tf.scalar(lr), tf.sqrt(tf.sub(tf.scalar(1), power(beta2)))),
          tf.sub(tf.scalar(1), power(beta1)),
        );
        vars.forEach((w, i) => {
          const [m, v] = (slots[i] ??= [tf.variable(tf.zerosLike(w), false), tf.variable(tf.zerosLike(w), false)]) as [
            tf.Variable,
            tf.Variable,
          ];
          const g = grads[i]!;
          m.assign(tf.add(m, tf.mul(tf.sub(g, m), tf.scalar(1 - beta1))));
          v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), tf.scalar(1 - beta2))));
          w.assign(tf.sub(w, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), tf.scalar(epsilon)))));
        });
      });
    },
    dispose: () => tf.dispose(slots.flat()),
  };
}

/** Gradients of several magnitudes (down to subnormal-adjacent products) and signs, and exact zeros. */
function gradient(n: number, random: () => number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) =>
    i % 11 === 0 ? 0 : (random() - 0.5) * 10 ** Math.floor(random() * 8 - 5),
  );
}

const SHAPES: number[][] = [[37, 5], [7]];
const backends = ['cpu', 'wasm', ...(nativeInstalled ? (['tensorflow'] as const) : [])] as const;

// The host optimizer claims Keras's arithmetic in float32 to the bit: run it and the reference on the same weights and
// gradients for 6 steps and compare every weight exactly, on every backend (TF.js's ops are the reference there).
for (const backend of backends) {
  for (const [name, path] of (['rmsprop', 'adam', 'sgd'] as const).flatMap(
    (n) =>
      [
        [n, 'kernels'],
        [n, 'JavaScript'],
      ] as const,
  )) {
    test(`${name} on ${backend} (${path}): the same weights as the reference (${name === 'adam' ? "Keras's update in TF.js ops" : "TF.js's optimizer"}), bit for bit, after 6 steps`, async () => {
      await initBackend(backend);
      if (path === 'kernels') assert.ok(rnnKernels(), 'the kernels must load for this case');
      const random = mulberry32(42);
      // 37 × 5 = 185 values: the kernels' SIMD loop and its scalar tail.
      const init = SHAPES.map((s) => Float32Array.from({ length: tf.util.sizeFromShape(s) }, () => random() - 0.5));
      const ours = init.map((v, i) =>
        tf.variable(tf.tensor(v, SHAPES[i]), true, `ours_${name}_${backend}_${path}_${i}`),
      );
      const theirs = init.map((v, i) =>
        tf.variable(tf.tensor(v, SHAPES[i]), true, `theirs_${name}_${backend}_${path}_${i}`),
      );
      const host = new HostOptimizer(name, 0.01, path === 'kernels');
      const ref = reference(name, 0.01);
      for (let s = 0; s < 6; s++) {
        const grads = SHAPES.map((shape) => tf.tensor(gradient(tf.util.sizeFromShape(shape), random), shape));
        const squares = host.step(ours, grads);
        ref.apply(theirs, grads);
        grads.forEach((g, i) => {
          const expected = Array.from(g.dataSync()).reduce((a, x) => a + x * x, 0);
          assert.ok(Math.abs(squares[i]! - expected) <= 1e-12 * expected, `squared norm ${squares[i]} vs ${expected}`);
        });
        tf.dispose(grads);
      }
      ours.forEach((v, i) => {
        const a = v.dataSync(),
          b = theirs[i]!.dataSync();
        const differ = a.findIndex((x, j) => !Object.is(x, b[j]));
        assert.equal(differ, -1, `variable ${i}, value ${differ}: ${a[differ]} vs reference ${b[differ]}`);
      });
      // The weights moved (a step that changed nothing would also be "equal").
      assert.notDeepEqual(Array.from(ours[0]!.dataSync()), Array.from(init[0]!));
      ref.dispose();
      tf.dispose([...ours, ...theirs]);
    });
  }
}

for (const kernels of [true, false]) {
  test(`clipnorm rescales each gradient to at most that norm (Keras: g·c / max(‖g‖, c)); smaller ones pass unchanged (${kernels ? 'kernels' : 'JavaScript'})`, async () => {
    await initBackend('cpu');
    const w = [
      tf.variable(tf.zeros([4]), true, `clip_a${kernels}`),
      tf.variable(tf.zeros([2]), true, `clip_b${kernels}`),
    ];
    const sgd = new HostOptimizer('sgd', 1, kernels);
    // ‖(3, 4, 0, 0)‖ = 5 is clipped to 1; ‖(0.3, 0.4)‖ = 0.5 is below it.
    const squares = sgd.step(w, [tf.tensor1d([3, 4, 0, 0]), tf.tensor1d([0.3, 0.4])], 1);
    assert.deepEqual(
      squares.map((x) => +x.toFixed(6)),
      [25, 0.25],
    );
    const close = (t: tf.Tensor, want: number[]) =>
      Array.from(t.dataSync()).forEach((x, i) => assert.ok(Math.abs(x - want[i]!) < 1e-7, `${x} vs ${want[i]}`));
    close(w[0]!, [-0.6, -0.8, 0, 0]);
    close(w[1]!, [-0.3, -0.4]);
    tf.dispose(w);
  });
}

test('a variable without a gradient keeps its values and its slots; a gradient of the wrong size is refused', async () => {
  await initBackend('cpu');
  const w = [tf.variable(tf.ones([3]), true, 'none_a'), tf.variable(tf.ones([2]), true, 'none_b')];
  const rms = new HostOptimizer('rmsprop', 0.1);
  assert.deepEqual(rms.step(w, [undefined, tf.tensor1d([1, -1])]), [0, 2]);
  assert.deepEqual(Array.from(w[0]!.dataSync()), [1, 1, 1]);
  assert.ok(w[1]!.dataSync()[0]! < 1 && w[1]!.dataSync()[1]! > 1);
  assert.throws(
    () => rms.step(w, [tf.tensor1d([1, 2]), undefined]),
    /gradient of none_a has 2 values; expected 3 \(shape \[3\]\)/,
  );
  assert.throws(
    () => new HostOptimizer('adam', 0),
    /`learningRate` must be a positive finite number. Received: learningRate=0/,
  );
  tf.dispose(w);
});

// TF.js's Adam is a different update early in training (ε on √v̂, not √v): the reference above is not it.
test("Adam is Keras's, not TF.js's: with small gradients the first steps differ", async () => {
  await initBackend('cpu');
  const ours = [tf.variable(tf.zeros([3]), true, 'adam_vs_a')],
    theirs = [tf.variable(tf.zeros([3]), true, 'adam_vs_b')];
  const host = new HostOptimizer('adam', 0.001);
  const tfjs = tf.train.adam(0.001, OPTIMIZER_DEFAULTS.beta1, OPTIMIZER_DEFAULTS.beta2, OPTIMIZER_DEFAULTS.epsilon);
  const g = tf.tensor1d([1e-6, -1e-7, 1e-5]);
  host.step(ours, [g]);
  tfjs.applyGradients([{ name: theirs[0]!.name, tensor: g }]);
  // Keras, first step: w = −α·m / (√v + ε) with m = 0.1·g, v = 0.001·g², α = lr·√0.001 / 0.1 (float64 here; float32
  // rounding of v ≈ 1e-17 costs a few 1e-6). With |g| near ε/√0.001 the two Adams land far apart.
  const a = ours[0]!.dataSync(),
    b = theirs[0]!.dataSync();
  const expected = [1e-6, -1e-7, 1e-5].map(
    (x) => (-0.001 * (0.1 * x) * Math.sqrt(0.001)) / 0.1 / (Math.sqrt(0.001) * Math.abs(x) + 1e-7),
  );
  a.forEach((x, i) =>
    assert.ok(Math.abs(x - expected[i]!) <= 2e-5 * Math.abs(expected[i]!), `${x} vs Keras ${expected[i]}`),
  );
  assert.ok(Math.abs(a[1]! - b[1]!) > 1e-4, `TF.js's Adam would give ${b[1]}, ours ${a[1]}`);
  tfjs.dispose();
  tf.dispose([...ours, ...theirs, g]);
});

test("no tensors leak: each step replaces the variables' values and frees the old ones", async () => {
  await initBackend('wasm');
  const w = [tf.variable(tf.ones([50, 3]), true, 'leak_a')];
  const adam = new HostOptimizer('adam', 0.01);
  const g = tf.ones([50, 3]);
  adam.step(w, [g]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) adam.step(w, [g]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([...w, g]);
});

test('with clipnorm the kernels and the JavaScript loops agree to the bit, and the kernels give their memory back', async () => {
  await initBackend('wasm');
  const k = rnnKernels();
  assert.ok(k, 'the kernels must load');
  const random = mulberry32(9);
  const init = Float32Array.from({ length: 4 * 33 }, () => random() - 0.5);
  for (const name of ['rmsprop', 'adam', 'sgd'] as const) {
    const pair = [true, false].map((kernels) => ({
      opt: new HostOptimizer(name, 0.05, kernels),
      w: [tf.variable(tf.tensor(init, [4, 33]), true, `cmp_${name}_${kernels}`)],
    }));
    const inUse = heapOf(k).inUse();
    for (let s = 0; s < 4; s++) {
      const g = tf.tensor(gradient(init.length, random), [4, 33]);
      // Norms of these gradients lie around 0.1–10: some steps are clipped, some not.
      const sq = pair.map(({ opt, w }) => opt.step(w, [g], 0.5)[0]!);
      assert.ok(Math.abs(sq[0]! - sq[1]!) <= 1e-12 * sq[1]!);
      g.dispose();
    }
    assert.equal(heapOf(k).inUse(), inUse);
    const [a, b] = pair.map(({ w }) => w[0]!.dataSync());
    assert.equal(
      a!.findIndex((x, j) => !Object.is(x, b![j])),
      -1,
      `${name}: the two paths differ`,
    );
    tf.dispose(pair.flatMap(({ w }) => w));
  }
});

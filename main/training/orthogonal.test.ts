import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Orthogonal } from './orthogonal.js';
import { FAST_ORTHOGONAL_MAX_ELEMENTS } from '../../shared/orthogonal.js';
import { orthogonalInitBytes } from '../../shared/memory-estimate.js';

// TF.js's own class, which ours replaces in the registry (its prototype's constructor).
const TfOrthogonal = Object.getPrototypeOf(Orthogonal.prototype).constructor as typeof Orthogonal;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

test("the float64 QR gives TF.js's orthogonal weights from the same draws: tall, wide, square, 3-D, with a gain", () => {
  const cases: { shape: number[]; gain: number }[] = [
    { shape: [8, 32], gain: 1 }, // a recurrent kernel, [units, 4·units]
    { shape: [48, 12], gain: 1 },
    { shape: [16, 16], gain: 1 },
    { shape: [3, 4, 5], gain: 1 },
    { shape: [20, 60], gain: 2.5 },
  ];
  for (const { shape, gain } of cases) {
    const ours = new Orthogonal({ gain, seed: 7 }).apply(shape);
    const theirs = new TfOrthogonal({ gain, seed: 7 }).apply(shape);
    assert.deepEqual(ours.shape, shape);
    const d = maxAbsDiff(ours.dataSync(), theirs.dataSync());
    assert.ok(d < 2e-5 * gain, `${JSON.stringify(shape)} × ${gain}: max |Δ| ${d}`);
    tf.dispose([ours, theirs]);
  }
});

test('LSTM(512) recurrent kernel: orthonormal rows, in a fraction of the time TF.js took, and registered for every layer', () => {
  const started = performance.now();
  const w = new Orthogonal({ seed: 3 }).apply([512, 2048]);
  const ms = performance.now() - started;
  // TF.js's own took 18.0 s here on the WebAssembly backend (2026-12-07).
  assert.ok(ms < 6000, `${Math.round(ms)} ms`);
  const gram = tf.matMul(w, w, false, true);
  const err = tf.max(tf.abs(tf.sub(gram, tf.eye(512)))).dataSync()[0]!;
  assert.ok(err < 1e-5, `max |W·Wᵀ − I| = ${err}`);
  tf.dispose([w, gram]);
  const layer = tf.layers.lstm({ units: 4 }) as unknown as { cell: { recurrentInitializer: unknown } };
  assert.ok(layer.cell.recurrentInitializer instanceof Orthogonal, "a layer's default orthogonal initializer is ours");
  const config = (new Orthogonal({ gain: 2, seed: 1 }) as unknown as tf.serialization.Serializable).getConfig();
  assert.deepEqual(config, { gain: 2, seed: 1 }, "TF.js's config");
});

test("TF.js's memory: the normal draws are released before the weight is made, one weight's worth (orthogonalInitBytes)", () => {
  const before = tf.memory().numBytes;
  const w = new Orthogonal({ seed: 2 }).apply([256, 768]);
  assert.equal(tf.memory().numBytes - before, orthogonalInitBytes(256, 768));
  w.dispose();
  assert.equal(tf.memory().numBytes, before);
});

test("past FAST_ORTHOGONAL_MAX_ELEMENTS, and for int32, TF.js's own path runs", () => {
  let called = 0;
  const original = TfOrthogonal.prototype.apply;
  TfOrthogonal.prototype.apply = function (this: Orthogonal, ...args: Parameters<typeof original>) {
    called++;
    return tf.zeros(args[0]);
  };
  try {
    new Orthogonal({}).apply([2, FAST_ORTHOGONAL_MAX_ELEMENTS / 2 + 1]).dispose();
    new Orthogonal({}).apply([4, 4], 'int32').dispose();
    new Orthogonal({}).apply([4, 4]).dispose();
  } finally {
    TfOrthogonal.prototype.apply = original;
  }
  assert.equal(called, 2);
});

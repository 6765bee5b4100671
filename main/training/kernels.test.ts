import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerFastKernels, segmentSumInto } from './kernels.js';
import { initBackend } from './backend.js';

test('segmentSumInto adds rows by id and drops ids outside the range', () => {
  const out = new Float32Array(3 * 2);
  segmentSumInto(out, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 0, 2, -1], 3, 2);
  assert.deepEqual([...out], [3, 4, 0, 0, 6, 8]);
});

// The Embedding gradient computed through our kernel must equal a one-hot matmul reference.
for (const backend of ['cpu', 'wasm'] as const) {
  test(`Embedding gradient on ${backend} equals the one-hot reference`, async () => {
    await initBackend(backend);
    registerFastKernels(backend);
    const vocab = 50, dim = 4;
    const ids = tf.tensor2d([[1, 2, 2, 49], [0, 7, 1, 1]], [2, 4], 'int32');
    const upstream = tf.randomNormal([2, 4, dim], 0, 1, 'float32', 7);
    const table = tf.randomNormal([vocab, dim], 0, 1, 'float32', 3);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), upstream)))(table);
    const oneHot = tf.oneHot(ids.flatten(), vocab).toFloat();
    const ref = tf.matMul(oneHot, upstream.reshape([8, dim]), true, false);
    const diff = tf.max(tf.abs(tf.sub(g, ref))).dataSync()[0]!;
    assert.ok(diff < 1e-5, `max difference ${diff}`);
    tf.dispose([ids, upstream, table, g, oneHot, ref]);
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { gatherRowsInto, registerFastKernels, registerNativeKernels, rowKernelsOf, segmentSumInto } from './row-ops.js';
import { initBackend } from '../backend.js';
import { heapOf, rnnKernels } from './kernels-wasm.js';

const nativeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();
// Native TensorFlow joins the backend tables where tfjs-node is installed (its row kernels run in our kernels' memory).
const BACKENDS = ['cpu', 'wasm', ...(nativeInstalled ? ['tensorflow' as const] : [])] as const;
const register = (backend: (typeof BACKENDS)[number]) =>
  backend === 'tensorflow' ? registerNativeKernels() : registerFastKernels(backend);

test('segmentSumInto adds rows by id and drops ids outside the range', () => {
  const out = new Float32Array(3 * 2);
  segmentSumInto(out, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 0, 2, -1], 3, 2);
  assert.deepEqual([...out], [3, 4, 0, 0, 6, 8]);
});

// The Embedding gradient computed through our kernel must equal a one-hot matmul reference (5 values per row: the
// wasm row kernels' SIMD loop and their scalar tail; an id outside the table is dropped).
for (const backend of BACKENDS) {
  test(`Embedding gradient on ${backend} equals the one-hot reference`, async () => {
    await initBackend(backend);
    register(backend);
    const vocab = 50,
      dim = 5;
    const ids = tf.tensor2d(
      [
        [1, 2, 2, 49],
        [0, 7, 1, 1],
      ],
      [2, 4],
      'int32',
    );
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

test('gatherRowsInto copies rows by index and names an index outside the table', () => {
  const x = new Float32Array([10, 11, 20, 21, 30, 31]);
  const out = new Float32Array(4 * 2);
  gatherRowsInto(out, x, [2, 0, 0, 1], 3, 2);
  assert.deepEqual([...out], [30, 31, 10, 11, 10, 11, 20, 21]);
  assert.throws(() => gatherRowsInto(out, x, [0, 3], 3, 2), /GatherV2: index 3 at position 1 is outside \[0, 2\]/);
  assert.throws(() => gatherRowsInto(out, x, [-1], 3, 2), /index -1 at position 0/);
});

// Our GatherV2 takes axis 0 (the Embedding's case); other axes fall through to the stock kernel. Both must equal
// references computed without a gather.
for (const backend of BACKENDS) {
  test(`GatherV2 on ${backend}: axis 0 is ours, axis 1 stock, both equal a one-hot reference`, async () => {
    await initBackend(backend);
    register(backend);
    const table = tf.randomNormal([6, 3, 2], 0, 1, 'float32', 5);
    const ids = tf.tensor2d(
      [
        [5, 0],
        [2, 2],
      ],
      [2, 2],
      'int32',
    );
    const rows = tf.gather(table, ids);
    assert.deepEqual(rows.shape, [2, 2, 3, 2]);
    const ref0 = tf.matMul(tf.oneHot(ids.flatten(), 6).toFloat(), table.reshape([6, 6])).reshape([2, 2, 3, 2]);
    assert.ok(tf.max(tf.abs(tf.sub(rows, ref0))).dataSync()[0]! < 1e-6);
    const cols = tf.gather(table, tf.tensor1d([2, 0], 'int32'), 1);
    const ref1 = tf.stack(
      [tf.slice(table, [0, 2, 0], [6, 1, 2]).squeeze([1]), tf.slice(table, [0, 0, 0], [6, 1, 2]).squeeze([1])],
      1,
    );
    assert.ok(tf.max(tf.abs(tf.sub(cols, ref1))).dataSync()[0]! < 1e-6);
    tf.dispose([table, ids, rows, ref0, cols, ref1]);
  });
}

// On wasm both ops run in place in the backend's memory (assembly/rows.ts), and a bad token id is reported the
// same way, without leaking the output it was writing.
test("on wasm the Embedding's rows are moved by our WebAssembly kernels, in the backend's own memory", async () => {
  await initBackend('wasm');
  registerFastKernels('wasm');
  assert.ok(rowKernelsOf(tf.backend()), "row kernels not loaded over tfjs-backend-wasm's memory");
  const table = tf.tensor2d([10, 11, 20, 21, 30, 31], [3, 2]);
  const ids = tf.tensor1d([0, 3], 'int32');
  const before = tf.backend().numDataIds();
  assert.throws(() => tf.gather(table, ids), /GatherV2: index 3 at position 1 is outside \[0, 2\]/);
  assert.equal(tf.backend().numDataIds(), before, 'the half-written output was kept');
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
  const sum = tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, -1], 'int32'), 3);
  assert.deepEqual([...sum.dataSync()], [3, 4, 0, 0, 6, 8]);
  tf.dispose([table, ids, x, sum]);
});

test('on wasm Identity and an order-keeping Transpose share the data; a real Transpose still moves it; gradients through them are right', async () => {
  await initBackend('wasm');
  registerFastKernels('wasm');
  const buffers = () => tf.backend().numDataIds();
  const a = tf.tensor([1, 2, 3, 4, 5, 6], [2, 1, 3]);
  const before = buffers();
  const clone = tf.clone(a);
  const squeezed = tf.transpose(a, [1, 0, 2]); // only an axis of size one moves
  const same = tf.transpose(a, [0, 1, 2]);
  assert.equal(buffers(), before, 'the views copied the data');
  assert.deepEqual(
    [clone.shape, squeezed.shape, same.shape],
    [
      [2, 1, 3],
      [1, 2, 3],
      [2, 1, 3],
    ],
  );
  a.dispose();
  for (const t of [clone, squeezed, same]) assert.deepEqual(Array.from(t.dataSync()), [1, 2, 3, 4, 5, 6]);
  const swapped = tf.transpose(same, [2, 1, 0]);
  assert.equal(buffers(), before + 1, 'a real transpose makes its own data');
  assert.deepEqual(Array.from(swapped.dataSync()), [1, 4, 2, 5, 3, 6]);
  // A variable assigned after a clone was taken: the clone keeps the old values.
  const v = tf.variable(tf.tensor1d([1, 2, 3]));
  const kept = tf.clone(v);
  v.assign(tf.tensor1d([7, 8, 9]));
  assert.deepEqual(Array.from(kept.dataSync()), [1, 2, 3]);
  // The Embedding's gradient (GatherV2 saves the table through Identity, its gradient transposes with axes in order).
  const ids = tf.tensor2d([1, 2, 2, 0], [2, 2], 'int32');
  const upstream = tf.tensor(
    Float32Array.from({ length: 4 * 3 }, (_, i) => Math.cos(i)),
    [2, 2, 3],
  );
  const table = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, ids), upstream)))(table);
  const ref = tf.matMul(tf.oneHot(ids.flatten(), 4).toFloat(), upstream.reshape([4, 3]), true, false);
  assert.ok(tf.max(tf.abs(tf.sub(g, ref))).dataSync()[0]! < 1e-6);
  tf.dispose([clone, squeezed, same, swapped, v, kept, ids, upstream, table, g, ref]);
});

// Native TensorFlow (where @tensorflow/tfjs-node is installed): Reshape and identity Transpose of a tensor still in
// JavaScript keep it there, share nothing wrong, and the Embedding gradient through them is still right.
test(
  'native TensorFlow: Reshape and identity Transpose keep JavaScript values in JavaScript; the Embedding gradient is right and stays there',
  { skip: !nativeInstalled && '@tensorflow/tfjs-node is not installed' },
  async () => {
    await initBackend('tensorflow');
    registerNativeKernels();
    const inJs = (t: tf.Tensor) =>
      (tf.backend() as unknown as { tensorMap: { get(id: object): { values: unknown } } }).tensorMap.get(t.dataId)
        .values != null;
    const a = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const r = tf.reshape(a, [3, -1]);
    const t = tf.transpose(r, [0, 1]);
    assert.deepEqual(
      [r.shape, t.shape],
      [
        [3, 2],
        [3, 2],
      ],
    );
    assert.ok(inJs(r) && inJs(t), 'the views must not have moved the values into TensorFlow');
    // Used by a TensorFlow op, one of them moves into TensorFlow; the others keep their values and shapes.
    assert.deepEqual(Array.from(tf.add(t, 1).dataSync()), [2, 3, 4, 5, 6, 7]);
    const swapped = tf.transpose(r);
    assert.deepEqual(Array.from(swapped.dataSync()), [1, 3, 5, 2, 4, 6]);
    // A tensor inside TensorFlow: an identity Transpose shares its handle; disposing one leaves the other readable.
    const inTf = tf.add(a, 0);
    const same = tf.transpose(inTf, [0, 1]);
    inTf.dispose();
    assert.deepEqual(Array.from(same.dataSync()), [1, 2, 3, 4, 5, 6]);
    const vocab = 50,
      dim = 5;
    const ids = tf.tensor2d(
      [
        [1, 2, 2, 49],
        [0, 7, 1, 1],
      ],
      [2, 4],
      'int32',
    );
    const upstream = tf.tensor(
      Float32Array.from({ length: 8 * dim }, (_, i) => Math.sin(i)),
      [2, 4, dim],
    );
    const table = tf.randomNormal([vocab, dim], 0, 1, 'float32', 3);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, ids), upstream)))(table);
    const ref = tf.matMul(tf.oneHot(ids.flatten(), vocab).toFloat(), upstream.reshape([8, dim]), true, false);
    assert.ok(inJs(g), "the segment sum's result stays in JavaScript for the optimizer");
    assert.ok(tf.max(tf.abs(tf.sub(g, ref))).dataSync()[0]! < 1e-5);
    // A bad token id is named; the kernels' memory is given back either way.
    const k = rnnKernels()!;
    const inUse = heapOf(k).inUse();
    assert.throws(
      () => tf.gather(table, tf.tensor1d([0, 50], 'int32')),
      /GatherV2: index 50 at position 1 is outside \[0, 49\]/,
    );
    assert.equal(heapOf(k).inUse(), inUse);
    tf.dispose([a, r, t, swapped, same, ids, upstream, table, g, ref]);
  },
);

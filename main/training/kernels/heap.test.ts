// The kernels' allocator and the optimizer's staging in kernel memory, on memories that only count (moved from
// main/training/memory.test.ts with the kernels into this folder).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.js';
import { HostOptimizer, stageUpdate } from './optimizer.js';
import { KernelHeap, rnnKernels } from './kernels-wasm.js';

before(async () => {
  await initBackend('wasm');
});

/** A heap over a memory that only counts (as step-memory.ts lays a step out). */
function countingHeap(onGrow?: (pages: number) => void) {
  let size = 65_536;
  const memory = {
    get buffer() {
      return { byteLength: size };
    },
    grow(pages: number) {
      onGrow?.(pages);
      const before = size / 65_536;
      size += pages * 65_536;
      return before;
    },
  };
  return { heap: new KernelHeap({ heapBase: () => 1024, memory }), bytes: () => size };
}

test('a kernel region of 2 GiB or more is allocated whole (it was 16 bytes: `& ~15` on 32-bit integers)', () => {
  const { heap, bytes } = countingHeap();
  const a = heap.alloc(2 ** 29 + 3);
  const b = heap.alloc(4);
  assert.equal(b - a, 2 ** 31 + 16);
  assert.ok(bytes() >= 2 ** 31 + 32);
  heap.release(b);
  heap.release(a);
  assert.equal(heap.inUse(), 0);
});

test('kernel memory that cannot grow says why, with the figure', () => {
  const { heap } = countingHeap(() => {
    throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
  });
  assert.throws(
    () => heap.alloc(2 ** 30),
    /^RangeError: The fused kernels' memory cannot grow to 4\.00 GiB: WebAssembly addresses at most 4 GiB/,
  );
});

test('the optimizer stages a weight in kernel memory only when it fits, else it updates it in JavaScript, to the same bits', () => {
  const { heap } = countingHeap();
  assert.equal(stageUpdate(heap, 1000, 2)?.length, 4);
  const saved = process.env.RNN_STUDIO_KERNEL_MEMORY_MB;
  process.env.RNN_STUDIO_KERNEL_MEMORY_MB = '0.01';
  try {
    assert.equal(stageUpdate(countingHeap().heap, 1000, 2), null);
    const w = tf.variable(tf.tensor1d([0.5, -1, 2, 3]));
    const g = tf.tensor1d([0.1, 0.2, -0.3, 4]);
    const before = rnnKernels()!.memory.buffer.byteLength;
    new HostOptimizer('adam', 0.01).step([w], [g]);
    const reference = tf.variable(tf.tensor1d([0.5, -1, 2, 3]));
    new HostOptimizer('adam', 0.01, false).step([reference], [g]);
    assert.deepEqual(w.dataSync(), reference.dataSync());
    assert.equal(rnnKernels()!.memory.buffer.byteLength, before);
    tf.dispose([w, g, reference]);
  } finally {
    if (saved === undefined) delete process.env.RNN_STUDIO_KERNEL_MEMORY_MB;
    else process.env.RNN_STUDIO_KERNEL_MEMORY_MB = saved;
  }
});

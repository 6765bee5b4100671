// Splitting a batch across kernel threads: the count, the slices, and that a slice computes the same bits on a
// helper thread as on the driving thread (so results do not depend on which thread ran what, or on timing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelThreadCount, KernelThreads } from './kernel-threads.js';
import { loadKernels, threadsOf } from './kernels-wasm.js';
import type { RnnKernels } from './kernels-wasm.js';
import { fusedBackward, fusedForward } from './fused-rnn.js';

test('kernelThreadCount: RNN_STUDIO_KERNEL_THREADS wins, else one per core (at most 8)', () => {
  for (const [value, expected] of [['1', 1], ['3', 3], ['64', 16]] as const) {
    assert.equal(kernelThreadCount({ RNN_STUDIO_KERNEL_THREADS: value }), expected, value);
  }
  for (const bad of ['0', '-2', 'two', '1.5', '']) {
    const n = kernelThreadCount({ RNN_STUDIO_KERNEL_THREADS: bad });
    assert.ok(n >= 1 && n <= 8, `${bad} → ${n}`);
  }
});

test('slices cover the batch once, in order, never empty', () => {
  const pool = new KernelThreads({}, {}, 1);
  const cases: [number, number, [number, number][]][] = [
    [1, 5, [[0, 5]]],
    [2, 5, [[0, 2], [2, 5]]],
    [3, 128, [[0, 42], [42, 85], [85, 128]]],
    [4, 2, [[0, 1], [1, 2]]],
  ];
  for (const [threads, batch, expected] of cases) {
    Object.defineProperty(pool, 'threads', { value: threads });
    assert.deepEqual(pool.slices(batch), expected, `${threads} threads, batch ${batch}`);
  }
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('a batch split across helper threads gives the same bits as the same slices run on one thread', async (t) => {
  const threaded = loadKernels('simd');
  const pool = threadsOf(threaded);
  if (pool.threads < 2) {
    t.skip('one core: no helper threads');
    return;
  }
  await until(() => pool.readyHelpers() === pool.threads - 1, 'the kernel threads to start');
  const local = loadKernels('simd');
  const [B, T, D, U] = [7, 9, 3, 5];
  const rnd = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 0.7) * 0.5);
  for (const kind of ['SimpleRNN', 'LSTM', 'GRU'] as const) {
    const G = { SimpleRNN: 1, LSTM: 4, GRU: 3 }[kind];
    const cfg = { kind, units: U, activation: 'tanh', recurrentActivation: 'sigmoid', returnSequences: kind !== 'LSTM', goBackwards: kind === 'GRU' } as const;
    const run = (k: RnnKernels) => {
      const f = fusedForward(k, cfg, rnd(B * T * D, 1), [B, T, D], rnd(D * G * U, 2), rnd(U * G * U, 3), rnd(G * U, 4), true);
      return { y: f.y, ...fusedBackward(k, cfg, f.saved!, rnd(cfg.returnSequences ? B * T * U : B * U, 5)) };
    };
    const a = run(threaded);
    const b = run(local);
    for (const key of ['y', 'dx', 'dKernel', 'dRecurrent', 'dBias'] as const) assert.deepEqual(a[key], b[key], `${kind} ${key}`);
  }
});

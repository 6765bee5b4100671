// Splitting a batch across kernel threads: the count, the slices, that the parts of a call are shared out between
// the threads and an error in any of them surfaces, and that a slice computes the same bits on a helper thread as
// on the driving thread (so results do not depend on which thread ran what, or on timing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelThreadCount, KernelThreads } from './kernel-threads.js';
import { loadKernels, threadsOf } from './kernels-wasm.js';
import type { RnnKernels } from './kernels-wasm.js';
import { fusedBackward, fusedForward } from './fused-rnn.js';

test('kernelThreadCount: RNN_STUDIO_KERNEL_THREADS wins, else one per core (at most 8)', () => {
  for (const [value, expected] of [
    ['1', 1],
    ['3', 3],
    ['64', 16],
  ] as const) {
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
    [
      2,
      5,
      [
        [0, 2],
        [2, 5],
      ],
    ],
    [
      3,
      128,
      [
        [0, 42],
        [42, 85],
        [85, 128],
      ],
    ],
    [
      4,
      2,
      [
        [0, 1],
        [1, 2],
      ],
    ],
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

/** Fresh kernels whose helper threads are all up, or null (the test skipped) on one core. */
async function threadedKernels(t: {
  skip(message: string): void;
}): Promise<{ k: RnnKernels; pool: KernelThreads } | null> {
  const k = loadKernels('simd');
  const pool = threadsOf(k);
  if (pool.threads < 2) {
    t.skip('one core: no helper threads');
    return null;
  }
  await until(() => pool.readyHelpers() === pool.threads - 1, 'the kernel threads to start');
  return { k, pool };
}

const rnd = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 0.7) * 0.5);

test('a batch split across helper threads gives the same bits as the same slices run on one thread', async (t) => {
  const up = await threadedKernels(t);
  if (!up) return;
  const threaded = up.k;
  const local = loadKernels('simd');
  const [B, T, D, U] = [7, 9, 3, 5];
  for (const kind of ['SimpleRNN', 'LSTM', 'GRU'] as const) {
    const G = { SimpleRNN: 1, LSTM: 4, GRU: 3 }[kind];
    const cfg = {
      kind,
      units: U,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      returnSequences: kind !== 'LSTM',
      goBackwards: kind === 'GRU',
    } as const;
    const run = (k: RnnKernels) => {
      const f = fusedForward(
        k,
        cfg,
        rnd(B * T * D, 1),
        [B, T, D],
        rnd(D * G * U, 2),
        rnd(U * G * U, 3),
        rnd(G * U, 4),
        true,
      );
      return { y: f.y, ...fusedBackward(k, cfg, f.saved!, rnd(cfg.returnSequences ? B * T * U : B * U, 5)) };
    };
    const a = run(threaded);
    const b = run(local);
    for (const key of ['y', 'dx', 'dKernel', 'dRecurrent', 'dBias'] as const)
      assert.deepEqual(a[key], b[key], `${kind} ${key}`);
  }
});

// Many parts, taken from one queue: the helper runs some (it is up), every part runs once, and a part that traps
// (a pointer outside memory) surfaces as an error of the call, wherever it ran — and the pool keeps working.
test("a call's parts are shared out between the threads; a failing part fails the call, not the pool", async (t) => {
  const up = await threadedKernels(t);
  if (!up) return;
  const { k, pool } = up;
  const cfg = {
    kind: 'LSTM',
    units: 8,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    returnSequences: false,
    goBackwards: false,
  } as const;
  const [B, T, D] = [64, 40, 6];
  let helped = 0;
  for (let i = 0; i < 20 && helped === 0; i++) {
    fusedForward(k, cfg, rnd(B * T * D, 1), [B, T, D], rnd(D * 32, 2), rnd(8 * 32, 3), rnd(32, 4), false);
    assert.ok(pool.lastRun.parts >= pool.threads, `${pool.lastRun.parts} parts`);
    helped = pool.lastRun.parts - pool.lastRun.here;
  }
  assert.ok(helped > 0, 'the helper threads took no part in 20 calls');
  const outside = 2 ** 31 - 64;
  const bad = Array.from({ length: 8 }, () => [
    1,
    1,
    T,
    D,
    8,
    outside,
    outside,
    outside,
    0,
    outside,
    outside,
    outside,
    outside,
    0,
    1,
    2,
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.throws(
    () => pool.run('seqForward', bad, (a) => (k.seqForward as (...args: number[]) => void)(...a)),
    /out of bounds|fused-kernel thread failed/,
  );
  const y = fusedForward(k, cfg, rnd(B * T * D, 1), [B, T, D], rnd(D * 32, 2), rnd(8 * 32, 3), rnd(32, 4), false).y;
  assert.ok(y.every(Number.isFinite));
});

/**
 * The native provider's self-check (issue #16): before the automatic choice (kernel-provider.ts) lets the native
 * kernels train, they run one small LSTM and one small GRU (reset_after, Keras 3's default), forward and backward
 * through fused-rnn.ts, on fixed pseudo-random inputs, and must agree with the WebAssembly kernels within the
 * tolerance kernels-native.test.ts holds every export to: 1e-5 of the largest value. A miscompiled addon, a oneDNN
 * that is not the one it was built against, or a CPU path nobody tested fails here and the thread falls back to
 * WebAssembly instead of training on wrong gradients.
 *
 * Sizes: batch 16 is the smallest batch the addon splits across two threads (slices of at least 8: split.cc), so the
 * check also runs its thread pool and the summing of the slices' weight gradients; 5 steps, 8 features, 16 units
 * keep it to a few milliseconds.
 *
 * This module and fused-rnn.ts import each other through kernels-wasm.ts; only functions cross, none is called while
 * the modules load, so the cycle is harmless.
 */
import { fusedBackward, fusedForward } from './fused-rnn.js';
import type { FusedCellConfig } from './fused-rnn.js';
import type { RnnKernels } from './kernels-wasm.js';
import { gru, lstm } from '../../../shared/layers/recurrent.js';
import { mulberry32 } from '../../../shared/seeded-random.js';

export const SELF_CHECK_TOLERANCE = 1e-5;

const [BATCH, STEPS, FEATURES, UNITS] = [16, 5, 8, 16];

const CELLS: { name: string; cfg: FusedCellConfig; gates: number; biasRows: number }[] = [
  {
    name: lstm.className,
    cfg: {
      kind: lstm.className,
      units: UNITS,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      returnSequences: true,
      goBackwards: false,
    },
    gates: 4,
    biasRows: 1,
  },
  {
    name: gru.className,
    cfg: {
      kind: gru.className,
      units: UNITS,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      returnSequences: false,
      goBackwards: true,
      resetAfter: true,
    },
    gates: 3,
    biasRows: 2,
  },
];

/** Uniform values in [lo, hi) from a fixed seed (mulberry32), the same on every machine. */
export function seededUniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** max |a − b| over the largest |b| (at least 1e-3); Infinity where only one side is NaN. */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let scale = 1e-3;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i]!)) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    if (x !== y) worst = Math.max(worst, Math.abs(x - y) / scale);
  }
  return worst;
}

function run(k: RnnKernels, cell: (typeof CELLS)[number]) {
  const { cfg, gates, biasRows } = cell;
  const GU = gates * UNITS;
  // Weights scaled by fan-in, as Glorot's initializer does: a chaotic recurrence would amplify rounding differences
  // that two correct kernels are allowed.
  const x = seededUniform(BATCH * STEPS * FEATURES, 1),
    w = seededUniform(FEATURES * GU, 2, -1 / Math.sqrt(FEATURES), 1 / Math.sqrt(FEATURES)),
    r = seededUniform(UNITS * GU, 3, -1 / Math.sqrt(UNITS), 1 / Math.sqrt(UNITS)),
    bias = seededUniform(biasRows * GU, 4);
  const f = fusedForward(k, cfg, x, [BATCH, STEPS, FEATURES], w, r, bias, true);
  const dy = seededUniform(cfg.returnSequences ? BATCH * STEPS * UNITS : BATCH * UNITS, 5);
  const g = fusedBackward(k, cfg, f.saved!, dy);
  return { y: f.y, dx: g.dx, dKernel: g.dKernel, dRecurrent: g.dRecurrent, dBias: g.dBias };
}

export interface SelfCheckResult {
  /** null when every output and gradient agreed; else the worst one, e.g. "LSTM dKernel: max |Δ| 3.1e-3 …". */
  failure: string | null;
  /** The largest relative difference seen, over all cells and outputs. */
  worst: number;
  ms: number;
}

/**
 * Runs the check on `native` against `reference` (WebAssembly kernels on one thread). Leaves nothing allocated in
 * either memory; never throws (an exception is a failure, with its message).
 */
export function nativeSelfCheck(native: RnnKernels, reference: RnnKernels): SelfCheckResult {
  const t0 = performance.now();
  let worst = 0;
  let failure: string | null = null;
  try {
    for (const cell of CELLS) {
      const a = run(native, cell),
        b = run(reference, cell);
      for (const key of ['y', 'dx', 'dKernel', 'dRecurrent', 'dBias'] as const) {
        const d = maxRelativeDifference(a[key], b[key]);
        if (d > worst) {
          worst = d;
          if (d > SELF_CHECK_TOLERANCE)
            failure = `${cell.name} ${key}: max |Δ| ${d.toExponential(1)} of the largest value, at most ${SELF_CHECK_TOLERANCE} expected`;
        }
      }
    }
  } catch (error) {
    failure = `threw ${(error as Error).message}`;
    worst = Infinity;
  }
  return { failure, worst, ms: performance.now() - t0 };
}

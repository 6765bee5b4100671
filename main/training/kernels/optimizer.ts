/**
 * The optimizer step (RMSprop, Adam, SGD) as one pass over each variable's values in our WebAssembly kernels
 * (assembly/rnn.ts), instead of TF.js's optimizers, which run 2–15 backend ops per variable. The arithmetic is
 * Keras 3's (keras/src/optimizers/), operation by operation, each result rounded to float32 as TensorFlow rounds it
 * (no fused multiply-add). RMSprop and SGD are also TF.js's, and come out bit for bit the same as TF.js's optimizers;
 * Adam is not: TF.js adds ε to the bias-corrected √v̂, Keras to √v (optimizer.test.ts compares every weight with
 * the reference written in TF.js ops on every backend, through the kernels and through the JavaScript loops used where
 * the kernels cannot load; interop/tests/test_training_parity.py with Keras itself).
 *
 * Why: on native TensorFlow each of those ops costs 15–45 µs of eager dispatch, and on an Embedding's 320,000
 * weights 200–450 µs; RMSprop (TF.js computes its mean square twice) plus the gradient norm made 17 ops over the
 * Embedding table per step, about 4 ms of a 65 ms Bidirectional-LSTM step, and ~140 more on the other 8 variables.
 * The pass also yields each gradient's squared L2 norm (the studio's per-layer gradient norms, and clipnorm's scale).
 */
import * as tf from '@tensorflow/tfjs';
import { heapOf, rnnKernels } from './kernels-wasm.js';
import type { KernelHeap, RnnKernels } from './kernels-wasm.js';
import { kernelMemoryLimit } from './fused-rnn.js';
import type { OptimizerName } from '../../../shared/training-catalog.js';
import { backendCopiesOnWrite, valuesOf } from '../tensor-values.js';

export type HostOptimizerName = OptimizerName;

const f = Math.fround;
const F = 4;

/** Keras's defaults for the hyper-parameters the studio does not expose (what TF.js is given elsewhere too). */
export const OPTIMIZER_DEFAULTS = { rho: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** The float32 constants of one step, as TensorFlow turns Python's (and TF.js its JavaScript) numbers into scalars. */
interface Constants {
  lr: number;
  nlr: number;
  eps: number;
  rho: number;
  omr: number;
  omb1: number;
  omb2: number;
  /** Adam's step size at this step: lr·√(1−β2^t) / (1−β1^t). */
  alpha: number;
}

/** Adam's α at step t (from 1) in float32, in the order Keras computes it. */
export function adamAlpha(learningRate: number, t: number): number {
  const { beta1, beta2 } = OPTIMIZER_DEFAULTS;
  const p1 = f(Math.pow(f(beta1), t)),
    p2 = f(Math.pow(f(beta2), t));
  return f(f(f(learningRate) * f(Math.sqrt(f(1 - p2)))) / f(1 - p1));
}

/**
 * Keras's clipnorm for a gradient of squared norm `sq`, as both paths apply it: g·c / ‖g‖ (float32) when ‖g‖ exceeds
 * c; [0, 0] (no scaling) otherwise.
 */
function clipScale(sq: number, clipnorm: number | null): [clipC: number, clipD: number] {
  const norm = f(Math.sqrt(sq));
  return clipnorm !== null && norm > clipnorm ? [f(clipnorm), norm] : [0, 0];
}

/**
 * Where one variable's update stages in kernel memory: its values, its gradient, then each slot (main/training/memory.ts
 * lays the same out to size the kernels' memory). Null when that would pass the kernels' ceiling (an Embedding of
 * millions of rows with Adam): that variable takes the JavaScript loops instead.
 */
export function stageUpdate(heap: KernelHeap, n: number, slots: number): number[] | null {
  if (heap.inUse() + (2 + slots) * Math.ceil((n * F) / 16) * 16 > kernelMemoryLimit()) return null;
  return Array.from({ length: 2 + slots }, () => heap.alloc(n));
}

export class HostOptimizer {
  /** Per variable (by position in the `vars` of step()), its slots: RMSprop the mean square; Adam m and v. */
  private readonly slots: Float32Array[][] = [];
  /** Steps taken (Keras's `iterations`). */
  private iterations = 0;

  /** `useKernels: false` keeps the JavaScript loops even where the kernels load (the tests compare both). */
  constructor(
    readonly name: HostOptimizerName,
    readonly learningRate: number,
    private readonly useKernels = true,
  ) {
    if (!(learningRate > 0 && Number.isFinite(learningRate))) {
      throw new Error(`\`learningRate\` must be a positive finite number. Received: learningRate=${learningRate}.`);
    }
  }

  /**
   * The squared L2 norm of each gradient (in float64), then one update of every variable. With `clipnorm`, each
   * gradient is first rescaled to at most that norm, as Keras's clipnorm does: g·c / max(‖g‖, c).
   * `grads[i]` is the gradient of `vars[i]`; a missing one leaves the variable (and its slots) untouched.
   */
  step(vars: tf.Variable[], grads: (tf.Tensor | undefined)[], clipnorm: number | null = null): number[] {
    const k = this.useKernels ? rnnKernels() : null;
    const { rho, beta1, beta2, epsilon } = OPTIMIZER_DEFAULTS;
    const c: Constants = {
      lr: f(this.learningRate),
      nlr: f(-this.learningRate),
      eps: f(epsilon),
      rho: f(rho),
      omr: f(1 - rho),
      omb1: f(1 - beta1),
      omb2: f(1 - beta2),
      alpha: adamAlpha(this.learningRate, this.iterations + 1),
    };
    const squares = vars.map((variable, i) => {
      const gradient = grads[i];
      if (!gradient) return 0;
      if (gradient.size !== variable.size) {
        throw new Error(
          `The gradient of ${variable.name} has ${gradient.size} values; expected ${variable.size} (shape [${variable.shape.join(', ')}]).`,
        );
      }
      const n = variable.size;
      const slots = (this.slots[i] ??= Array.from(
        { length: this.name === 'sgd' ? 0 : this.name === 'adam' ? 2 : 1 },
        () => new Float32Array(n),
      ));
      const assign = (next: Float32Array) => tf.tidy(() => variable.assign(tf.tensor(next, variable.shape, 'float32')));
      // On wasm these are views of the backend's memory: both are read before the next tensor is made.
      const staged = k ? stageUpdate(heapOf(k), n, slots.length) : null;
      return k && staged
        ? this.inKernels(k, staged, valuesOf(variable), valuesOf(gradient), slots, c, clipnorm, assign)
        : this.inJavaScript(valuesOf(variable), valuesOf(gradient), slots, c, clipnorm, assign);
    });
    this.iterations++;
    return squares;
  }

  /**
   * Copies the values, gradient and slots into kernel memory, updates them there, copies the slots back and hands
   * the new values to `assign`. Returns the gradient's squared norm.
   */
  private inKernels(
    k: RnnKernels,
    staged: number[],
    w: Float32Array,
    g: Float32Array,
    slots: Float32Array[],
    c: Constants,
    clipnorm: number | null,
    assign: (next: Float32Array) => void,
  ): number {
    const n = w.length;
    const heap = heapOf(k);
    const [pW, pG, ...pS] = staged as [number, number, ...number[]];
    try {
      // Memory may have grown in alloc(): take the view after it.
      const m = heap.view();
      m.set(w, pW / F);
      m.set(g, pG / F);
      slots.forEach((s, j) => m.set(s, pS[j]! / F));
      const sq = k.sumOfSquares(n, pG);
      const [clipC, clipD] = clipScale(sq, clipnorm);
      if (this.name === 'rmsprop') k.rmsprop(n, pW, pG, pS[0]!, c.lr, c.rho, c.omr, c.eps, clipC, clipD);
      else if (this.name === 'adam') k.adam(n, pW, pG, pS[0]!, pS[1]!, c.alpha, c.omb1, c.omb2, c.eps, clipC, clipD);
      else k.sgd(n, pW, pG, c.nlr, clipC, clipD);
      slots.forEach((s, j) => s.set(m.subarray(pS[j]! / F, pS[j]! / F + n)));
      // wasm copies a new tensor's values into its own memory at once, so a view will do (an Embedding's table is
      // megabytes: one copy and one allocation fewer a step). Elsewhere a fresh array: a backend may adopt it as the
      // tensor's storage (cpu; native TensorFlow until first use).
      assign(backendCopiesOnWrite() ? m.subarray(pW / F, pW / F + n) : m.slice(pW / F, pW / F + n));
      return sq;
    } finally {
      for (const p of [pW, pG, ...pS]) heap.release(p);
    }
  }

  /** The same arithmetic in JavaScript, every intermediate rounded with Math.fround (≈ 10× slower than the kernels). */
  private inJavaScript(
    w: Float32Array,
    gRaw: Float32Array,
    slots: Float32Array[],
    c: Constants,
    clipnorm: number | null,
    assign: (next: Float32Array) => void,
  ): number {
    const n = w.length;
    let sq = 0;
    for (let j = 0; j < n; j++) sq += gRaw[j]! * gRaw[j]!;
    const [clipC, clipD] = clipScale(sq, clipnorm);
    const g = clipD > 0 ? Float32Array.from(gRaw, (x) => f(f(x * clipC) / clipD)) : gRaw;
    const out = new Float32Array(n);
    switch (this.name) {
      case 'sgd':
        for (let j = 0; j < n; j++) out[j] = f(f(c.nlr * g[j]!) + w[j]!);
        break;
      case 'rmsprop': {
        // TF.js keeps a momentum slot even at momentum 0; its product with 0 adds nothing while the values are finite.
        const ms = slots[0]!;
        for (let j = 0; j < n; j++) {
          const gj = g[j]!;
          const s = f(f(ms[j]! * c.rho) + f(f(gj * gj) * c.omr));
          ms[j] = s;
          out[j] = f(w[j]! - f(f(gj * c.lr) / f(Math.sqrt(f(s + c.eps)))));
        }
        break;
      }
      case 'adam': {
        const [m, v] = slots as [Float32Array, Float32Array];
        for (let j = 0; j < n; j++) {
          const gj = g[j]!;
          const mj = f(m[j]! + f(f(gj - m[j]!) * c.omb1));
          const vj = f(v[j]! + f(f(f(gj * gj) - v[j]!) * c.omb2));
          m[j] = mj;
          v[j] = vj;
          out[j] = f(w[j]! - f(f(mj * c.alpha) / f(f(Math.sqrt(vj)) + c.eps)));
        }
        break;
      }
    }
    assign(out);
    return sq;
  }
}

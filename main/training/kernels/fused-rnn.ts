/**
 * Whole-sequence recurrent layers on the fused kernels (kernels-wasm.ts), as one differentiable TF.js op.
 *
 * TF.js's own RNN runs every timestep as a dozen separate ops forwards and three dozen backwards; on LSTM(32) × 500
 * steps that made us ~20× slower than Keras (bench/results). `accelerateModel` routes the call of each
 * SimpleRNN/LSTM/GRU layer of ours (recurrent-layers.ts; also inside Bidirectional) to `fusedRecurrence`, which
 * computes the input projection of all timesteps in one multiply, runs the recurrence in WebAssembly SIMD, and returns
 * exact BPTT gradients through `tf.customGrad`. Weights, names, configs and saved models are untouched: only the
 * arithmetic moves. Dropout follows Keras 3 (kerasDropoutMasks; a GRU's carried state unmasked); masked timesteps
 * (Embedding maskZero) carry the state over as TF.js's rnn() does. Layers the kernels do not cover (stateful,
 * returnState, other activations) keep TF.js's path, or Keras's cell op by op while training with dropout, and the
 * caller is told which path each layer takes and why.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelProviderOf } from './kernels-native.js';
import { ACTIVATION_CODES, heapOf, kernelsUnavailableReason, rnnKernels, threadsOf } from './kernels-wasm.js';
import { kernelThreadCount } from './kernel-threads.js';
import { backendCopiesOnWrite, valuesOf } from '../tensor-values.js';
import { GATES, dropoutMaskCounts, kerasCellOf, kerasRecurrence } from './keras-recurrence.js';
import type { FusedActivation, KernelHeap, RnnKernels } from './kernels-wasm.js';
import type { RecurrencePath } from '../../../shared/worker-protocol.js';
import {
  KERNEL_MEMORY_BYTES,
  kernelBackwardBuffers,
  kernelForwardBuffers,
  kernelParts,
  kernelSlices,
} from '../../../shared/memory-estimate.js';
import type { KernelLayer, RecurrentKind } from '../../../shared/memory-estimate.js';

export type CellKind = RecurrentKind;

export interface FusedCellConfig {
  kind: CellKind;
  units: number;
  activation: FusedActivation;
  /** Ignored by SimpleRNN. */
  recurrentActivation: FusedActivation;
  returnSequences: boolean;
  goBackwards: boolean;
  /** GRU only: Keras's reset_after=True (bias [2, 3·units]: input row, then recurrent row). */
  resetAfter?: boolean;
}

/** What the forward pass keeps for the backward pass: buffers left in kernel memory, released by the backward pass. */
export interface Saved {
  batch: number;
  steps: number;
  features: number;
  region: number;
  x: number;
  w: number;
  r: number;
  z: number;
  h: number;
  c: number;
  tc: number;
  rh: number;
  /** Dropout masks (0 when the step ran without dropout; layouts in assembly/rnn.ts); inGates: input masks per sample. */
  inMask: number;
  inGates: number;
  recMask: number;
  /** The timestep mask, [batch, steps] of 0/1 (0 when the input had none). */
  mask: number;
  /** A GRU reset_after=True with bias: its bias gradient has a second row. */
  resetAfter: boolean;
  /** The layer as the memory layout sees it: the backward pass lays its buffers out from it. */
  layer: KernelLayer;
  /** Shared with the orphan registry, which must not hold the Saved itself (that would keep it reachable forever). */
  lease: { released: boolean };
}

/**
 * Dropout masks for one training step, drawn once per sequence as Keras 3 draws them, already scaled by 1/(1 − rate):
 * `input` one [batch, features] mask, or one per gate (Keras's implementation 1, which it runs whenever
 * recurrent_dropout > 0); `recurrent` one [batch, units] mask per gate (SimpleRNN: one). Gate order i, f, c, o (LSTM),
 * z, r, h (GRU).
 */
export interface DropoutMasks {
  input: Float32Array[] | null;
  recurrent: Float32Array[] | null;
}

/** Per-gate masks [G][batch·n] → [batch, G, n], the kernels' layout. */
function byGateRows(masks: Float32Array[], batch: number, n: number): Float32Array {
  const G = masks.length,
    out = new Float32Array(batch * G * n);
  for (let b = 0; b < batch; b++) masks.forEach((m, g) => out.set(m.subarray(b * n, (b + 1) * n), (b * G + g) * n));
  return out;
}

const F = 4; // bytes per float32

/** The parts a kernel call cuts each layer's batch into (kernelParts): the native addon slices each part itself. */
function partsOf(k: RnnKernels, layer: Pick<KernelLayer, 'kind' | 'units' | 'batch'>, layers: number): number {
  return kernelParts(kernelProviderOf(k), threadsOf(k).threads, layer, layers);
}

function isActivation(name: unknown): name is FusedActivation {
  return typeof name === 'string' && Object.hasOwn(ACTIVATION_CODES, name);
}

/** Floats a buffer of `n` takes in a region: rounded up to a whole 16-byte vector. */
const vectorFloats = (n: number) => Math.ceil(n / 4) * 4;

/**
 * One allocation split into 16-byte-aligned buffers of the given float counts, in their order (0 → no buffer,
 * address 0). The counts come from the layout in shared/memory-estimate.ts, which the memory estimate reads too.
 */
function carve<K extends string>(
  heap: KernelHeap,
  counts: Record<K, number>,
): { region: number; at: Record<K, number> } {
  const entries = Object.entries(counts) as [K, number][];
  const region = heap.alloc(entries.reduce((a, [, n]) => a + vectorFloats(n), 0));
  const at = {} as Record<K, number>;
  let p = region;
  for (const [name, n] of entries) {
    at[name] = n ? p : 0;
    p += vectorFloats(n) * F;
  }
  return { region, at };
}

/** The forward pass's allocations for one layer: what it keeps for the backward pass, then its scratch. */
export function layForward(heap: KernelHeap, l: KernelLayer) {
  const { saved, scratch } = kernelForwardBuffers(l);
  return { saved: carve(heap, saved), scratch: carve(heap, scratch) };
}

/** The backward pass's allocation for one layer cut into `slices` slices. */
export function layBackward(heap: KernelHeap, l: KernelLayer, slices: number, hiddenNorms: boolean) {
  return carve(heap, kernelBackwardBuffers(l, slices, hiddenNorms));
}

// Frees what a forward pass kept when its gradient is never taken (the tape was dropped without a backward pass).
// The held value names the region and the lease, not the Saved: a held value that reaches its target keeps it alive.
const orphans = new FinalizationRegistry<{ heap: KernelHeap; region: number; lease: { released: boolean } }>(
  ({ heap, region, lease }) => {
    if (!lease.released) {
      lease.released = true;
      heap.release(region);
    }
  },
);

const KIND_CODES: Record<CellKind, number> = { SimpleRNN: 0, LSTM: 1, GRU: 2 };
/** The kernels' cell code (KIND_* in assembly/rnn.ts): GRU reset_after=True is its own. */
const kindCode = (cfg: FusedCellConfig) => (cfg.kind === 'GRU' && cfg.resetAfter ? 3 : KIND_CODES[cfg.kind]);

/** One layer's forward pass. x is [batch, steps, features]; kernel [features, G·units]; recurrent [units, G·units]; bias [G·units] or null. */
export interface ForwardJob {
  cfg: FusedCellConfig;
  x: Float32Array;
  dims: [number, number, number];
  kernel: Float32Array;
  recurrent: Float32Array;
  bias: Float32Array | null;
  masks?: DropoutMasks;
  /** Which timesteps count, [batch, steps], 0 or 1 (an Embedding's maskZero): a masked step carries the state over. */
  stepMask?: Float32Array | null;
}

/** One layer's backward pass: the state its forward pass kept, and dy with the shape of its output. */
export interface BackwardJob {
  cfg: FusedCellConfig;
  saved: Saved;
  dy: Float32Array;
}

export interface Gradients {
  dx: Float32Array;
  dKernel: Float32Array;
  dRecurrent: Float32Array;
  dBias: Float32Array;
  /** With `hiddenNorms`: ‖∂L/∂h_t‖ over the batch for every timestep t of the input sequence. */
  hidden?: Float32Array;
}

const row = (p: number, perSample: number, b: number) => (p ? p + b * perSample * F : 0);

/** A layer's call as the memory layout sees it: its shape, its dropout masks per sample, whether it has a timestep mask. */
function kernelLayerOf(
  cfg: FusedCellConfig,
  dims: readonly number[],
  masks: { input: number; recurrent: number },
  stepMask: boolean,
  hasBias: boolean,
): KernelLayer {
  const [batch, steps, features] = dims as [number, number, number];
  return {
    kind: cfg.kind,
    units: cfg.units,
    batch,
    steps,
    features,
    returnSequences: cfg.returnSequences,
    recurrentBias: cfg.kind === 'GRU' && cfg.resetAfter === true && hasBias,
    inputMasks: masks.input,
    recurrentMasks: masks.recurrent,
    stepMask,
  };
}

/**
 * Forward passes of several independent layers (the two directions of a Bidirectional layer), run at once: each
 * layer's batch is cut into slices (kernelSlices), and the threads take the slices of all layers from one queue, so
 * that no thread idles while another finishes a direction (one kernel call instead of one per layer). Returns each
 * layer's output ([batch, steps, units] with returnSequences, else [batch, units]) and, when `keep`, what its
 * backward pass needs (left in kernel memory: pass it to fusedBackwardAll, which releases it).
 */
export function fusedForwardAll(
  k: RnnKernels,
  jobs: ForwardJob[],
  keep: boolean,
): { y: Float32Array; saved?: Saved }[] {
  const heap = heapOf(k);
  const threads = threadsOf(k);
  const parts: number[][] = [];
  const scratches: number[] = [];
  const laid = jobs.map(
    ({ cfg, x, dims, kernel, recurrent, bias, masks = { input: null, recurrent: null }, stepMask = null }) => {
      const [B, T, D] = dims;
      const U = cfg.units,
        GU = GATES[cfg.kind] * U;
      const gru = cfg.kind === 'GRU';
      const inGates = masks.input?.length ?? 1,
        G = GATES[cfg.kind];
      const ra = gru && cfg.resetAfter === true && bias !== null;
      const layer = kernelLayerOf(
        cfg,
        dims,
        { input: masks.input?.length ?? 0, recurrent: masks.recurrent?.length ?? 0 },
        stepMask !== null,
        bias !== null,
      );
      const laidOut = layForward(heap, layer);
      const region = laidOut.saved.region;
      const {
        x: pX,
        w: pW,
        r: pR,
        b: pB,
        z: pZ,
        h: pH,
        c: pC,
        tc: pTC,
        rh: pRH,
        inMask: pIM,
        recMask: pRM,
        mask: pMask,
        recBias: pRB,
      } = laidOut.saved.at;
      // The scratch is for this pass only.
      scratches.push(laidOut.scratch.region);
      const { xs: pXS, hs: pHS } = laidOut.scratch.at;
      const m = heap.view();
      if (stepMask) m.set(stepMask, pMask / F);
      m.set(x, pX / F);
      m.set(kernel, pW / F);
      m.set(recurrent, pR / F);
      if (ra) {
        // reset_after: the recurrent biases of z and r add to their pre-activations like the input ones (one bias in
        // the projection); the candidate's stays apart, inside r ⊙ (U_h·h + b_rh).
        const projection = bias!.slice(0, GU);
        for (let j = 0; j < 2 * U; j++) projection[j] = Math.fround(projection[j]! + bias![GU + j]!);
        m.set(projection, pB / F);
        m.set(bias!.subarray(GU + 2 * U, 2 * GU), pRB / F);
      } else if (bias) {
        m.set(bias, pB / F);
      }
      if (masks.input) m.set(byGateRows(masks.input, B, D), pIM / F);
      if (masks.recurrent) m.set(byGateRows(masks.recurrent, B, U), pRM / F);
      for (const [b0, b1] of threads.slices(B, partsOf(k, { kind: cfg.kind, units: U, batch: B }, jobs.length))) {
        parts.push([
          kindCode(cfg),
          b1 - b0,
          T,
          D,
          U,
          row(pX, T * D, b0),
          pW,
          pR,
          bias ? pB : 0,
          row(pZ, T * GU, b0),
          row(pH, (T + 1) * U, b0),
          row(pC, (T + 1) * U, b0),
          row(pTC, T * U, b0),
          row(pRH, T * U, b0),
          ACTIVATION_CODES[cfg.activation],
          ACTIVATION_CODES[cfg.recurrentActivation],
          cfg.goBackwards ? 1 : 0,
          row(pIM, inGates * D, b0),
          inGates,
          row(pRM, G * U, b0),
          row(pXS, T * D, b0),
          row(pHS, U, b0),
          row(pMask, T, b0),
          ra ? pRB : 0,
        ]);
      }
      const saved: Saved = {
        batch: B,
        steps: T,
        features: D,
        region,
        x: pX,
        w: pW,
        r: pR,
        z: pZ,
        h: pH,
        c: pC,
        tc: pTC,
        rh: pRH,
        inMask: pIM,
        inGates,
        recMask: pRM,
        mask: pMask,
        resetAfter: ra,
        layer,
        lease: { released: false },
      };
      return saved;
    },
  );
  threads.run('seqForward', parts, (a) => (k.seqForward as (...args: number[]) => void)(...a));
  for (const region of scratches) heap.release(region);

  const m = heap.view();
  return laid.map((saved, j) => {
    const { batch: B, steps: T, h: pH } = saved;
    const U = jobs[j]!.cfg.units,
      ldh = (T + 1) * U;
    let y: Float32Array;
    if (jobs[j]!.cfg.returnSequences) {
      y = new Float32Array(B * T * U);
      for (let b = 0; b < B; b++)
        y.set(m.subarray((pH + (b * ldh + U) * F) / F, (pH + (b + 1) * ldh * F) / F), b * T * U);
    } else {
      y = new Float32Array(B * U);
      for (let b = 0; b < B; b++)
        y.set(m.subarray((pH + (b * ldh + T * U) * F) / F, (pH + (b + 1) * ldh * F) / F), b * U);
    }
    if (!keep) {
      saved.lease.released = true;
      heap.release(saved.region);
      return { y };
    }
    orphans.register(saved, { heap, region: saved.region, lease: saved.lease }, saved);
    return { y, saved };
  });
}

/** One layer's forward pass, its batch split across the kernel threads (see fusedForwardAll). */
export function fusedForward(
  k: RnnKernels,
  cfg: FusedCellConfig,
  x: Float32Array,
  dims: [number, number, number],
  kernel: Float32Array,
  recurrent: Float32Array,
  bias: Float32Array | null,
  keep: boolean,
  masks?: DropoutMasks,
  stepMask?: Float32Array | null,
): { y: Float32Array; saved?: Saved } {
  return fusedForwardAll(k, [{ cfg, x, dims, kernel, recurrent, bias, masks, stepMask }], keep)[0]!;
}

/**
 * Backpropagation through time for several layers at once (sliced and queued as in fusedForwardAll). Returns
 * each layer's dx, dKernel, dRecurrent and dBias, and releases what its forward pass kept. Each slice of a
 * batch yields partial weight gradients, added up here. With `copy` false, dx is a view of released kernel memory:
 * read it before the next kernel call. With `sumDx` (the layers read the same input, as the two directions of a
 * Bidirectional layer do), every layer's dx is the same array: the sum of their input gradients.
 */
export function fusedBackwardAll(
  k: RnnKernels,
  jobs: BackwardJob[],
  hiddenNorms = false,
  copy = true,
  sumDx = false,
): Gradients[] {
  for (const { saved } of jobs)
    if (saved.lease.released)
      throw new Error('fused recurrent layer: the gradient of this forward pass was already taken');
  const heap = heapOf(k);
  const threads = threadsOf(k);
  const parts: number[][] = [];
  const laid = jobs.map(({ cfg, saved: sv, dy }) => {
    const B = sv.batch,
      T = sv.steps,
      D = sv.features;
    const U = cfg.units,
      GU = GATES[cfg.kind] * U;
    const slices = threads.slices(B, partsOf(k, { kind: cfg.kind, units: U, batch: B }, jobs.length));
    const P = slices.length;
    const wide = Math.max(D, U);
    const { region, at } = layBackward(heap, sv.layer, P, hiddenNorms);
    const {
      wt: pWT,
      rt: pRT,
      dW: pdW,
      dR: pdR,
      dB: pdB,
      dX: pdX,
      dh0: pDH0,
      dh1: pDH1,
      dc: pDC,
      drh: pDRH,
      dy: pDY,
      hiddenNorms: pHN,
      setAside: pSV,
      xs: pXS,
      hs: pHS,
      dRecBias: pdRB,
    } = at;
    const G = GATES[cfg.kind];
    heap.view().set(dy, pDY / F);
    k.transpose(D, GU, sv.w, pWT);
    k.transpose(U, GU, sv.r, pRT);
    const dyPerSample = cfg.returnSequences ? T * U : U;
    slices.forEach(([b0, b1], i) =>
      parts.push([
        kindCode(cfg),
        b1 - b0,
        T,
        D,
        U,
        row(sv.x, T * D, b0),
        pWT,
        pRT,
        row(sv.z, T * GU, b0),
        row(sv.h, (T + 1) * U, b0),
        row(sv.c, (T + 1) * U, b0),
        row(sv.tc, T * U, b0),
        row(sv.rh, T * U, b0),
        row(pDY, dyPerSample, b0),
        cfg.returnSequences ? 1 : 0,
        cfg.goBackwards ? 1 : 0,
        row(pDH0, U, b0),
        row(pDH1, U, b0),
        row(pDC, U, b0),
        row(pDRH, U, b0),
        pdW + i * D * GU * F,
        pdR + i * U * GU * F,
        pdB + i * GU * F,
        row(pdX, T * D, b0),
        ACTIVATION_CODES[cfg.activation],
        ACTIVATION_CODES[cfg.recurrentActivation],
        row(sv.inMask, sv.inGates * D, b0),
        sv.inGates,
        row(sv.recMask, G * U, b0),
        row(pXS, T * wide, b0),
        row(pHS, U, b0),
        pHN ? pHN + i * T * F : 0,
        row(sv.mask, T, b0),
        row(pSV, 2 * U, b0),
        pdRB ? pdRB + i * U * F : 0,
      ]),
    );
    return { region, P, pdW, pdR, pdB, pdX, pHN, pdRB };
  });
  threads.run('seqBackward', parts, (a) => (k.seqBackward as (...args: number[]) => void)(...a));

  if (sumDx) {
    const n = jobs[0]!.saved.batch * jobs[0]!.saved.steps * jobs[0]!.saved.features;
    for (let j = 1; j < jobs.length; j++) k.addRows(1, n, laid[j]!.pdX, n, laid[0]!.pdX, n);
  }
  let summed: Float32Array | null = null;
  const grads = jobs.map(({ cfg, saved: sv }, j): Gradients => {
    const { P, pdW, pdR, pdB, pdX, pHN, pdRB } = laid[j]!;
    const B = sv.batch,
      T = sv.steps,
      D = sv.features,
      U = cfg.units,
      GU = GATES[cfg.kind] * U;
    // The slices' partial sums, added up in kernel memory (P of them side by side from p).
    const sum = (p: number, n: number) => {
      for (let i = 1; i < P; i++) k.addRows(1, n, p + i * n * F, n, p, n);
      return heap.view().slice(p / F, p / F + n);
    };
    const v = heap.view();
    const dx = summed ?? (copy ? v.slice(pdX / F, pdX / F + B * T * D) : v.subarray(pdX / F, pdX / F + B * T * D));
    if (sumDx) summed = dx;
    const g: Gradients = {
      dx,
      dKernel: sum(pdW, D * GU),
      dRecurrent: sum(pdR, U * GU),
      dBias: sum(pdB, GU),
    };
    if (sv.resetAfter) {
      // [input row; recurrent row]: z's and r's recurrent biases sit beside their input ones, so share their gradient.
      const both = new Float32Array(2 * GU);
      both.set(g.dBias);
      both.set(g.dBias.subarray(0, 2 * U), GU);
      both.set(sum(pdRB, U), GU + 2 * U);
      g.dBias = both;
    }
    if (pHN) {
      const perStep = sum(pHN, T);
      // Processing step s saw input timestep T−1−s when the layer runs backwards.
      g.hidden = Float32Array.from({ length: T }, (_, t) => Math.sqrt(perStep[cfg.goBackwards ? T - 1 - t : t]!));
    }
    return g;
  });
  jobs.forEach(({ saved: sv }, j) => {
    heap.release(laid[j]!.region);
    sv.lease.released = true;
    orphans.unregister(sv);
    heap.release(sv.region);
  });
  return grads;
}

/** One layer's backward pass, its batch split across the kernel threads (see fusedBackwardAll). */
export function fusedBackward(
  k: RnnKernels,
  cfg: FusedCellConfig,
  sv: Saved,
  dy: Float32Array,
  hiddenNorms = false,
  copy = true,
): Gradients {
  return fusedBackwardAll(k, [{ cfg, saved: sv, dy }], hiddenNorms, copy)[0]!;
}

interface EngineLike {
  state: { gradientDepth: number };
}

/**
 * Collects, for every fused recurrent layer a gradient flows through, ‖∂L/∂h_t‖ for each timestep t of the input
 * sequence: the norm, over the batch, of the loss gradient with respect to the layer's hidden state — how much of the
 * error signal reaches each timestep. Keys are layer names ("<name> (forward)" / "(backward)" inside Bidirectional);
 * layers on TF.js's path are absent. It travels with the call (`probeKwargs`; TF.js hands a model's kwargs to every
 * layer), so two models stepping in one thread, or a gradient taken inside another, never write into each other's.
 */
export class HiddenGradientProbe {
  readonly norms = new Map<string, Float32Array>();
}

const PROBE_KWARG = 'hiddenGradientProbe';

/** The kwargs of a training call whose fused layers report into `probe`: `model.apply(x, probeKwargs(probe))`. */
export function probeKwargs(probe: HiddenGradientProbe, kwargs: Record<string, unknown> = { training: true }) {
  return { ...kwargs, [PROBE_KWARG]: probe };
}

function probeOf(kwargs: Record<string, unknown> | undefined): HiddenGradientProbe | null {
  const probe = kwargs?.[PROBE_KWARG];
  return probe instanceof HiddenGradientProbe ? probe : null;
}

/** A recurrent layer (or one direction of a Bidirectional layer) to run on the kernels: its config, variables, dropout masks for this call. */
export interface Direction {
  cfg: FusedCellConfig;
  kernel: tf.Tensor;
  recurrent: tf.Tensor;
  bias: tf.Tensor | null;
  masks?: DropoutMasks;
  layerName?: string;
}

/** [rows, units] and [rows, units] → [rows, 2·units], row by row (deinterleave: back). Plain loops: a subarray per row costs more. */
function interleave(a: Float32Array, b: Float32Array, rows: number, units: number): Float32Array {
  const out = new Float32Array(rows * 2 * units);
  for (let i = 0, o = 0; i < rows * units; i += units) {
    for (let j = 0; j < units; j++) out[o++] = a[i + j]!;
    for (let j = 0; j < units; j++) out[o++] = b[i + j]!;
  }
  return out;
}
function deinterleave(ab: Float32Array, rows: number, units: number): [Float32Array, Float32Array] {
  const a = new Float32Array(rows * units),
    b = new Float32Array(rows * units);
  for (let i = 0, o = 0; i < rows * units; i += units) {
    for (let j = 0; j < units; j++) a[i + j] = ab[o++]!;
    for (let j = 0; j < units; j++) b[i + j] = ab[o++]!;
  }
  return [a, b];
}

/**
 * One recurrent layer, or both directions of a Bidirectional layer, over x ([batch, steps, features]) as one
 * differentiable op over the layers' own variables; two directions run at once (fusedForwardAll /
 * fusedBackwardAll). The output is [batch, (steps,) units] for one direction; for two, [batch, (steps,) 2·units]: the
 * forward direction's output then the backward direction's, each exactly as its own layer returns it (the backward
 * one in its processing order; both have the same units, as Bidirectional makes them). Gradients flow to x and to
 * every kernel, recurrent kernel and bias as TF.js's own RNN would send them.
 */
export function fusedRecurrence(
  x: tf.Tensor,
  dirs: [Direction] | [Direction, Direction],
  stepMask: Float32Array | null = null,
  probe: HiddenGradientProbe | null = null,
): tf.Tensor {
  const k = rnnKernels();
  if (!k) throw new Error(kernelsUnavailableReason() ?? 'fused kernels unavailable');
  const [B, T, D] = x.shape as [number, number, number];
  const U = dirs[0].cfg.units;
  const seq = dirs[0].cfg.returnSequences;
  const rows = seq ? B * T : B;
  const width = dirs.length * U;
  const weights = dirs.flatMap((d) => (d.bias ? [d.kernel, d.recurrent, d.bias] : [d.kernel, d.recurrent]));
  const op = tf.customGrad((...args: unknown[]) => {
    const inputs = args as tf.Tensor[];
    let at = 1;
    const own = dirs.map((d) => ({ w: inputs[at++]!, r: inputs[at++]!, b: d.bias ? inputs[at++]! : null }));
    // Only keep the forward state when a gradient will be taken (training), not for predict/evaluate.
    const keep = (tf.engine() as unknown as EngineLike).state.gradientDepth > 0;
    const xv = valuesOf(inputs[0]!);
    const outs = fusedForwardAll(
      k,
      dirs.map((d, i) => ({
        cfg: d.cfg,
        x: xv,
        dims: [B, T, D] as [number, number, number],
        kernel: valuesOf(own[i]!.w),
        recurrent: valuesOf(own[i]!.r),
        bias: own[i]!.b ? valuesOf(own[i]!.b!) : null,
        masks: d.masks,
        stepMask,
      })),
      keep,
    );
    const y = outs.length === 1 ? outs[0]!.y : interleave(outs[0]!.y, outs[1]!.y, rows, U);
    const value = seq ? tf.tensor3d(y, [B, T, width]) : tf.tensor2d(y, [B, width]);
    const gradFunc = (dy: tf.Tensor) => {
      const kept = outs.map((o) => o.saved);
      if (kept.some((sv) => !sv))
        throw new Error('fused recurrent layer: gradient requested for a forward pass run without a gradient tape');
      const dys = dirs.length === 1 ? [valuesOf(dy)] : deinterleave(valuesOf(dy), rows, U);
      const norms = probe !== null && dirs.every((d) => d.layerName !== undefined);
      const g = fusedBackwardAll(
        k,
        dirs.map((d, i) => ({ cfg: d.cfg, saved: kept[i]!, dy: dys[i]! })),
        norms,
        !backendCopiesOnWrite(),
        dirs.length > 1,
      );
      if (probe && norms)
        dirs.forEach((d, i) => {
          if (g[i]!.hidden) probe.norms.set(d.layerName!, g[i]!.hidden!);
        });
      // With two directions every dx is their sum (sumDx): one input gradient.
      const grads: tf.Tensor[] = [tf.tensor3d(g[0]!.dx, [B, T, D])];
      g.forEach((gi, i) => {
        grads.push(tf.tensor(gi.dKernel, own[i]!.w.shape), tf.tensor(gi.dRecurrent, own[i]!.r.shape));
        if (own[i]!.b) grads.push(tf.tensor(gi.dBias, own[i]!.b!.shape));
      });
      return grads;
    };
    return { value, gradFunc };
  });
  return op(x, ...weights);
}

// ---------------------------------------------------------------------------------------------------------------
// Installing the fused path on a built model.

interface LayerVariableLike {
  read(): tf.Variable;
}
interface ActivationLike {
  apply(x: tf.Tensor): tf.Tensor;
}
interface CellLike {
  units: number;
  kernel: LayerVariableLike;
  recurrentKernel: LayerVariableLike;
  bias?: LayerVariableLike | null;
  dropout?: number;
  recurrentDropout?: number;
  activation: ActivationLike;
  recurrentActivation?: ActivationLike;
  getConfig(): Record<string, unknown>;
  getClassName(): string;
}
export interface RnnLike extends tf.layers.Layer {
  cell: CellLike;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}
export interface BidirectionalLike extends tf.layers.Layer {
  forwardLayer: RnnLike;
  backwardLayer: RnnLike;
}

const CELL_KINDS: Record<string, CellKind> = { SimpleRNNCell: 'SimpleRNN', LSTMCell: 'LSTM', GRUCell: 'GRU' };

/** Static eligibility of one recurrent layer: its fused config, or why it stays on TF.js's path. */
function planLayer(layer: RnnLike): { cfg?: FusedCellConfig; reason?: string; dropout: boolean } {
  const kind = CELL_KINDS[layer.cell.getClassName()];
  const c = layer.cell.getConfig();
  const dropout = (layer.cell.dropout ?? 0) > 0 || (layer.cell.recurrentDropout ?? 0) > 0;
  if (!kind) return { reason: `cell ${layer.cell.getClassName()} has no fused kernel`, dropout };
  if (layer.stateful) return { reason: "stateful layers keep TF.js's path", dropout };
  if (layer.returnState) return { reason: "returnState keeps TF.js's path", dropout };
  if (!isActivation(c.activation))
    return {
      reason: `activation ${String(c.activation)} has no fused kernel (linear, tanh, sigmoid, hardSigmoid, relu do)`,
      dropout,
    };
  const recurrentActivation = kind === 'SimpleRNN' ? 'linear' : c.recurrentActivation;
  if (!isActivation(recurrentActivation))
    return { reason: `recurrentActivation ${String(recurrentActivation)} has no fused kernel`, dropout };
  return {
    cfg: {
      kind,
      units: layer.cell.units,
      activation: c.activation,
      recurrentActivation,
      returnSequences: layer.returnSequences,
      goBackwards: layer.goBackwards,
      ...(kind === 'GRU' ? { resetAfter: c.resetAfter === true } : {}),
    },
    dropout,
  };
}

/** Who draws a layer's dropout masks for one call: by default kerasDropoutMasks; the training-parity tests inject theirs. */
export type DropoutMaskSource = (request: DropoutMaskRequest) => DropoutMasks;
export interface DropoutMaskRequest {
  /** The layer's display name ("gru", "bidirectional (forward)"). */
  layer: string;
  kind: CellKind;
  batch: number;
  features: number;
  units: number;
  /** How many masks each side needs (0: that dropout is off). */
  inputGates: number;
  recurrentGates: number;
  inputRate: number;
  recurrentRate: number;
}
let maskSource: DropoutMaskSource | null = null;

/**
 * Replaces the dropout-mask draw of every recurrent layer (fused or op by op) until called again with null. For tests
 * that step our training and Keras's with the same masks (interop/tests/test_training_parity.py).
 */
export function setDropoutMaskSource(source: DropoutMaskSource | null): void {
  maskSource = source;
}

/** A dropout rate that draws masks: in (0, 1), else 0 (off). */
const dropoutRate = (r: number | undefined) => (r !== undefined && r > 0 && r < 1 ? r : 0);

/**
 * The masks Keras 3 draws for one call of a recurrent layer (keras/src/layers/rnn/dropout_rnn_cell.py): one per
 * sequence, shared by all timesteps; with recurrent_dropout > 0 Keras runs its implementation 1, with a mask per gate
 * for the inputs and for the state, otherwise one input mask for all gates. TF.js draws a mask per gate and uses
 * only the first. Drawn with TF.js's random ops, so a seeded run (seeded-random.ts) repeats.
 */
function kerasDropoutMasks(
  cell: CellLike,
  kind: CellKind,
  batch: number,
  features: number,
  layer: string,
): DropoutMasks {
  const inputRate = dropoutRate(cell.dropout),
    recurrentRate = dropoutRate(cell.recurrentDropout);
  const counts = dropoutMaskCounts(kind, inputRate, recurrentRate);
  const request: DropoutMaskRequest = {
    layer,
    kind,
    batch,
    features,
    units: cell.units,
    inputRate,
    recurrentRate,
    inputGates: counts.input,
    recurrentGates: counts.recurrent,
  };
  if (maskSource) return maskSource(request);
  const draw = (count: number, n: number, r: number): Float32Array[] | null =>
    count === 0
      ? null
      : tf.tidy(() =>
          Array.from({ length: count }, () => tf.dropout(tf.ones([batch, n]), r).dataSync() as Float32Array),
        );
  return {
    input: draw(request.inputGates, features, inputRate),
    recurrent: draw(request.recurrentGates, cell.units, recurrentRate),
  };
}

/** WebAssembly (32-bit) memory tops out at 4 GiB (KERNEL_MEMORY_BYTES keeps room below it); RNN_STUDIO_KERNEL_MEMORY_MB lowers the ceiling (tests). */
export function kernelMemoryLimit(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.RNN_STUDIO_KERNEL_MEMORY_MB);
  return Number.isFinite(mb) && mb > 0 ? Math.min(KERNEL_MEMORY_BYTES, mb * 2 ** 20) : KERNEL_MEMORY_BYTES;
}

/** Bytes one carve() of these counts takes from the heap (KernelHeap.alloc hands out at least 16). */
function regionBytes(counts: Record<string, number>): number {
  return Math.max(16, Object.values(counts).reduce((a, n) => a + vectorFloats(n), 0) * F);
}

/**
 * The exact bytes the kernels request for one layer (one direction): what its forward pass keeps until the backward
 * pass, its forward pass's scratch, and its backward pass's working memory with `slices` slices of the batch.
 */
export function kernelLayerBytes(
  l: KernelLayer,
  slices: number,
  hiddenNorms: boolean,
): { saved: number; scratch: number; backward: number } {
  const { saved, scratch } = kernelForwardBuffers(l);
  return {
    saved: regionBytes(saved),
    scratch: regionBytes(scratch),
    backward: regionBytes(kernelBackwardBuffers(l, slices, hiddenNorms)),
  };
}

/**
 * Whether a forward plus backward pass of these layers (run together, as the two directions of a Bidirectional
 * layer are) fits in kernel memory beside what other layers of the step already hold there: their saved state and
 * their backward passes' working memory, counted as the kernels will request it.
 */
export function fitsKernelMemory(layers: KernelLayer[]): boolean {
  if (layers.length === 0) return true;
  const k = rnnKernels();
  const slices = k
    ? partsOf(k, layers[0]!, layers.length)
    : kernelSlices(kernelThreadCount(), layers[0]!.batch, layers.length);
  let need = 0;
  for (const l of layers) {
    const bytes = kernelLayerBytes(l, slices, true);
    need += bytes.saved + bytes.backward;
  }
  const held = k ? heapOf(k).inUse() : 0;
  return held + need <= kernelMemoryLimit();
}

const warned = new Set<string>();
function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(message);
}

/** Turns the fused path on or off for this process (RNN_STUDIO_FUSED=0 turns it off; tests and the benchmark compare both). */
export function fusedRecurrenceEnabled(): boolean {
  return process.env.RNN_STUDIO_FUSED !== '0';
}

function warnTooBig(displayName: string, batch: number, steps: number): void {
  warnOnce(
    displayName,
    `${displayName}: a batch of ${batch} × ${steps} steps needs more than the fused kernels' memory ` +
      `(${Math.round(kernelMemoryLimit() / 2 ** 20)} MiB, WebAssembly's 32-bit limit); this call takes TF.js's op-by-op path — lower batchSize or the sequence length to get the kernels back`,
  );
}

/** A layer's fused plan: its config and whether it has dropout (to draw masks when training), and how many. */
export interface Planned {
  cfg: FusedCellConfig;
  dropout: boolean;
  masks: { input: number; recurrent: number };
  bias: boolean;
}

/**
 * The timestep mask a recurrent layer was called with (an Embedding's maskZero: [batch, steps]), as 0/1 values the
 * way TF.js's rnn() reads it (any nonzero counts); null without one, undefined when it has a shape the kernels do
 * not take (that call keeps TF.js's path).
 */
function stepMaskOf(
  kwargs: Record<string, unknown> | undefined,
  batch: number,
  steps: number,
): Float32Array | null | undefined {
  const given = kwargs?.mask as tf.Tensor | tf.Tensor[] | null | undefined;
  const mask = Array.isArray(given) ? given[0] : given;
  if (mask == null) return null;
  if (mask.size !== batch * steps || mask.shape[0] !== batch) return undefined;
  return tf.tidy(() => tf.cast(tf.cast(mask, 'bool'), 'float32').dataSync() as Float32Array);
}

/**
 * What a routed call runs the kernels on, or null when this call keeps TF.js's path: an initial state, a mask of
 * another shape, or a batch whose state would not fit kernel memory (`layers`: those the call runs together).
 */
function fusedCall(
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown> | undefined,
  layers: Planned[],
  displayName: string,
): { x: tf.Tensor; stepMask: Float32Array | null; training: boolean } | null {
  if (kwargs?.initialState != null) return null;
  const x = Array.isArray(inputs) ? inputs[0]! : inputs;
  const [batch, steps] = x.shape as [number, number, number];
  const stepMask = stepMaskOf(kwargs, batch, steps);
  if (stepMask === undefined) return null;
  const training = kwargs?.training === true;
  // Masks are drawn only while training (direction()).
  const planned = layers.map((p) =>
    kernelLayerOf(
      p.cfg,
      x.shape,
      training && p.dropout ? p.masks : { input: 0, recurrent: 0 },
      stepMask !== null,
      p.bias,
    ),
  );
  if (!fitsKernelMemory(planned)) {
    warnTooBig(displayName, batch, steps);
    return null;
  }
  return { x, stepMask, training };
}

/** A routed layer's variables for this call, and its dropout masks when training (drawn as Keras's cell draws them). */
function direction(layer: RnnLike, p: Planned, x: tf.Tensor, training: boolean, layerName: string): Direction {
  const cell = layer.cell;
  const [batch, , features] = x.shape as [number, number, number];
  return {
    cfg: p.cfg,
    kernel: cell.kernel.read(),
    recurrent: cell.recurrentKernel.read(),
    bias: cell.bias ? cell.bias.read() : null,
    masks: training && p.dropout ? kerasDropoutMasks(cell, p.cfg.kind, batch, features, layerName) : undefined,
    layerName,
  };
}

/**
 * A training call of a layer with dropout that the kernels cannot run (another activation, a batch too big for
 * kernel memory, the kernels off): Keras's cell step by step in TF.js ops (keras-recurrence.ts), with Keras's masks,
 * rather than TF.js's cell, which would train a different model.
 */
function kerasOpByOp(
  layer: RnnLike,
  kind: CellKind,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
  displayName: string,
): tf.Tensor {
  const x = Array.isArray(inputs) ? inputs[0]! : inputs;
  const [batch, , features] = x.shape as [number, number, number];
  const given = kwargs.mask as tf.Tensor | tf.Tensor[] | null | undefined;
  const stepMask = (Array.isArray(given) ? given[0] : given) ?? null;
  return kerasRecurrence(
    x,
    kerasCellOf(layer.cell, kind, layer),
    kerasDropoutMasks(layer.cell, kind, batch, features, displayName),
    stepMask,
  );
}

/**
 * What accelerateModel decided for one recurrent layer (or one direction of a Bidirectional layer): its fused plan
 * when the kernels take it, and whether its training calls with dropout follow Keras op by op otherwise.
 */
export interface LayerRoute {
  fused: Planned | null;
  kerasDropout: boolean;
  kind: CellKind | undefined;
  displayName: string;
}

/** A Bidirectional layer whose two directions are both fused: one kernel call computes both. */
export interface DirectionPair {
  forward: Planned;
  backward: Planned;
  displayName: string;
}

/** Our recurrent layer classes (recurrent-layers.ts): their call follows the route accelerateModel gave them. */
export interface RoutableLayer extends RnnLike {
  route: LayerRoute | null;
}
export interface PairableBidirectional extends BidirectionalLike {
  pair: DirectionPair | null;
}

/**
 * One call of a routed layer: the kernels where the route and this call allow, Keras's cell op by op for a training
 * call with dropout the kernels cannot run; null leaves the call to TF.js's own layer.
 */
export function routedCall(
  layer: RnnLike,
  route: LayerRoute | null,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
): tf.Tensor | null {
  if (!route) return null;
  if (route.fused) {
    const call = fusedCall(inputs, kwargs, [route.fused], route.displayName);
    if (call)
      return fusedRecurrence(
        call.x,
        [direction(layer, route.fused, call.x, call.training, route.displayName)],
        call.stepMask,
        probeOf(kwargs),
      );
  }
  if (route.kerasDropout && route.kind && kwargs?.training === true && kwargs.initialState == null)
    return kerasOpByOp(layer, route.kind, inputs, kwargs, route.displayName);
  return null;
}

/**
 * Both directions of a paired Bidirectional layer in one kernel call: [forward output, backward output], the
 * backward one in its processing order as its own layer returns it; null when this call cannot take the kernels (an
 * initial state, a mask of another shape, a batch too big for kernel memory), and each direction takes its own route.
 */
export function pairedCall(
  bi: BidirectionalLike,
  pair: DirectionPair | null,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
): [tf.Tensor, tf.Tensor] | null {
  if (!pair) return null;
  const call = fusedCall(inputs, kwargs, [pair.forward, pair.backward], pair.displayName);
  if (!call) return null;
  // Drawn in TF.js's order: the forward layer's masks, then the backward layer's.
  const forward = direction(bi.forwardLayer, pair.forward, call.x, call.training, `${pair.displayName} (forward)`);
  const backward = direction(bi.backwardLayer, pair.backward, call.x, call.training, `${pair.displayName} (backward)`);
  const [yF, yB] = tf.split(fusedRecurrence(call.x, [forward, backward], call.stepMask, probeOf(kwargs)), 2, -1);
  return [yF!, yB!];
}

const isRoutable = (layer: RnnLike): layer is RoutableLayer => 'route' in layer;
const isPairable = (layer: BidirectionalLike): layer is PairableBidirectional => 'pair' in layer;

/**
 * Plans one recurrent layer: on the fused kernels where it allows (`allowFused`), and its training calls with dropout
 * on Keras's semantics in any case; gives our layer classes their route and returns the fused plan, if any.
 */
function plan(layer: RnnLike, out: RecurrencePath[], displayName: string, allowFused = true): Planned | null {
  if (!isRoutable(layer)) {
    out.push({
      layer: displayName,
      fused: false,
      reason: "built with TF.js's own layer class, not the studio's (layer-factories.ts): it keeps TF.js's path",
    });
    return null;
  }
  const p = planLayer(layer);
  const unavailable = kernelsUnavailableReason();
  const kind = CELL_KINDS[layer.cell.getClassName()];
  const fused: Planned | null =
    allowFused && p.cfg && !unavailable
      ? {
          cfg: p.cfg,
          dropout: p.dropout,
          bias: layer.cell.bias != null,
          masks: dropoutMaskCounts(
            p.cfg.kind,
            dropoutRate(layer.cell.dropout),
            dropoutRate(layer.cell.recurrentDropout),
          ),
        }
      : null;
  out.push(
    fused ? { layer: displayName, fused: true } : { layer: displayName, fused: false, reason: unavailable ?? p.reason },
  );
  // Stateful layers and those returning their state keep TF.js's cell (Keras's has the same arithmetic without dropout).
  const kerasDropout = kind !== undefined && p.dropout && !layer.stateful && !layer.returnState;
  layer.route = fused || kerasDropout ? { fused, kerasDropout, kind, displayName } : null;
  return fused;
}

/**
 * Routes every eligible recurrent layer of `model` through the fused kernels and reports each layer's path. The
 * layers must be the studio's classes (recurrent-layers.ts, keras-gru.ts: every model built by build-model.ts or
 * loaded here is); call once, right after building or loading the model.
 */
export function accelerateModel(model: tf.LayersModel): RecurrencePath[] {
  const enabled = fusedRecurrenceEnabled();
  const paths: RecurrencePath[] = [];
  // Turned off, each layer is reported once, but still gets Keras's dropout semantics (planned with allowFused false).
  const perDirection: RecurrencePath[] = enabled ? paths : [];
  for (const layer of model.layers) {
    const bi = layer as BidirectionalLike;
    if (!enabled && ((layer as RnnLike).cell || bi.forwardLayer))
      paths.push({ layer: layer.name, fused: false, reason: 'turned off (RNN_STUDIO_FUSED=0)' });
    if (bi.forwardLayer && bi.backwardLayer) {
      const f = plan(bi.forwardLayer, perDirection, `${layer.name} (forward)`, enabled);
      const b = plan(bi.backwardLayer, perDirection, `${layer.name} (backward)`, enabled);
      const paired = f && b && f.cfg.units === b.cfg.units && f.cfg.returnSequences === b.cfg.returnSequences;
      if (isPairable(bi)) bi.pair = paired ? { forward: f, backward: b, displayName: layer.name } : null;
    } else if ((layer as RnnLike).cell) {
      plan(layer as RnnLike, perDirection, layer.name, enabled);
    }
  }
  return paths;
}

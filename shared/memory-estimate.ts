/**
 * "Will it fit?": the memory a spec needs to train, worked out from its layers before anything is allocated — pure,
 * so the canvas can mark a layer that can never fit while it is edited, and the engine refuses such a run with the
 * figure instead of failing deep inside TensorFlow.js or the kernels ("Invalid typed array length" at units 65536,
 * "memory access out of bounds" or an abort after the process grew to 5.5 GB at units 4096).
 *
 * Training memory lives in three places with different ceilings:
 * - the fused recurrent kernels' WebAssembly memory (main/training/kernels/): 32-bit, so at most 4 GiB. It holds what
 *   each layer's forward pass keeps for its backward pass, and the backward pass's working memory. This module is the
 *   one home of that layout (kernelSavedBuffers, kernelBackwardBuffers): fused-rnn.ts carves its buffers from it, so
 *   the figure here is what the kernels will ask for, less their 16-byte alignment.
 * - TF.js's tensors (weights, gradients, layer outputs): in the backend's WebAssembly heap on the wasm backend (also
 *   4 GiB), in ordinary memory on native TensorFlow and cpu. The orthogonal initializer — the recurrent kernels'
 *   default — also passes through here: its draws for the weights we decompose ourselves (main/training/orthogonal.ts),
 *   and for larger ones TF.js's QR op by op, with several full square matrices alive (orthogonalInitBytes).
 * - JavaScript arrays: the optimizer's slots (main/training/kernels/optimizer.ts).
 */
import { FAST_ORTHOGONAL_MAX_ELEMENTS } from './orthogonal.js';
import { layerDef, withDefaults } from './layer-catalog.js';
import { isBidirectional, resolveTraining } from './model-spec.js';
import type { LayerSpec, ModelSpec, OptimizerName, ParamValue } from './model-spec.js';
import type { LayerInfo, SpecIssue } from './analysis-types.js';

export type RecurrentKind = 'SimpleRNN' | 'LSTM' | 'GRU';

/** Gates per cell: the width of a layer's kernels is GATES × units (LSTM i, f, c, o; GRU z, r, h). */
export const GATES: Record<RecurrentKind, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

/**
 * How many dropout masks Keras 3 draws per sequence (keras/src/layers/rnn/*.py, dropout_rnn_cell.py): with
 * recurrent_dropout > 0 it runs implementation 1, a mask per gate for the inputs and for the state; otherwise one input
 * mask for all gates. 0: that dropout is off.
 */
export function dropoutMaskCounts(
  kind: RecurrentKind,
  inputRate: number,
  recurrentRate: number,
): { input: number; recurrent: number } {
  const G = GATES[kind];
  return { input: inputRate ? (recurrentRate ? G : 1) : 0, recurrent: recurrentRate ? G : 0 };
}

/** The activations the fused kernels implement (ACTIVATION_CODES in main/training/kernels/kernels-wasm.ts). */
export const FUSED_ACTIVATIONS = ['linear', 'tanh', 'sigmoid', 'hardSigmoid', 'relu'] as const;
export type FusedActivation = (typeof FUSED_ACTIVATIONS)[number];

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** WebAssembly's 32-bit address space: 65,536 pages of 64 KiB. */
export const WASM_MEMORY_MAX_BYTES = 4 * GiB;
/** What the fused kernels let themselves use of it (kernelMemoryLimit in fused-rnn.ts), keeping room below the ceiling. */
export const KERNEL_MEMORY_BYTES = WASM_MEMORY_MAX_BYTES - 64 * MiB;
/** tfjs-backend-wasm's heap ceiling (its getHeapMax(): 4 GiB less one page). */
export const TFJS_WASM_HEAP_BYTES = WASM_MEMORY_MAX_BYTES - 65_536;

const SLICE_SAMPLES = 16;

/**
 * How many slices the fused kernels cut each layer's batch into when `layers` layers run in one call (the two
 * directions of a Bidirectional layer): about SLICE_SAMPLES sequences each, at least one per thread, at most 32 parts
 * in all, never more than the batch. Small slices keep a slice's gate pre-activations in its core's own cache through
 * the timestep loop, and let the threads even out (kernel-threads.ts hands parts to whichever thread is free):
 * Bidirectional LSTM(32) × 200 steps, batch 128, 2 threads, 4 parts of 64 → 16 of 16 samples took 1.31 → 1.05–1.14
 * s/epoch, and the driving thread's wait for the other fell from 2.2–4.3 to 0.6–0.9 ms per kernel call.
 * The price is memory: each slice has its own partial weight gradient.
 */
export function kernelSlices(threads: number, batch: number, layers: number): number {
  const ways = Math.min(Math.floor(32 / layers), Math.max(threads, Math.ceil(batch / SLICE_SAMPLES)));
  return Math.max(1, Math.min(ways, batch));
}

/** Which kernels run the recurrent layers: the WebAssembly ones, or the native addon (main/training/kernels/). */
export type KernelProvider = 'wasm' | 'native';

/** Samples below which the native addon does not cut a call further (MIN_ROWS in native/kernels/split.cc). */
export const NATIVE_MIN_SLICE_SAMPLES = 8;

/**
 * Slices the native addon cuts one call's batch into (split.cc's slicesFor): one per thread, at least
 * NATIVE_MIN_SLICE_SAMPLES samples each. The first slice adds its weight gradients into the call's own; the others
 * keep partial ones in the addon's memory (outside the kernels' memory) until the call adds them up.
 */
export function nativeSlices(threads: number, batch: number): number {
  return Math.max(1, Math.min(threads, Math.floor(batch / NATIVE_MIN_SLICE_SAMPLES)));
}

/**
 * Recurrent weights larger than this stop fitting a core's cache between timesteps (2 MiB of L2 a core here): the
 * native addon's per-step multiplies then read them from memory, once per slice, and thin slices pay for it.
 */
export const NATIVE_WHOLE_BATCH_WEIGHT_BYTES = 2 * MiB;

/**
 * The parts of a layer's batch the kernels' JavaScript side lays out, each with a partial weight gradient in kernel
 * memory. The WebAssembly kernels: kernelSlices, taken by their threads from a queue. The native provider is one
 * JavaScript thread, and the addon cuts each part into nativeSlices itself: parts of about 16 samples (8 a thread),
 * whose gate pre-activations stay in cache through the timestep loop, while the recurrent weights fit the cache too;
 * past NATIVE_WHOLE_BATCH_WEIGHT_BYTES one part, so that each thread's multiplies run over its whole share of the
 * batch. Measured on 2 threads, 512 samples an epoch (2026-12-07): Bidirectional LSTM(512) (4 MiB of recurrent
 * weights) 9.2–9.8 s an epoch in 16-sample parts, 7.5–8.2 in 64-sample parts, 7.8–8.0 in one part; LSTM(64) 0.42–0.45
 * in 16-sample parts, 0.49–0.55 in one part; LSTM(128) and LSTM(256) alike within the runs' spread.
 */
export function kernelParts(
  provider: KernelProvider,
  threads: number,
  l: Pick<KernelLayer, 'kind' | 'units' | 'batch'>,
  layers: number,
): number {
  if (provider === 'wasm') return kernelSlices(threads, l.batch, layers);
  const recurrentBytes = 4 * l.units * GATES[l.kind] * l.units;
  return recurrentBytes > NATIVE_WHOLE_BATCH_WEIGHT_BYTES ? 1 : kernelSlices(1, l.batch, layers);
}

/** One recurrent layer (or one direction of a Bidirectional layer) as one call of the fused kernels sees it. */
export interface KernelLayer {
  kind: RecurrentKind;
  units: number;
  batch: number;
  steps: number;
  features: number;
  returnSequences: boolean;
  /** A GRU with reset_after=True and a bias: the candidate's recurrent bias is kept apart. */
  recurrentBias: boolean;
  /** Input dropout masks per sample: 0 (none), 1 (shared by all gates) or one per gate. */
  inputMasks: number;
  /** Recurrent dropout masks per sample: 0 or one per gate. */
  recurrentMasks: number;
  /** The input has a timestep mask (an Embedding's maskZero). */
  stepMask: boolean;
}

/**
 * The buffers a forward pass lays out, in float32 counts (0: no buffer), in the order fused-rnn.ts places them.
 * `saved` stays in kernel memory until the backward pass; `scratch` only during the forward pass.
 */
export function kernelForwardBuffers(l: KernelLayer) {
  const { batch: B, steps: T, features: D, units: U } = l;
  const G = GATES[l.kind],
    GU = G * U;
  const lstm = l.kind === 'LSTM',
    gru = l.kind === 'GRU';
  return {
    saved: {
      x: B * T * D,
      w: D * GU,
      r: U * GU,
      b: GU,
      z: B * T * GU,
      h: B * (T + 1) * U,
      c: lstm ? B * (T + 1) * U : 0,
      tc: lstm ? B * T * U : 0,
      rh: gru ? B * T * U : 0,
      inMask: l.inputMasks ? B * l.inputMasks * D : 0,
      recMask: l.recurrentMasks ? B * G * U : 0,
      mask: l.stepMask ? B * T : 0,
      recBias: l.recurrentBias ? U : 0,
    },
    // The input masked per gate, and the masked h₋₁.
    scratch: { xs: l.inputMasks > 1 ? B * T * D : 0, hs: l.recurrentMasks ? B * U : 0 },
  };
}

/**
 * The buffers a backward pass lays out (float32 counts, fused-rnn.ts's order) with `slices` slices of the batch:
 * transposed weights, one partial weight gradient per slice, dx, the dh/dc rows (and those set aside at masked steps),
 * dy, ‖∂L/∂h_t‖ per slice when sampled, the per-gate masked inputs or states.
 */
export function kernelBackwardBuffers(l: KernelLayer, slices: number, hiddenNorms: boolean) {
  const { batch: B, steps: T, features: D, units: U } = l;
  const P = slices,
    GU = GATES[l.kind] * U;
  const needXS = l.inputMasks > 1 || l.recurrentMasks > 0;
  return {
    wt: GU * D,
    rt: GU * U,
    dW: P * D * GU,
    dR: P * U * GU,
    dB: P * GU,
    dX: B * T * D,
    dh0: B * U,
    dh1: B * U,
    dc: B * U,
    drh: B * U,
    dy: l.returnSequences ? B * T * U : B * U,
    hiddenNorms: hiddenNorms ? P * T : 0,
    setAside: l.stepMask ? 2 * B * U : 0,
    xs: needXS ? B * T * Math.max(D, U) : 0,
    hs: l.recurrentMasks ? B * U : 0,
    dRecBias: l.recurrentBias ? P * U : 0,
  };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, n) => a + n, 0);

/** What each kernel buffer holds, for the breakdown shown to the user. */
const WEIGHT_BUFFERS = new Set(['w', 'r', 'b', 'recBias', 'wt', 'rt']);
const GRADIENT_BUFFERS = new Set(['dW', 'dR', 'dB', 'dRecBias']);

/**
 * The partial weight gradients the native addon keeps in its own memory while one backward call runs (one part of
 * `parts`, the largest), in float32 counts: those of every slice but the first (split.cc's `partials`).
 */
export function nativePartialFloats(l: KernelLayer, threads: number, parts: number, hiddenNorms: boolean): number {
  const GU = GATES[l.kind] * l.units;
  const per = l.features * GU + l.units * GU + GU + (hiddenNorms ? l.steps : 0) + (l.recurrentBias ? l.units : 0);
  return (nativeSlices(threads, Math.ceil(l.batch / parts)) - 1) * per;
}

function kernelBreakdown(calls: KernelLayer[], provider: KernelProvider, threads: number, hiddenNorms: boolean) {
  const out = { weights: 0, gradients: 0, activations: 0, saved: 0, backward: 0, slices: 0, addon: 0 };
  const slices = calls.length > 0 ? kernelParts(provider, threads, calls[0]!, calls.length) : 0;
  out.slices = slices;
  for (const l of calls) {
    // The directions of a Bidirectional layer run one after the other in the addon: one call's partials at a time.
    if (provider === 'native')
      out.addon = Math.max(out.addon, 4 * nativePartialFloats(l, threads, slices, hiddenNorms));
    const saved = kernelForwardBuffers(l).saved;
    const backward = kernelBackwardBuffers(l, slices, hiddenNorms);
    out.saved += 4 * sum(saved);
    out.backward += 4 * sum(backward);
    for (const [name, n] of [...Object.entries(saved), ...Object.entries(backward)]) {
      if (WEIGHT_BUFFERS.has(name)) out.weights += 4 * n;
      else if (GRADIENT_BUFFERS.has(name)) out.gradients += 4 * n;
      else out.activations += 4 * n;
    }
  }
  out.gradients += out.addon;
  return out;
}

/** The optimizer's slots per weight: RMSprop its mean square, Adam its two moments. */
export const OPTIMIZER_SLOTS: Record<OptimizerName, number> = { sgd: 0, rmsprop: 1, adam: 2 };
const SLOT_WORDS: Record<OptimizerName, string> = {
  sgd: '',
  rmsprop: "RMSprop's mean squares, ",
  adam: "Adam's two moments, ",
};

/**
 * The orthogonal initializer's peak in TF.js's memory while it draws a [rows, cols] weight. Up to
 * FAST_ORTHOGONAL_MAX_ELEMENTS (main/training/orthogonal.ts) the QR runs in float64 in JavaScript: TF.js holds the
 * normal draws, then the result (about 16 bytes a weight of JavaScript arrays meanwhile, for a moment, outside it).
 * Past it, TF.js's own decomposition runs op by op, the full square Q and copies of R alive at once — measured with
 * tf.profile on 32 × 96 … 256 × 768 (and square) matrices: peak ≈ 5.3 · 4 bytes · (max² + max·min).
 */
export function orthogonalInitBytes(rows: number, cols: number): number {
  return rows * cols <= FAST_ORTHOGONAL_MAX_ELEMENTS ? 4 * rows * cols : tfjsOrthogonalBytes(rows, cols);
}

/** TF.js's own orthogonal initializer's peak for a [rows, cols] weight (the formula above). */
export function tfjsOrthogonalBytes(rows: number, cols: number): number {
  const M = Math.max(rows, cols),
    N = Math.min(rows, cols);
  return 5.3 * 4 * (M * M + M * N);
}

/**
 * TF.js's own recurrent path (a layer the kernels do not run: an activation they lack, or the kernels off), per
 * timestep: the ops of one cell step keep about 22 floats per sample and gate unit for the backward pass, plus about 3
 * weight-sized temporaries. Measured with tf.profile on LSTM, GRU and SimpleRNN of 64–128 units, batch 32 and 128.
 */
function opByOpActivationBytes(
  kind: RecurrentKind,
  batch: number,
  steps: number,
  features: number,
  units: number,
): number {
  const GU = GATES[kind] * units;
  return 4 * steps * (22 * batch * GU + 3 * (features + units) * GU);
}

export interface LayerMemory {
  index: number;
  name: string;
  /** "LSTM", "Bidirectional(GRU)". */
  label: string;
  /** What the messages name: "units=4096", "inputDim=10000, outputDim=32". */
  size: string;
  /** Timesteps the layer runs over (recurrent layers), else null. */
  steps: number | null;
  /** Bytes by what they hold, wherever they live (a fused layer's kernel buffers included). */
  weights: number;
  optimizer: number;
  gradients: number;
  activations: number;
  /** weights + optimizer + gradients + activations. */
  total: number;
  /** Of those, TF.js's tensors: the weights, their gradients, the layer's output and what TF.js keeps for its backward pass. */
  tensorBytes: number;
  /** TF.js's copy of the weights alone. */
  tensorWeights: number;
  /** The fused kernels' calls this layer makes (two for a Bidirectional layer's directions); empty off the kernels. */
  kernelCalls: KernelLayer[];
  /** Slices the kernels cut its batch into (one partial weight gradient each); 0 off the kernels. */
  kernelSlices: number;
  /** The native addon's partial weight gradients during its backward pass, in the addon's own memory; 0 on WebAssembly. */
  kernelAddon: number;
  /** Its buffers in kernel memory: what its forward pass keeps until the backward pass, and that pass's working memory. */
  kernelSaved: number;
  kernelBackward: number;
  /** The peak of TF.js's orthogonal initializer while it draws this layer's weights (0 without one). */
  initBytes: number;
  /** Which weight that peak is for: "recurrentKernel", "kernel", "embeddings". */
  initWeight: string | null;
  /** The largest single weight tensor, in floats (the optimizer updates one at a time). */
  largestWeight: number;
}

export interface MemoryEstimate {
  batchSize: number;
  /** The input's sequence length. */
  timesteps: number;
  optimizer: OptimizerName;
  layers: LayerMemory[];
  /** Peak of the kernels' memory in a training step: every fused layer's saved state up to the one whose backward pass runs, plus that pass; or the optimizer's staging of its largest weight, if larger. */
  kernelBytes: number;
  /** The layer whose backward pass is the peak (null without fused layers). */
  kernelPeakLayer: number | null;
  /** Peak of TF.js's tensors: weights, gradients and layer outputs while training; weights plus the orthogonal initializer while the model is built. */
  backendBytes: number;
  /** The layer whose initializer makes the backend's peak, when it does. */
  backendPeakInitLayer: number | null;
  /** Outside TF.js and the kernels' memory: the optimizer's slots (JavaScript arrays) and, on the native provider, the addon's partial weight gradients of the largest layer. */
  hostBytes: number;
  /** All three: what training adds to the process. */
  totalBytes: number;
}

export interface MemoryEstimateOptions {
  batchSize?: number;
  optimizer?: OptimizerName;
  /** Threads the kernels split a batch over (kernelThreadCount()); more threads, more slices. Default 1: the fewest slices. */
  threads?: number;
  /** The kernels that will run (default 'wasm'): they lay out a batch's slices differently. */
  provider?: KernelProvider;
  /** False when the recurrent layers run TF.js's path (kernels off or unavailable). */
  fused?: boolean;
  /** Count the ‖∂L/∂h_t‖ buffer the backward pass fills on sampled batches (default true: the worst batch). */
  hiddenNorms?: boolean;
}

function num(v: ParamValue | undefined, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

const isFusedActivation = (v: ParamValue | undefined) =>
  typeof v === 'string' && (FUSED_ACTIVATIONS as readonly string[]).includes(v);

/**
 * Bytes each layer needs to train and the peaks of the three memories, at the spec's batch size (or `batchSize`) —
 * from the layer infos of analyzeModel, or null when a shape is unknown.
 */
export function estimateTrainingMemory(
  spec: ModelSpec,
  layers: readonly LayerInfo[],
  options: MemoryEstimateOptions = {},
): MemoryEstimate | null {
  let training: { batchSize: number; optimizer: OptimizerName };
  try {
    training = resolveTraining(spec);
  } catch {
    return null;
  }
  const B = options.batchSize ?? training.batchSize;
  const optimizer = options.optimizer ?? training.optimizer;
  if (
    !Number.isInteger(B) ||
    B < 1 ||
    !(optimizer in OPTIMIZER_SLOTS) ||
    layers.length === 0 ||
    !Array.isArray(spec.layers)
  )
    return null;
  if (layers.some((l) => !l.inputShape || !l.outputShape)) return null;
  const threads = Math.max(1, options.threads ?? 1);
  const provider = options.provider ?? 'wasm';
  const fused = options.fused ?? true;
  const hiddenNorms = options.hiddenNorms ?? true;
  const slots = OPTIMIZER_SLOTS[optimizer];
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

  // An Embedding's maskZero masks the timesteps of the recurrent layers it reaches: through Dropout and Dense (which
  // pass masks on) and recurrent layers that return sequences.
  let masked = false;
  // Whether the layer below is one direction on the kernels, which only reads the gradient it is handed.
  let readsGradient = false;
  const out: LayerMemory[] = layers.map((info, i) => {
    const belowReadsGradient = readsGradient;
    readsGradient = false;
    const spec_ = spec.layers[i] as LayerSpec;
    const def = layerDef(info.className)!;
    const config = withDefaults(def, spec_.config as Record<string, ParamValue> | undefined);
    const params = info.params;
    const inShape = info.inputShape!,
      outShape = info.outputShape!;
    const m: LayerMemory = {
      index: info.index,
      name: info.name,
      label: info.label,
      size: '',
      steps: null,
      weights: 4 * params,
      optimizer: 4 * params * slots,
      gradients: 4 * params,
      activations: 4 * B * size(outShape),
      total: 0,
      tensorBytes: 0,
      tensorWeights: 4 * params,
      kernelCalls: [],
      kernelSlices: 0,
      kernelAddon: 0,
      kernelSaved: 0,
      kernelBackward: 0,
      initBytes: 0,
      initWeight: null,
      largestWeight: 0,
    };
    // TF.js's tensors beyond each layer's output, by what its backward pass makes (tf.profile of one training step on
    // the wasm backend, within 20 % for LSTM/GRU with and without returnSequences, Bidirectional, Embedding with
    // maskZero and Dropout): the input batch; Dropout's mask and gradients; pooling's gradient, spread back over
    // every timestep.
    const output = 4 * B * size(outShape),
      input = 4 * B * size(inShape);
    if (i === 0) m.activations += input;
    if (info.className === 'Dropout') m.activations += 3 * output;
    if (info.className === 'GlobalAveragePooling1D' || info.className === 'Flatten') m.activations += 3 * input;
    const orthogonal = (cfg: Record<string, ParamValue>, key: string, weight: string, rows: number, cols: number) => {
      if (cfg[key] !== 'orthogonal') return;
      const bytes = orthogonalInitBytes(rows, cols);
      if (bytes > m.initBytes) {
        m.initBytes = bytes;
        m.initWeight = weight;
      }
    };

    const inner = isBidirectional(spec_) ? spec_.layer : spec_;
    const innerDef = layerDef(inner.className);
    if (innerDef && GATES[innerDef.className as RecurrentKind] !== undefined) {
      const kind = innerDef.className as RecurrentKind;
      const cfg = withDefaults(innerDef, inner.config as Record<string, ParamValue> | undefined);
      const U = num(cfg.units),
        T = inShape[0]!,
        D = inShape[1]!,
        GU = GATES[kind] * U;
      const directions = isBidirectional(spec_) ? 2 : 1;
      const useBias = cfg.useBias !== false;
      m.size = `units=${U}`;
      m.steps = T;
      m.largestWeight = Math.max(D, U) * GU;
      orthogonal(cfg, 'kernelInitializer', 'kernel', D, GU);
      orthogonal(cfg, 'recurrentInitializer', 'recurrentKernel', U, GU);
      const canFuse =
        fused &&
        isFusedActivation(cfg.activation) &&
        (kind === 'SimpleRNN' || isFusedActivation(cfg.recurrentActivation));
      if (canFuse) {
        const masks = dropoutMaskCounts(kind, num(cfg.dropout), num(cfg.recurrentDropout));
        const call: KernelLayer = {
          kind,
          units: U,
          batch: B,
          steps: T,
          features: D,
          returnSequences: cfg.returnSequences === true,
          recurrentBias: kind === 'GRU' && cfg.resetAfter === true && useBias,
          inputMasks: masks.input,
          recurrentMasks: masks.recurrent,
          stepMask: masked,
        };
        m.kernelCalls = Array.from({ length: directions }, () => call);
        const k = kernelBreakdown(m.kernelCalls, provider, threads, hiddenNorms);
        m.kernelSlices = k.slices;
        m.kernelAddon = k.addon;
        m.kernelSaved = k.saved;
        m.kernelBackward = k.backward;
        m.weights += k.weights;
        m.gradients += k.gradients;
        m.activations += k.activations;
        // For two directions, the output's halves split apart and joined again. The gradient for its input outlives
        // its pass where the layer below works on it (an Embedding, Dropout, two directions joined), not where the
        // layer below is the model's input or one direction on the kernels (which only reads it).
        if (directions === 2 && call.returnSequences) m.activations += 2 * output;
        if (i > 0 && !belowReadsGradient) m.activations += input;
        readsGradient = directions === 1;
      } else {
        m.activations += directions * opByOpActivationBytes(kind, B, T, D, U);
      }
      if (cfg.returnSequences !== true) masked = false;
    } else if (info.className === 'Embedding') {
      const inputDim = num(config.inputDim),
        outputDim = num(config.outputDim);
      m.size = `inputDim=${inputDim}, outputDim=${outputDim}`;
      m.largestWeight = inputDim * outputDim;
      orthogonal(config, 'embeddingsInitializer', 'embeddings', inputDim, outputDim);
      masked = config.maskZero === true;
      // TF.js's gradient of the gather: the output's gradient transposed, summed into a table-sized tensor, transposed back.
      m.activations += 2 * output + 2 * m.tensorWeights;
    } else if (info.className === 'Dense') {
      const units = num(config.units),
        fanIn = inShape[inShape.length - 1]!;
      m.size = `units=${units}`;
      m.largestWeight = fanIn * units;
      // A non-linear activation keeps its input too.
      if (config.activation !== 'linear') m.activations += output;
      orthogonal(config, 'kernelInitializer', 'kernel', fanIn, units);
    } else if (info.className !== 'Dropout') {
      masked = false;
    }
    m.total = m.weights + m.optimizer + m.gradients + m.activations;
    m.tensorBytes = m.total - m.optimizer - m.kernelSaved - m.kernelBackward - m.kernelAddon;
    return m;
  });

  // Kernel memory is a stack: each fused layer's saved state stays until its backward pass, which runs last layer first.
  let held = 0,
    kernelBytes = 0,
    kernelPeakLayer: number | null = null;
  for (const m of out) {
    if (m.kernelCalls.length === 0) continue;
    held += m.kernelSaved;
    if (held + m.kernelBackward > kernelBytes) {
      kernelBytes = held + m.kernelBackward;
      kernelPeakLayer = m.index;
    }
  }
  // The optimizer updates one weight at a time in kernel memory (the weight, its gradient and its slots) when they fit.
  const staging = 4 * (2 + slots) * Math.max(0, ...out.map((m) => m.largestWeight));
  if (staging <= KERNEL_MEMORY_BYTES && staging > kernelBytes) kernelBytes = staging;

  const weights = out.reduce((a, m) => a + m.tensorWeights, 0);
  let backendBytes = out.reduce((a, m) => a + m.tensorBytes, 0),
    backendPeakInitLayer: number | null = null;
  for (const m of out) {
    if (m.initBytes > 0 && weights + m.initBytes > backendBytes) {
      backendBytes = weights + m.initBytes;
      backendPeakInitLayer = m.index;
    }
  }
  // The addon's partial gradients exist while one backward call runs: the largest layer's.
  const hostBytes = out.reduce((a, m) => a + m.optimizer, 0) + Math.max(0, ...out.map((m) => m.kernelAddon));
  return {
    batchSize: B,
    timesteps: layers[0]!.inputShape![0]!,
    optimizer,
    layers: out,
    kernelBytes,
    kernelPeakLayer,
    backendBytes,
    backendPeakInitLayer,
    hostBytes,
    totalBytes: kernelBytes + backendBytes + hostBytes,
  };
}

/** "5.61 GiB", "812 MiB", "64 MiB", "4 GiB": three significant figures at most, binary units. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes,
    u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} bytes`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))} ${units[u]}`;
}

/** The ceilings a training run meets; a missing one is not checked. */
export interface MemoryLimits {
  /** What the fused kernels may use (KERNEL_MEMORY_BYTES unless a test lowers it). */
  kernelBytes?: number;
  /** TF.js's backend when it has a ceiling of its own (the WebAssembly backend's heap), with what to suggest instead. */
  backend?: { name: string; bytes: number; limit: string; instead: string } | null;
  /** This machine's memory; null where unknown (the canvas). */
  machineBytes?: number | null;
}

const REDUCE = 'Reduce units, batch size or sequence length.';

function who(m: LayerMemory): string {
  return `${m.label} "${m.name}"${m.size ? ` with ${m.size}` : ''}`;
}

/** "at batch size 128 over 120 timesteps": the layer's own sequence length, or the input's for the model. */
function at(e: MemoryEstimate, m: LayerMemory | null): string {
  return `at batch size ${e.batchSize} over ${m?.steps ?? e.timesteps} timesteps`;
}

function issueOn(m: LayerMemory, severity: SpecIssue['severity'], message: string): SpecIssue {
  return { layerIndex: m.index, path: `layers.${m.index}`, severity, message };
}

function kernelLimitText(limit: number): string {
  return limit === KERNEL_MEMORY_BYTES
    ? `the kernels can address at most ${formatBytes(limit)} (WebAssembly's 4 GiB, less ${formatBytes(WASM_MEMORY_MAX_BYTES - KERNEL_MEMORY_BYTES)} kept free)`
    : `the kernels may use at most ${formatBytes(limit)} here (RNN_STUDIO_KERNEL_MEMORY_MB)`;
}

/**
 * The estimate against the limits, as issues on the layer to change (Keras style: the figure, what it holds, the
 * ceiling, what to do). Errors where training cannot fit; a warning where it needs more than half of the machine.
 */
export function memoryIssues(e: MemoryEstimate, limits: MemoryLimits = {}): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const kernelLimit = limits.kernelBytes;
  if (kernelLimit !== undefined) {
    let flagged = false;
    for (const m of e.layers) {
      const own = m.kernelSaved + m.kernelBackward;
      if (m.kernelCalls.length === 0 || own <= kernelLimit) continue;
      flagged = true;
      issues.push(
        issueOn(
          m,
          'error',
          `${who(m)} needs about ${formatBytes(own)} of the fused kernels' memory to train ${at(e, m)} ` +
            `(a copy of its weights, the activations kept for backpropagation, and a partial weight gradient for each of the ${m.kernelSlices} slice${m.kernelSlices === 1 ? '' : 's'} of the batch); ` +
            `${kernelLimitText(kernelLimit)}. ${REDUCE}`,
        ),
      );
    }
    const peak = e.kernelPeakLayer === null ? null : e.layers.find((m) => m.index === e.kernelPeakLayer)!;
    if (!flagged && peak && e.kernelBytes > kernelLimit) {
      const before = e.layers.some((m) => m.index < peak.index && m.kernelCalls.length > 0);
      issues.push(
        issueOn(
          peak,
          'error',
          `${who(peak)} needs about ${formatBytes(e.kernelBytes)} of the fused kernels' memory to train ${at(e, peak)}` +
            `${before ? ', with what the recurrent layers before it keep for their own backward passes' : ''}; ${kernelLimitText(kernelLimit)}. ${REDUCE}`,
        ),
      );
    }
  }
  const biggest = e.layers.reduce((a, m) => (m.total > a.total ? m : a));
  const backend = limits.backend;
  if (backend && e.backendBytes > backend.bytes) {
    const init = e.backendPeakInitLayer === null ? null : e.layers.find((m) => m.index === e.backendPeakInitLayer)!;
    if (init) {
      issues.push(
        issueOn(
          init,
          'error',
          `${who(init)} needs about ${formatBytes(e.backendBytes)} of TF.js's memory while its ${init.initWeight} is drawn ` +
            `(the model's weights, and ${formatBytes(init.initBytes)} for TF.js's orthogonal initializer, which takes a QR decomposition op by op at this size); ` +
            `TF.js's ${backend.name} backend can address at most ${backend.limit}. ` +
            `Set ${init.initWeight === 'embeddings' ? 'embeddingsInitializer' : init.initWeight === 'kernel' ? 'kernelInitializer' : 'recurrentInitializer'} to "glorotUniform", reduce units, or ${backend.instead}.`,
        ),
      );
    } else {
      const tensors = e.layers.reduce((a, m) => (m.tensorBytes > a.tensorBytes ? m : a));
      issues.push(
        issueOn(
          tensors,
          'error',
          `The model's TF.js tensors need about ${formatBytes(e.backendBytes)} to train ${at(e, null)} (weights, gradients and every layer's output` +
            `${tensors.kernelCalls.length === 0 && tensors.steps ? ", and every timestep's intermediate values on TF.js's recurrent path" : ''}); ` +
            `TF.js's ${backend.name} backend can address at most ${backend.limit}, and ${who(tensors)} takes ${formatBytes(tensors.tensorBytes)} of it. ${REDUCE} Or ${backend.instead}.`,
        ),
      );
    }
  }
  const machine = limits.machineBytes;
  if (machine && e.totalBytes > machine / 2) {
    const over = e.totalBytes > machine;
    issues.push(
      issueOn(
        biggest,
        over ? 'error' : 'warning',
        `The model needs about ${formatBytes(e.totalBytes)} to train ${at(e, null)} ` +
          `(weights, ${SLOT_WORDS[e.optimizer]}gradients and the activations kept for backpropagation); ` +
          `${over ? `this machine has ${formatBytes(machine)}` : `that is more than half of this machine's ${formatBytes(machine)}, so it may swap or be stopped by the system`}. ` +
          `${who(biggest)} takes ${formatBytes(biggest.total)} of it. ${REDUCE}`,
      ),
    );
  }
  return issues;
}

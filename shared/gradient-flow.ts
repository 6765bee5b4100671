/**
 * Gradient flow through time: ‖∂L/∂h_t‖, the norm over a batch of the loss gradient with respect to a recurrent
 * layer's hidden state at each input timestep t, sampled every few batches by the trainer (the fused kernels report
 * it, see main/training/kernels/fused-rnn.ts `HiddenGradientProbe`). Here: the records, a plain-language verdict per
 * layer (vanishing / exploding / healthy) with the numbers behind it, and one-click remedies as spec edits.
 * Pure and dependency-free: the worker, the service and the renderer all use it.
 */
import { isBidirectional } from './model-spec.js';
import type { LayerSpec, ModelSpec, ParamValue } from './model-spec.js';
import type { LayerInfo } from './shape-inference.js';

/** One sampled batch: for every fused recurrent layer, ‖∂L/∂h_t‖ per input timestep (index t = input order). */
export interface HiddenGradientSample {
  kind: 'hidden';
  epoch: number;
  batch: number;
  /** Batches since the run started (x axis of the heatmap). */
  step: number;
  norms: Record<string, number[]>;
}

/** Sampling: every `every` batches (counted from the run's first batch); 0 turns it off. */
export const DEFAULT_GRADIENT_FLOW_EVERY = 5;

export type FlowVerdict = 'vanishing' | 'exploding' | 'healthy';

export type FlowRemedy =
  | { kind: 'switch-cell'; layerIndex: number; inner: boolean; to: 'LSTM' | 'GRU'; label: string }
  | { kind: 'clipnorm'; value: number; label: string }
  | { kind: 'learning-rate'; value: number; label: string };

export interface LayerFlowDiagnosis {
  /** The key the kernels report: a layer name, or "<name> (forward)" / "<name> (backward)" inside Bidirectional. */
  layer: string;
  /** The recurrent class (SimpleRNN, LSTM, GRU) when known. */
  cell: string | null;
  verdict: FlowVerdict;
  /** Mean ‖∂L/∂h‖ over the earliest-processed tenth of the timesteps, and at the last-processed timestep. */
  early: number;
  last: number;
  /** early / last (median over the recent samples): ≪ 1 → vanishing, ≫ 1 → exploding. */
  ratio: number;
  /** Largest norm seen in the recent samples. */
  max: number;
  samples: number;
  message: string;
  remedies: FlowRemedy[];
}

/** Below this early/last ratio (two orders of magnitude) the early timesteps receive next to no error signal. */
export const VANISHING_RATIO = 1e-2;
/** Above this the gradient grows going back in time. */
export const EXPLODING_RATIO = 1e2;
/** A hidden-state gradient norm this large (or non-finite) is heading for a NaN loss. */
export const EXPLODING_NORM = 1e3;
/** How many of the latest samples the verdict looks at. */
const RECENT = 5;

/** The layer's timesteps in processing order: a backward layer processes input timestep T−1 first. */
function processingOrder(key: string, norms: readonly number[]): number[] {
  return key.endsWith('(backward)') ? [...norms].reverse() : [...norms];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return Math.abs(x) >= 1e-2 && Math.abs(x) < 1e3 ? x.toPrecision(3) : x.toExponential(1);
}

/** Where a kernel key points in the spec: the layer, whether it is the wrapped one, and its recurrent class. */
export function locateLayer(
  key: string,
  layers: readonly LayerInfo[],
  spec: ModelSpec | null,
): { index: number; inner: boolean; cell: string | null } | null {
  const m = /^(.*) \((forward|backward)\)$/.exec(key);
  const name = m ? m[1]! : key;
  const info = layers.find((l) => l.name === name);
  if (!info) return null;
  const layer: LayerSpec | undefined = spec?.layers[info.index];
  if (layer && isBidirectional(layer)) return { index: info.index, inner: true, cell: layer.layer.className };
  const wrapped = /^Bidirectional\((\w+)\)$/.exec(info.label);
  if (wrapped) return { index: info.index, inner: true, cell: wrapped[1]! };
  return { index: info.index, inner: false, cell: layer?.className ?? info.className };
}

/**
 * The verdict for every layer in the samples, from the latest RECENT samples. `learningRate` and `clipnorm` are the
 * run's, for the remedies.
 */
export function diagnoseGradientFlow(
  samples: readonly HiddenGradientSample[],
  ctx: {
    layers?: readonly LayerInfo[];
    spec?: ModelSpec | null;
    learningRate?: number;
    clipnorm?: number | null;
    /** The run's epoch logs so far: a loss that blows up in training only changes the exploding verdict's advice. */
    epochs?: readonly { logs: Record<string, number> }[];
  } = {},
): LayerFlowDiagnosis[] {
  const divergence = ctx.epochs ? trainingOnlyDivergence(ctx.epochs) : null;
  const keys: string[] = [];
  for (const s of samples) for (const k of Object.keys(s.norms)) if (!keys.includes(k)) keys.push(k);
  const out: LayerFlowDiagnosis[] = [];
  for (const key of keys) {
    const withKey = samples.filter((s) => s.norms[key] && s.norms[key]!.length > 0);
    const recent = withKey.slice(-RECENT);
    if (recent.length === 0) continue;
    const ratios: number[] = [];
    const earlies: number[] = [];
    const lasts: number[] = [];
    let max = 0;
    let nonFinite = false;
    for (const s of recent) {
      const seq = processingOrder(key, s.norms[key]!);
      const n = Math.max(1, Math.floor(seq.length / 10));
      const early = seq.slice(0, n).reduce((a, b) => a + b, 0) / n;
      const last = seq[seq.length - 1]!;
      for (const v of seq) {
        if (!Number.isFinite(v)) nonFinite = true;
        else max = Math.max(max, v);
      }
      earlies.push(early);
      lasts.push(last);
      ratios.push(last > 0 ? early / last : early > 0 ? Infinity : 1);
    }
    // Growth over the run: the first samples' largest norm against the latest's.
    const firstMax = Math.max(...withKey.slice(0, RECENT).flatMap((s) => s.norms[key]!.filter(Number.isFinite)));
    const growing = withKey.length > 2 * RECENT && firstMax > 0 && max > 100 * firstMax;
    const ratio = median(ratios);
    const early = median(earlies);
    const last = median(lasts);
    const where = ctx.layers ? locateLayer(key, ctx.layers, ctx.spec ?? null) : null;
    const cell = where?.cell ?? null;
    const lr = ctx.learningRate;
    const remedies: FlowRemedy[] = [];
    let verdict: FlowVerdict;
    let message: string;
    const numbers = `‖∂L/∂h‖ at the earliest timesteps ${fmt(early)} vs ${fmt(last)} at the last (ratio ${fmt(ratio)}, median of ${recent.length} sampled batch${recent.length === 1 ? '' : 'es'})`;
    const exploding = nonFinite || max > EXPLODING_NORM || ratio > EXPLODING_RATIO || growing;
    if (exploding && divergence) {
      // The gradient is large because the training-mode forward pass is: clipping the step does not bound that.
      verdict = 'exploding';
      message = `Exploding in the forward pass, not only the gradient: ${divergence.message} ${numbers}. Clipping the gradient or a lower learning rate does not stop activations that grow as the sequence runs.`;
    } else if (exploding) {
      verdict = 'exploding';
      message = `Exploding: ${nonFinite ? 'the gradient reached Inf/NaN' : growing ? `the largest norm grew from ${fmt(firstMax)} to ${fmt(max)} during training` : ratio > EXPLODING_RATIO ? 'the gradient grows going back in time' : `norms up to ${fmt(max)}`}; ${numbers}. A NaN loss is near: clip the gradient or lower the learning rate.`;
      if (ctx.clipnorm === null || ctx.clipnorm === undefined)
        remedies.push({ kind: 'clipnorm', value: 1, label: 'Add clipnorm = 1' });
      if (lr !== undefined)
        remedies.push({ kind: 'learning-rate', value: lr / 10, label: `Lower the learning rate to ${fmt(lr / 10)}` });
    } else if (ratio < VANISHING_RATIO) {
      verdict = 'vanishing';
      const orders = Math.floor(-Math.log10(Math.max(ratio, 1e-30)));
      message = `Vanishing: ${numbers} — ${orders} order${orders === 1 ? '' : 's'} of magnitude less error signal reaches the early timesteps, so the layer learns little from them: harmless when the answer lies in the recent timesteps (as in short-range forecasting), a problem when it lies early (the start of a text).`;
      if (cell === 'SimpleRNN' && where) {
        message += ' LSTM and GRU carry the signal through their gates (Chollet 6.2.2).';
        remedies.push({
          kind: 'switch-cell',
          layerIndex: where.index,
          inner: where.inner,
          to: 'LSTM',
          label: 'Switch to LSTM',
        });
        remedies.push({
          kind: 'switch-cell',
          layerIndex: where.index,
          inner: where.inner,
          to: 'GRU',
          label: 'Switch to GRU',
        });
      } else if (where?.inner === true || / \((forward|backward)\)$/.test(key)) {
        // Already Bidirectional: recommending "a bidirectional layer" here sent users looking for one they had.
        message +=
          ' This layer is already bidirectional: its other direction reads these timesteps last. Shorter sequences (a smaller lookback or length, a larger step) shorten the path.';
      } else {
        message +=
          ' Shorter sequences (a smaller lookback or length, a larger step) or a bidirectional layer shorten the path.';
      }
    } else {
      verdict = 'healthy';
      message = `Healthy: ${numbers}; the error signal reaches the early timesteps.`;
    }
    out.push({ layer: key, cell, verdict, early, last, ratio, max, samples: recent.length, message, remedies });
  }
  return out;
}

/** How far the training loss must rise above its best, with validation near its own best, to count as a blow-up. */
export const DIVERGENCE_GROWTH = 100;
export const FLAT_VALIDATION = 3;

/**
 * A training loss that grows by orders of magnitude (≥ DIVERGENCE_GROWTH × its lowest so far) while the validation
 * loss stays within FLAT_VALIDATION × its own lowest: the model is fine in inference mode and blows up in training
 * mode, so what differs between the two — dropout, above all recurrent dropout on a carried state — scales the
 * activations up step after step. Null when the epochs show no such thing (or have no validation loss).
 */
export function trainingOnlyDivergence(
  epochs: readonly { logs: Record<string, number> }[],
): { message: string } | null {
  const losses = epochs.map((e) => e.logs.loss).filter((v): v is number => v !== undefined);
  const vals = epochs.map((e) => e.logs.val_loss).filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (losses.length < 2 || vals.length < 2) return null;
  const last = losses[losses.length - 1]!;
  const best = Math.min(...losses.filter(Number.isFinite));
  const growth = Number.isFinite(last) ? last / best : Infinity;
  const valGrowth = vals[vals.length - 1]! / Math.min(...vals);
  if (!(best > 0) || growth < DIVERGENCE_GROWTH || valGrowth > FLAT_VALIDATION) return null;
  return {
    message:
      `the training loss grew from ${fmt(best)} to ${fmt(last)} while the validation loss stayed near ${fmt(Math.min(...vals))}: ` +
      'the model blows up only in training mode, so dropout (what differs between training and validation) scales the activations up step after step.',
  };
}

const CELL_PARAMS = [
  'name',
  'units',
  'activation',
  'useBias',
  'returnSequences',
  'dropout',
  'recurrentDropout',
  'kernelInitializer',
  'recurrentInitializer',
  'biasInitializer',
];

/** The spec with the remedy applied (a new object; the input is not changed). */
export function applyFlowRemedy(spec: ModelSpec, remedy: FlowRemedy): ModelSpec {
  switch (remedy.kind) {
    case 'clipnorm':
      return { ...spec, training: { ...(spec.training ?? {}), clipnorm: remedy.value } };
    case 'learning-rate':
      return { ...spec, training: { ...(spec.training ?? {}), learningRate: remedy.value } };
    case 'switch-cell': {
      const layer = spec.layers[remedy.layerIndex];
      if (!layer) return spec;
      const keep = (config: Record<string, ParamValue> | undefined) =>
        Object.fromEntries(Object.entries(config ?? {}).filter(([k]) => CELL_PARAMS.includes(k)));
      const layers = spec.layers.slice();
      if (isBidirectional(layer)) {
        if (!remedy.inner) return spec;
        layers[remedy.layerIndex] = {
          ...layer,
          layer: { ...layer.layer, className: remedy.to, config: keep(layer.layer.config) },
        };
      } else {
        // A generated name ("simple_rnn") would now be misleading: only a name the user gave is kept.
        layers[remedy.layerIndex] = { ...layer, className: remedy.to, config: keep(layer.config) };
      }
      return { ...spec, layers };
    }
    default: {
      const never: never = remedy;
      throw new Error(`unknown remedy ${JSON.stringify(never)}`);
    }
  }
}

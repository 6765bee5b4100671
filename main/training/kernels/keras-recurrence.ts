/**
 * Keras 3's recurrent cells step by step in TF.js ops (differentiated by TF.js's autodiff): the op-by-op path for a
 * layer that trains with dropout where the fused kernels cannot run it, and the reference the kernels' tests compare
 * against. TF.js's own cells differ from Keras's while training: its GRU multiplies the state it carries by the
 * recurrent-dropout mask (tfjs-layers GRUCell.call), and every TF.js cell uses one dropout mask for all gates where
 * Keras 3 draws one per gate once recurrent_dropout > 0 (its implementation 1). The formulas follow
 * keras/src/layers/rnn/{simple_rnn,lstm,gru}.py, GRU in both reset variants.
 */
import * as tf from '@tensorflow/tfjs';
import type { CellKind, DropoutMasks } from './fused-rnn.js';
import { GATES } from '../../../shared/memory-estimate.js';

/** One recurrent layer's arithmetic: its weights (TF.js/Keras layout, gates side by side) and activations. */
export interface KerasCell {
  kind: CellKind;
  units: number;
  activation: (x: tf.Tensor) => tf.Tensor;
  /** Ignored by SimpleRNN. */
  recurrentActivation: (x: tf.Tensor) => tf.Tensor;
  returnSequences: boolean;
  goBackwards: boolean;
  /** [features, G·units], [units, G·units], [G·units] (GRU resetAfter: [2, 3·units]) or null. */
  kernel: tf.Tensor;
  recurrent: tf.Tensor;
  bias: tf.Tensor | null;
  /** GRU: Keras's reset_after=True, the reset gate applied to U_h·h₋₁ + b_rh. */
  resetAfter?: boolean;
}

/** One timestep's state: h, and an LSTM's c. */
export interface CellState {
  h: tf.Tensor;
  c: tf.Tensor;
}

/** Per-step masks as tensors: input masks (one, or one per gate) and recurrent masks (one per gate), or null. */
export interface StepMasks {
  input: tf.Tensor[] | null;
  recurrent: tf.Tensor[] | null;
}

// The gate table and Keras's mask-count rule live with the kernels' memory layout, which the shape inference reads too.
export { GATES, dropoutMaskCounts } from '../../../shared/memory-estimate.js';

/** What a TF.js recurrent cell holds (its weights, activations and config): read into a KerasCell. */
export interface TfjsCellLike {
  units: number;
  kernel: { read(): tf.Tensor };
  recurrentKernel: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
  recurrentActivation?: { apply(x: tf.Tensor): tf.Tensor };
  /** keras-gru.ts's GRU cell (every GRU built or loaded here); absent on TF.js's other cells. */
  resetAfter?: boolean;
}

/** A TF.js cell's current weights and activations as Keras's cell `kind`, with the layer's direction and output mode. */
export function kerasCellOf(
  cell: TfjsCellLike,
  kind: CellKind,
  layer: { returnSequences: boolean; goBackwards: boolean },
): KerasCell {
  const recurrentActivation = cell.recurrentActivation;
  return {
    kind,
    units: cell.units,
    returnSequences: layer.returnSequences,
    goBackwards: layer.goBackwards,
    activation: (t) => cell.activation.apply(t),
    recurrentActivation: recurrentActivation ? (t) => recurrentActivation.apply(t) : (t) => t,
    kernel: cell.kernel.read(),
    recurrent: cell.recurrentKernel.read(),
    bias: cell.bias ? cell.bias.read() : null,
    resetAfter: cell.resetAfter === true,
  };
}

/**
 * The layer over x [batch, steps, features]: [batch, units], or [batch, steps, units] in processing order with
 * returnSequences (as TF.js and Keras return a layer that goes backwards). `masks`: this call's dropout masks
 * (fused-rnn.ts DropoutMasks); `stepMask` [batch, steps]: where it is 0 the state and the output carry over.
 */
export function kerasRecurrence(
  x: tf.Tensor,
  cell: KerasCell,
  masks?: DropoutMasks,
  stepMask?: tf.Tensor | null,
): tf.Tensor {
  const [B, T, D] = x.shape as [number, number, number];
  const U = cell.units;
  const step = kerasCellStep(cell);
  const m: StepMasks = {
    input: masks?.input?.map((v) => tf.tensor2d(v, [B, D])) ?? null,
    recurrent: masks?.recurrent?.map((v) => tf.tensor2d(v, [B, U])) ?? null,
  };
  const keep = stepMask ? tf.cast(tf.cast(stepMask, 'bool'), 'float32') : null;
  let state: CellState = { h: tf.zeros([B, U]), c: tf.zeros([B, U]) };
  const outputs: tf.Tensor[] = [];
  for (let s = 0; s < T; s++) {
    const t = cell.goBackwards ? T - 1 - s : s;
    let next = step(x.slice([0, t, 0], [B, 1, D]).reshape([B, D]), state, m);
    if (keep) {
      const k = keep.slice([0, t], [B, 1]);
      const carry = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(k, a), tf.mul(tf.sub(1, k), b));
      next = { h: carry(next.h, state.h), c: carry(next.c, state.c) };
    }
    state = next;
    if (cell.returnSequences) outputs.push(state.h);
  }
  return cell.returnSequences ? tf.stack(outputs, 1) : state.h;
}

/**
 * One timestep of Keras's cell: (x_t [batch, features], the state before, this sequence's masks) → the state after.
 * The weights are sliced once, here.
 */
export function kerasCellStep(cell: KerasCell): (xt: tf.Tensor, state: CellState, masks: StepMasks) => CellState {
  const U = cell.units,
    G = GATES[cell.kind];
  const { activation: act, recurrentActivation: recAct } = cell;
  const gate = <R extends tf.Rank>(w: tf.Tensor<R>, g: number): tf.Tensor<R> =>
    (w.rank === 1 ? w.slice([g * U], [U]) : w.slice([0, g * U], [w.shape[0]!, U])) as tf.Tensor<R>;
  const W = Array.from({ length: G }, (_, g) => gate(cell.kernel as tf.Tensor2D, g));
  const R = Array.from({ length: G }, (_, g) => gate(cell.recurrent as tf.Tensor2D, g));
  const resetAfter = cell.kind === 'GRU' && cell.resetAfter === true;
  // reset_after keeps an input bias row and a recurrent bias row.
  const inputBias = cell.bias ? (resetAfter ? cell.bias.slice([0, 0], [1, G * U]).reshape([G * U]) : cell.bias) : null;
  const recurrentBias = cell.bias && resetAfter ? cell.bias.slice([1, 0], [1, G * U]).reshape([G * U]) : null;
  const b = inputBias ? Array.from({ length: G }, (_, g) => gate(inputBias as tf.Tensor1D, g)) : null;
  const rb = recurrentBias ? Array.from({ length: G }, (_, g) => gate(recurrentBias as tf.Tensor1D, g)) : null;
  return (xt, { h, c }, masks) => {
    const inM = masks.input,
      recM = masks.recurrent;
    // x ⊙ (its mask for gate g) · W_g + b_g, and h₋₁ ⊙ (its mask for gate g) · R_g (+ the recurrent bias).
    const inputPart = (g: number) => {
      const xg = inM ? tf.mul(xt, inM[inM.length === 1 ? 0 : g]!) : xt;
      const p = tf.matMul(xg, W[g]!);
      return b ? tf.add(p, b[g]!) : p;
    };
    const seen = (g: number) => (recM ? tf.mul(h, recM[g]!) : h);
    const recurrentPart = (g: number) => {
      const p = tf.matMul(seen(g), R[g]!);
      return rb ? tf.add(p, rb[g]!) : p;
    };
    const pre = (g: number) => tf.add(inputPart(g), recurrentPart(g));
    if (cell.kind === 'SimpleRNN') return { h: act(pre(0)), c };
    if (cell.kind === 'LSTM') {
      const i = recAct(pre(0)),
        f = recAct(pre(1)),
        g = act(pre(2)),
        o = recAct(pre(3));
      const cNew = tf.add(tf.mul(f, c), tf.mul(i, g));
      return { h: tf.mul(o, act(cNew)), c: cNew };
    }
    const z = recAct(pre(0)),
      r = recAct(pre(1));
    const candidate = resetAfter ? tf.mul(r, recurrentPart(2)) : tf.matMul(tf.mul(r, seen(2)), R[2]!);
    const hh = act(tf.add(inputPart(2), candidate));
    // The carry uses the unmasked state (Keras), not the masked one (TF.js).
    return { h: tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh)), c };
  };
}

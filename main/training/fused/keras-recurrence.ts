/**
 * Keras 3's recurrent cells step by step in TF.js ops (differentiated by TF.js's autodiff): the op-by-op path for a
 * layer that trains with dropout where the fused kernels cannot run it, and the reference the kernels' tests compare
 * against. TF.js's own cells differ from Keras's while training: its GRU multiplies the state it carries by the
 * recurrent-dropout mask (tfjs-layers GRUCell.call), and every TF.js cell uses one dropout mask for all gates where
 * Keras 3 draws one per gate once recurrent_dropout > 0 (its implementation 1). The formulas follow
 * keras/src/layers/rnn/{simple_rnn,lstm,gru}.py (GRU with reset_after=False).
 */
import * as tf from '@tensorflow/tfjs';
import type { CellKind, DropoutMasks } from './fused-rnn.js';

/** One recurrent layer's arithmetic: its weights (TF.js/Keras layout, gates side by side) and activations. */
export interface KerasCell {
  kind: CellKind;
  units: number;
  activation: (x: tf.Tensor) => tf.Tensor;
  /** Ignored by SimpleRNN. */
  recurrentActivation: (x: tf.Tensor) => tf.Tensor;
  returnSequences: boolean;
  goBackwards: boolean;
  /** [features, G·units], [units, G·units], [G·units] or null. */
  kernel: tf.Tensor; recurrent: tf.Tensor; bias: tf.Tensor | null;
}

const GATES: Record<CellKind, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

/**
 * The layer over x [batch, steps, features]: [batch, units], or [batch, steps, units] in processing order with
 * returnSequences (as TF.js and Keras return a layer that goes backwards). `masks`: this call's dropout masks
 * (fused-rnn.ts DropoutMasks); `stepMask` [batch, steps]: where it is 0 the state and the output carry over.
 */
export function kerasRecurrence(x: tf.Tensor, cell: KerasCell, masks?: DropoutMasks, stepMask?: tf.Tensor | null): tf.Tensor {
  const [B, T, D] = x.shape as [number, number, number];
  const U = cell.units, G = GATES[cell.kind];
  const { activation: act, recurrentActivation: recAct } = cell;
  const gate = <R extends tf.Rank>(w: tf.Tensor<R>, g: number): tf.Tensor<R> =>
    (w.rank === 1 ? w.slice([g * U], [U]) : w.slice([0, g * U], [w.shape[0]!, U])) as tf.Tensor<R>;
  const W = Array.from({ length: G }, (_, g) => gate(cell.kernel as tf.Tensor2D, g));
  const R = Array.from({ length: G }, (_, g) => gate(cell.recurrent as tf.Tensor2D, g));
  const b = cell.bias ? Array.from({ length: G }, (_, g) => gate(cell.bias as tf.Tensor1D, g)) : null;
  const inM = masks?.input?.map((m) => tf.tensor2d(m, [B, D])) ?? null;
  const recM = masks?.recurrent?.map((m) => tf.tensor2d(m, [B, U])) ?? null;
  const keep = stepMask ? tf.cast(tf.cast(stepMask, 'bool'), 'float32') : null;

  let h: tf.Tensor = tf.zeros([B, U]);
  let c: tf.Tensor = tf.zeros([B, U]);
  const outputs: tf.Tensor[] = [];
  for (let s = 0; s < T; s++) {
    const t = cell.goBackwards ? T - 1 - s : s;
    const xt = x.slice([0, t, 0], [B, 1, D]).reshape([B, D]);
    // x ⊙ (its mask for gate g) · W_g + b_g, and h₋₁ ⊙ (its mask for gate g) · R_g.
    const inputPart = (g: number) => {
      const xg = inM ? tf.mul(xt, inM[inM.length === 1 ? 0 : g]!) : xt;
      const p = tf.matMul(xg, W[g]!);
      return b ? tf.add(p, b[g]!) : p;
    };
    const seen = (g: number) => (recM ? tf.mul(h, recM[g]!) : h);
    const pre = (g: number) => tf.add(inputPart(g), tf.matMul(seen(g), R[g]!));
    let hNew: tf.Tensor;
    let cNew = c;
    if (cell.kind === 'SimpleRNN') {
      hNew = act(pre(0));
    } else if (cell.kind === 'LSTM') {
      const i = recAct(pre(0)), f = recAct(pre(1)), g = act(pre(2)), o = recAct(pre(3));
      cNew = tf.add(tf.mul(f, c), tf.mul(i, g));
      hNew = tf.mul(o, act(cNew));
    } else {
      const z = recAct(pre(0)), r = recAct(pre(1));
      const hh = act(tf.add(inputPart(2), tf.matMul(tf.mul(r, seen(2)), R[2]!)));
      // The carry uses the unmasked state (Keras), not the masked one (TF.js).
      hNew = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    }
    if (keep) {
      const k = keep.slice([0, t], [B, 1]);
      hNew = tf.add(tf.mul(k, hNew), tf.mul(tf.sub(1, k), h));
      cNew = tf.add(tf.mul(k, cNew), tf.mul(tf.sub(1, k), c));
    }
    h = hNew;
    c = cNew;
    if (cell.returnSequences) outputs.push(h);
  }
  return cell.returnSequences ? tf.stack(outputs, 1) : h;
}

/**
 * TF.js's orthogonal initializer — the recurrent kernels' default, as in Keras — with its QR done in float64 in
 * JavaScript (shared/orthogonal.ts) instead of op by op on the backend. On the WebAssembly backend TF.js's took 2.7 s
 * for LSTM(256)'s recurrent kernel (256 × 1024), 11.9 s for GRU(512)'s and 18.0 s for LSTM(512)'s (512 × 2048),
 * before the first batch and twice for a Bidirectional layer (2026-12-07); this takes well under a second for those.
 * Same draws (tf.randomNormal with the initializer's seed, in TF.js's order), same Q up to rounding (the QR with a
 * positive diagonal is unique), same class name and config, so saved models and exports are unchanged. Matrices past
 * FAST_ORTHOGONAL_MAX_ELEMENTS keep TF.js's own path. Registered under TF.js's class name when imported (build-model.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { FAST_ORTHOGONAL_MAX_ELEMENTS, orthogonalValues } from '../../shared/orthogonal.js';

interface OrthogonalLike {
  gain: number;
  seed?: number;
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor;
}
type OrthogonalClass = (new (args: { gain?: number; seed?: number }) => OrthogonalLike) & { className: string };

const TfOrthogonal = tf.initializers.orthogonal({}).constructor as OrthogonalClass;

export class Orthogonal extends TfOrthogonal {
  static override className = 'Orthogonal';

  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    const elements = shape.reduce((a, b) => a * b, 1);
    if (shape.length < 2 || (dtype !== undefined && dtype !== 'float32') || elements > FAST_ORTHOGONAL_MAX_ELEMENTS)
      return super.apply(shape, dtype);
    const cols = shape[shape.length - 1]!;
    const rows = elements / cols;
    const draws = tf.randomNormal([Math.max(rows, cols), Math.min(rows, cols)], 0, 1, 'float32', this.seed);
    const values = draws.dataSync();
    draws.dispose();
    return tf.tensor(orthogonalValues(values, shape, this.gain), shape, 'float32');
  }
}

tf.serialization.registerClass(
  Orthogonal as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/**
 * SampleSources: the bridge from plain typed arrays (the data layer's output) to batches of tensors.
 * Only the rows of one batch are copied at a time.
 */
import * as tf from '@tensorflow/tfjs';
import type { SampleSource } from './trainer.js';

/** Samples stored row-major in one typed array: token ids (int32) or float features. */
export class ArraySource implements SampleSource {
  readonly count: number;
  private readonly rowSize: number;

  /**
   * @param x        count × prod(sampleShape) values
   * @param sampleShape shape of one sample, e.g. [length] or [timesteps, features]
   * @param y        one target per sample (class id or value)
   * @param yAsColumn true → ys is [b, 1] (one sigmoid/linear unit); false → [b] class ids for softmax
   * @param rows     optional subset of the rows of x/y (a split), in order
   */
  constructor(
    private readonly x: Int32Array | Float32Array,
    private readonly sampleShape: number[],
    private readonly y: Float32Array | Int32Array,
    private readonly yAsColumn: boolean,
    private readonly rows: Int32Array | null = null,
  ) {
    this.rowSize = sampleShape.reduce((a, b) => a * b, 1);
    this.count = rows ? rows.length : y.length;
    if (!rows && x.length !== this.count * this.rowSize) {
      throw new Error(`x holds ${x.length} values, expected ${this.count} samples × ${this.rowSize}.`);
    }
  }

  /** A source over a subset of this one's samples (indices into this source). */
  subset(indices: Int32Array): ArraySource {
    const rows = this.rows ? indices.map((i) => this.rows![i]!) : indices;
    return new ArraySource(this.x, this.sampleShape, this.y, this.yAsColumn, rows);
  }

  batch(indices: Int32Array): { xs: tf.Tensor; ys: tf.Tensor } {
    const n = indices.length;
    const xb = this.x instanceof Int32Array ? new Int32Array(n * this.rowSize) : new Float32Array(n * this.rowSize);
    const yb = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = this.rows ? this.rows[indices[i]!]! : indices[i]!;
      xb.set(this.x.subarray(r * this.rowSize, (r + 1) * this.rowSize), i * this.rowSize);
      yb[i] = this.y[r]!;
    }
    return {
      xs: tf.tensor(xb, [n, ...this.sampleShape], this.x instanceof Int32Array ? 'int32' : 'float32'),
      ys: this.yAsColumn ? tf.tensor2d(yb, [n, 1]) : tf.tensor1d(yb),
    };
  }
}

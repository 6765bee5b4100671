/**
 * The orthogonal initializer's QR, in float64: what the recurrent kernels' default initializer (Keras's and TF.js's
 * `orthogonal`) needs, without TF.js's op-by-op decomposition. Pure; main/training/orthogonal.ts applies it.
 */

/**
 * Matrices up to this many weights take the float64 path (main/training/orthogonal.ts); larger ones keep TF.js's own
 * decomposition, whose memory the estimate models (orthogonalInitBytes) and which refuses what cannot fit. At the
 * limit (1024 × 4096, a GRU or LSTM of 1,024–1,365 units) the float64 path does about 9 GFLOP, seconds in JavaScript.
 */
export const FAST_ORTHOGONAL_MAX_ELEMENTS = 4 * 2 ** 20;

/**
 * Q of A = Q·R with R's diagonal positive — unique for a matrix of full column rank, so equal, up to rounding, to the
 * Householder Q that TF.js multiplies by sign(diag(R)). A is [rows × cols] row-major with rows ≥ cols; Q comes back
 * column-major (column j at j·rows). Modified Gram–Schmidt: each column has the earlier ones taken out one at a time,
 * then is scaled to unit length; in float64 its loss of orthogonality (about κ(A)·1e-16) is far below float32's
 * rounding for the random matrices it is given.
 */
export function orthonormalColumns(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (rows < cols) throw new RangeError(`orthonormalColumns: rows (${rows}) must be at least cols (${cols})`);
  const q = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) q[j * rows + i] = a[i * cols + j]!;
  for (let j = 0; j < cols; j++) {
    const v = j * rows;
    for (let p = 0; p < j; p++) {
      const u = p * rows;
      let r = 0;
      for (let i = 0; i < rows; i++) r += q[u + i]! * q[v + i]!;
      for (let i = 0; i < rows; i++) q[v + i] = q[v + i]! - r * q[u + i]!;
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += q[v + i]! * q[v + i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) q[v + i] = q[v + i]! / norm;
  }
  return q;
}

/**
 * The initializer's values for a weight of `shape`, from its normal draws `draws` ([max, min] row-major, as TF.js
 * draws them): Q, transposed when the weight has fewer rows than columns, times `gain`, as float32 in `shape`'s
 * row-major order.
 */
export function orthogonalValues(draws: ArrayLike<number>, shape: readonly number[], gain: number): Float32Array {
  const cols = shape[shape.length - 1]!;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const big = Math.max(rows, cols),
    small = Math.min(rows, cols);
  const q = orthonormalColumns(draws, big, small);
  const out = new Float32Array(rows * cols);
  if (rows >= cols) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * q[j * rows + i]!;
  } else {
    // Qᵀ: the weight's row i is Q's column i.
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * q[i * cols + j]!;
  }
  return out;
}

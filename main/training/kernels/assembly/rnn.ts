// Fused recurrent-layer kernels (AssemblyScript → WebAssembly SIMD), driven by ../fused-rnn.ts.
//
// Why this exists: TF.js runs a recurrent layer op by op, a dozen tiny ops per timestep forwards and three dozen
// backwards, each with its own dispatch and allocation; at LSTM(32) × 500 steps that is ~20× slower than Keras
// (bench/results). Here a whole sequence is a handful of calls: the input projection of every timestep is one
// matrix multiply, the timestep loop runs small multiplies plus one fused elementwise pass per step, and the
// backward pass keeps the gates it needs from the forward pass instead of recomputing them.
//
// Memory is owned by the caller: every pointer is a byte offset into this module's memory, laid out by the
// TypeScript side; strides (ld*) count float32 elements and may be negative (time-reversed layers).
// Activations are passed as codes (ACT_* below, mirrored in ../fused-rnn.ts).

const ACT_LINEAR: i32 = 0;
const ACT_TANH: i32 = 1;
const ACT_SIGMOID: i32 = 2;
const ACT_HARD_SIGMOID: i32 = 3;
const ACT_RELU: i32 = 4;

export function heapBase(): usize {
  return __heap_base;
}

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>(index << 2));
}

/** a·b + c, fused where the relaxed-SIMD build allows (one rounding instead of two: within float32 tolerance). */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// ---------------------------------------------------------------------------------------------------------------
// Elementwise math. tanh is a rational function, x·P(x²)/Q(x²) with P of degree 6 and Q of degree 3 in x², on x
// clamped to ±7.905 (beyond it tanh rounds to ±1 within 4e-7): the approximation Eigen, and so TensorFlow's own
// LSTM, uses for float32. Largest error over [−10, 10], measured in float32: 3.9e-7 for tanh, 1.9e-7 for
// sigmoid(x) = ½ + ½·tanh(x/2). It replaced an exp-based form (Cephes expf, 1 − 2/(e^{2x} + 1)): about a third
// fewer vector operations per value.
const TANH_CONSTANTS: StaticArray<f32> = [-7.90531110763549805, 7.90531110763549805,
  4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05, 5.12229709037114e-08, -8.60467152213735e-11,
  2.00018790482477e-13, -2.76076847742355e-16,
  4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06, 0.5];

/** tanh(x) for x already clamped to ±7.905; the coefficients are TANH_CONSTANTS[2..13), passed in registers. */
@inline function tanhClamped(x: v128, a1: v128, a3: v128, a5: v128, a7: v128, a9: v128, a11: v128, a13: v128,
  b0: v128, b2: v128, b4: v128, b6: v128): v128 {
  const x2 = f32x4.mul(x, x);
  let p = madd(x2, a13, a11);
  p = madd(p, x2, a9);
  p = madd(p, x2, a7);
  p = madd(p, x2, a5);
  p = madd(p, x2, a3);
  p = madd(p, x2, a1);
  let q = madd(x2, b6, b4);
  q = madd(q, x2, b2);
  q = madd(q, x2, b0);
  return f32x4.div(f32x4.mul(p, x), q);
}

/** tanh (isTanh) or sigmoid of one vector, constants loaded here (the row kernels below hoist them instead). */
@inline function squashV(v: v128, isTanh: bool): v128 {
  const kp = changetype<usize>(TANH_CONSTANTS);
  const half = v128.load32_splat(kp, 52);
  const x = f32x4.pmin(f32x4.pmax(isTanh ? v : f32x4.mul(v, half), v128.load32_splat(kp)), v128.load32_splat(kp, 4));
  const t = tanhClamped(x, v128.load32_splat(kp, 8), v128.load32_splat(kp, 12), v128.load32_splat(kp, 16), v128.load32_splat(kp, 20),
    v128.load32_splat(kp, 24), v128.load32_splat(kp, 28), v128.load32_splat(kp, 32),
    v128.load32_splat(kp, 36), v128.load32_splat(kp, 40), v128.load32_splat(kp, 44), v128.load32_splat(kp, 48));
  return isTanh ? t : madd(t, half, half);
}

@inline function actV(x: v128, code: i32): v128 {
  if (code == ACT_TANH) return squashV(x, true);
  if (code == ACT_SIGMOID) return squashV(x, false);
  if (code == ACT_HARD_SIGMOID) {
    // TF.js: clip(0.2 x + 0.5, 0, 1).
    const y = f32x4.add(f32x4.mul(x, f32x4.splat(0.2)), f32x4.splat(0.5));
    return f32x4.pmin(f32x4.pmax(y, f32x4.splat(0.0)), f32x4.splat(1.0));
  }
  if (code == ACT_RELU) return f32x4.pmax(x, f32x4.splat(0.0));
  return x;
}

/** The activation's derivative written in terms of its output y (all supported activations allow it). */
@inline function dActV(y: v128, code: i32): v128 {
  if (code == ACT_TANH) return f32x4.sub(f32x4.splat(1.0), f32x4.mul(y, y));
  if (code == ACT_SIGMOID) return f32x4.mul(y, f32x4.sub(f32x4.splat(1.0), y));
  if (code == ACT_HARD_SIGMOID) {
    const inside = v128.and(f32x4.gt(y, f32x4.splat(0.0)), f32x4.lt(y, f32x4.splat(1.0)));
    return v128.and(inside, f32x4.splat(0.2));
  }
  if (code == ACT_RELU) return v128.and(f32x4.gt(y, f32x4.splat(0.0)), f32x4.splat(1.0));
  return f32x4.splat(1.0);
}

@inline function actS(x: f32, code: i32): f32 {
  return f32x4.extract_lane(actV(f32x4.splat(x), code), 0);
}

@inline function dActS(y: f32, code: i32): f32 {
  return f32x4.extract_lane(dActV(f32x4.splat(y), code), 0);
}

/**
 * In place, for each of `rows` rows of n values, ld apart: tanh (isTanh) or sigmoid. The constants are loaded
 * once per call into locals: written as splats inside the loop, the engine rebuilt every one of them per vector
 * (measured ~22 % slower).
 */
function squash(base: usize, rows: i32, n: i32, ld: i32, isTanh: bool): void {
  const kp = changetype<usize>(TANH_CONSTANTS);
  const lo = v128.load32_splat(kp), hi = v128.load32_splat(kp, 4);
  const a1 = v128.load32_splat(kp, 8), a3 = v128.load32_splat(kp, 12), a5 = v128.load32_splat(kp, 16), a7 = v128.load32_splat(kp, 20);
  const a9 = v128.load32_splat(kp, 24), a11 = v128.load32_splat(kp, 28), a13 = v128.load32_splat(kp, 32);
  const b0 = v128.load32_splat(kp, 36), b2 = v128.load32_splat(kp, 40), b4 = v128.load32_splat(kp, 44), b6 = v128.load32_splat(kp, 48);
  const half = v128.load32_splat(kp, 52);
  for (let row = 0; row < rows; row++) {
    const p = at(base, row * ld);
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const v = v128.load(at(p, k));
      // pmin/pmax (one instruction each) rather than min/max (several, for IEEE −0 ordering); NaN still propagates.
      const x = f32x4.pmin(f32x4.pmax(isTanh ? v : f32x4.mul(v, half), lo), hi);
      const t = tanhClamped(x, a1, a3, a5, a7, a9, a11, a13, b0, b2, b4, b6);
      v128.store(at(p, k), isTanh ? t : madd(t, half, half));
    }
    for (; k < n; k++) store<f32>(at(p, k), actS(load<f32>(at(p, k)), isTanh ? ACT_TANH : ACT_SIGMOID));
  }
}

/** In place, for each of `rows` rows of n values, ld apart: act. */
function activate(p: usize, rows: i32, n: i32, ld: i32, code: i32): void {
  // Constant codes let the inlined loop lose its per-element dispatch (the activation is loop-invariant).
  if (code == ACT_TANH) squash(p, rows, n, ld, true);
  else if (code == ACT_SIGMOID) squash(p, rows, n, ld, false);
  else if (code != ACT_LINEAR) activateWith(p, rows, n, ld, code);
}

@inline function activateWith(p0: usize, rows: i32, n: i32, ld: i32, code: i32): void {
  for (let row = 0; row < rows; row++) {
    const p = at(p0, row * ld);
    let k = 0;
    for (; k + 4 <= n; k += 4) v128.store(at(p, k), actV(v128.load(at(p, k)), code));
    for (; k < n; k++) store<f32>(at(p, k), actS(load<f32>(at(p, k)), code));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Matrix multiplies. Row-major, strides in elements.

/**
 * C[m×n] = (accumulate ? C : bias row, or 0 when bias is 0) + A[m×k] · B[k×n]. Register tile: 4 rows × 8 columns.
 * Starting from the bias in registers saves writing and re-reading C for the input projection.
 */
export function gemm(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, bias: usize = 0): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = at(a, i * lda), a1 = at(a, (i + 1) * lda), a2 = at(a, (i + 2) * lda), a3 = at(a, (i + 3) * lda);
    const c0 = at(c, i * ldc), c1 = at(c, (i + 1) * ldc), c2 = at(c, (i + 2) * ldc), c3 = at(c, (i + 3) * ldc);
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      if (!accumulate && bias) {
        s00 = v128.load(at(bias, j)); s01 = v128.load(at(bias, j + 4));
        s10 = s00; s11 = s01; s20 = s00; s21 = s01; s30 = s00; s31 = s01;
      } else if (accumulate) {
        s00 = v128.load(at(c0, j)); s01 = v128.load(at(c0, j + 4));
        s10 = v128.load(at(c1, j)); s11 = v128.load(at(c1, j + 4));
        s20 = v128.load(at(c2, j)); s21 = v128.load(at(c2, j + 4));
        s30 = v128.load(at(c3, j)); s31 = v128.load(at(c3, j + 4));
      }
      let bp = at(b, j);
      const bStep = <usize>(ldb << 2);
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        const x0 = f32x4.splat(load<f32>(at(a0, p)));
        const x1 = f32x4.splat(load<f32>(at(a1, p)));
        const x2 = f32x4.splat(load<f32>(at(a2, p)));
        const x3 = f32x4.splat(load<f32>(at(a3, p)));
        s00 = madd(x0, b0, s00); s01 = madd(x0, b1, s01);
        s10 = madd(x1, b0, s10); s11 = madd(x1, b1, s11);
        s20 = madd(x2, b0, s20); s21 = madd(x2, b1, s21);
        s30 = madd(x3, b0, s30); s31 = madd(x3, b1, s31);
        bp += bStep;
      }
      v128.store(at(c0, j), s00); v128.store(at(c0, j + 4), s01);
      v128.store(at(c1, j), s10); v128.store(at(c1, j + 4), s11);
      v128.store(at(c2, j), s20); v128.store(at(c2, j + 4), s21);
      v128.store(at(c3, j), s30); v128.store(at(c3, j + 4), s31);
    }
    for (; j + 4 <= n; j += 4) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      if (!accumulate && bias) {
        s0 = v128.load(at(bias, j)); s1 = s0; s2 = s0; s3 = s0;
      } else if (accumulate) {
        s0 = v128.load(at(c0, j)); s1 = v128.load(at(c1, j)); s2 = v128.load(at(c2, j)); s3 = v128.load(at(c3, j));
      }
      for (let p = 0; p < k; p++) {
        const bv = v128.load(at(b, p * ldb + j));
        s0 = madd(f32x4.splat(load<f32>(at(a0, p))), bv, s0);
        s1 = madd(f32x4.splat(load<f32>(at(a1, p))), bv, s1);
        s2 = madd(f32x4.splat(load<f32>(at(a2, p))), bv, s2);
        s3 = madd(f32x4.splat(load<f32>(at(a3, p))), bv, s3);
      }
      v128.store(at(c0, j), s0); v128.store(at(c1, j), s1); v128.store(at(c2, j), s2); v128.store(at(c3, j), s3);
    }
    for (; j < n; j++) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      if (!accumulate && bias) {
        s0 = load<f32>(at(bias, j)); s1 = s0; s2 = s0; s3 = s0;
      } else if (accumulate) {
        s0 = load<f32>(at(c0, j)); s1 = load<f32>(at(c1, j)); s2 = load<f32>(at(c2, j)); s3 = load<f32>(at(c3, j));
      }
      for (let p = 0; p < k; p++) {
        const bv = load<f32>(at(b, p * ldb + j));
        s0 += load<f32>(at(a0, p)) * bv; s1 += load<f32>(at(a1, p)) * bv;
        s2 += load<f32>(at(a2, p)) * bv; s3 += load<f32>(at(a3, p)) * bv;
      }
      store<f32>(at(c0, j), s0); store<f32>(at(c1, j), s1); store<f32>(at(c2, j), s2); store<f32>(at(c3, j), s3);
    }
  }
  for (; i < m; i++) {
    const ai = at(a, i * lda), ci = at(c, i * ldc);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let s = accumulate ? v128.load(at(ci, j)) : bias ? v128.load(at(bias, j)) : f32x4.splat(0);
      for (let p = 0; p < k; p++) s = madd(f32x4.splat(load<f32>(at(ai, p))), v128.load(at(b, p * ldb + j)), s);
      v128.store(at(ci, j), s);
    }
    for (; j < n; j++) {
      let s: f32 = accumulate ? load<f32>(at(ci, j)) : bias ? load<f32>(at(bias, j)) : 0;
      for (let p = 0; p < k; p++) s += load<f32>(at(ai, p)) * load<f32>(at(b, p * ldb + j));
      store<f32>(at(ci, j), s);
    }
  }
}

/**
 * C[m×n] += Σ_r A[r, 0..m)ᵀ ⊗ B[r, 0..n) over `rows` rows: the weight gradients (Xᵀ·dZ, Hᵀ·dZ). Same register
 * tile as gemm (4 × 8 outputs held across a panel of rows), so C is read and written once per tile and panel.
 */
export function gemmTN(rows: i32, m: i32, n: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  // Row panels small enough for their slices of A and B to stay in cache while every C tile sweeps them.
  const PANEL = 64;
  for (let r = 0; r < rows; r += PANEL) {
    gemmTNPanel(min(PANEL, rows - r), m, n, at(a, r * lda), lda, at(b, r * ldb), ldb, c, ldc);
  }
}

function gemmTNPanel(rows: i32, m: i32, n: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  const aStep = <usize>(lda << 2), bStep = <usize>(ldb << 2);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = at(c, i * ldc), c1 = at(c, (i + 1) * ldc), c2 = at(c, (i + 2) * ldc), c3 = at(c, (i + 3) * ldc);
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let s00 = v128.load(at(c0, j)), s01 = v128.load(at(c0, j + 4));
      let s10 = v128.load(at(c1, j)), s11 = v128.load(at(c1, j + 4));
      let s20 = v128.load(at(c2, j)), s21 = v128.load(at(c2, j + 4));
      let s30 = v128.load(at(c3, j)), s31 = v128.load(at(c3, j + 4));
      let ap = at(a, i), bp = at(b, j);
      for (let r = 0; r < rows; r++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        const x0 = f32x4.splat(load<f32>(ap)), x1 = f32x4.splat(load<f32>(ap, 4));
        const x2 = f32x4.splat(load<f32>(ap, 8)), x3 = f32x4.splat(load<f32>(ap, 12));
        s00 = madd(x0, b0, s00); s01 = madd(x0, b1, s01);
        s10 = madd(x1, b0, s10); s11 = madd(x1, b1, s11);
        s20 = madd(x2, b0, s20); s21 = madd(x2, b1, s21);
        s30 = madd(x3, b0, s30); s31 = madd(x3, b1, s31);
        ap += aStep; bp += bStep;
      }
      v128.store(at(c0, j), s00); v128.store(at(c0, j + 4), s01);
      v128.store(at(c1, j), s10); v128.store(at(c1, j + 4), s11);
      v128.store(at(c2, j), s20); v128.store(at(c2, j + 4), s21);
      v128.store(at(c3, j), s30); v128.store(at(c3, j + 4), s31);
    }
    for (; j + 4 <= n; j += 4) {
      let s0 = v128.load(at(c0, j)), s1 = v128.load(at(c1, j)), s2 = v128.load(at(c2, j)), s3 = v128.load(at(c3, j));
      let ap = at(a, i), bp = at(b, j);
      for (let r = 0; r < rows; r++) {
        const bv = v128.load(bp);
        s0 = madd(f32x4.splat(load<f32>(ap)), bv, s0); s1 = madd(f32x4.splat(load<f32>(ap, 4)), bv, s1);
        s2 = madd(f32x4.splat(load<f32>(ap, 8)), bv, s2); s3 = madd(f32x4.splat(load<f32>(ap, 12)), bv, s3);
        ap += aStep; bp += bStep;
      }
      v128.store(at(c0, j), s0); v128.store(at(c1, j), s1); v128.store(at(c2, j), s2); v128.store(at(c3, j), s3);
    }
    for (; j < n; j++) {
      let s0 = load<f32>(at(c0, j)), s1 = load<f32>(at(c1, j)), s2 = load<f32>(at(c2, j)), s3 = load<f32>(at(c3, j));
      let ap = at(a, i), bp = at(b, j);
      for (let r = 0; r < rows; r++) {
        const bv = load<f32>(bp);
        s0 += load<f32>(ap) * bv; s1 += load<f32>(ap, 4) * bv; s2 += load<f32>(ap, 8) * bv; s3 += load<f32>(ap, 12) * bv;
        ap += aStep; bp += bStep;
      }
      store<f32>(at(c0, j), s0); store<f32>(at(c1, j), s1); store<f32>(at(c2, j), s2); store<f32>(at(c3, j), s3);
    }
  }
  for (; i < m; i++) {
    const ci = at(c, i * ldc);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let s = v128.load(at(ci, j));
      let ap = at(a, i), bp = at(b, j);
      for (let r = 0; r < rows; r++) {
        s = madd(f32x4.splat(load<f32>(ap)), v128.load(bp), s);
        ap += aStep; bp += bStep;
      }
      v128.store(at(ci, j), s);
    }
    for (; j < n; j++) {
      let s = load<f32>(at(ci, j));
      let ap = at(a, i), bp = at(b, j);
      for (let r = 0; r < rows; r++) {
        s += load<f32>(ap) * load<f32>(bp);
        ap += aStep; bp += bStep;
      }
      store<f32>(at(ci, j), s);
    }
  }
}

function sumSquares(p: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(at(p, k));
    acc = madd(v, v, acc);
  }
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; k < n; k++) s += load<f32>(at(p, k)) * load<f32>(at(p, k));
  return s;
}

/** out[0..n) = Σ_r z[r, 0..n): the bias gradient. */
export function columnSums(rows: i32, n: i32, z: usize, ldz: i32, out: usize): void {
  memory.fill(out, 0, <usize>(n << 2));
  for (let r = 0; r < rows; r++) {
    const zr = at(z, r * ldz);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(at(out, j), f32x4.add(v128.load(at(out, j)), v128.load(at(zr, j))));
    for (; j < n; j++) store<f32>(at(out, j), load<f32>(at(out, j)) + load<f32>(at(zr, j)));
  }
}

/** dst[c×r] = src[r×c]ᵀ. */
export function transpose(rows: i32, cols: i32, src: usize, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(at(dst, c * rows + r), load<f32>(at(src, r * cols + c)));
  }
}

/** dst[r] += src[r] for `rows` rows of n. */
export function addRows(rows: i32, n: i32, src: usize, lds: i32, dst: usize, ldd: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = at(src, r * lds), d = at(dst, r * ldd);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(at(d, j), f32x4.add(v128.load(at(d, j)), v128.load(at(s, j))));
    for (; j < n; j++) store<f32>(at(d, j), load<f32>(at(d, j)) + load<f32>(at(s, j)));
  }
}

/** x[r] ⊙= mask[r] for `rows` rows of n (ldm = 0: one mask row for all rows). */
export function scaleRows(rows: i32, n: i32, x: usize, ldx: i32, mask: usize, ldm: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * ldx), mr = at(mask, r * ldm);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(at(xr, j), f32x4.mul(v128.load(at(xr, j)), v128.load(at(mr, j))));
    for (; j < n; j++) store<f32>(at(xr, j), load<f32>(at(xr, j)) * load<f32>(at(mr, j)));
  }
}

/**
 * Zeroes every value of p[0..n) below FLUSH_BELOW in magnitude. The gradient a recurrent layer sends back through time
 * shrinks step after step (vanishing gradients) into float32's subnormal range, where x86 cores take a microcode
 * assist per operation: WebAssembly cannot set the flush-to-zero mode that TensorFlow runs with, so the backward pass
 * flushes its running ∂L/∂h (and ∂L/∂c) itself. Values this small add nothing a float32 weight gradient can hold.
 */
const FLUSH_BELOW: f32 = 1e-30;
function flushTiny(p: usize, n: i32): void {
  const lim = f32x4.splat(FLUSH_BELOW);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(at(p, k));
    // andnot(v, |v| < lim): NaN and ±∞ compare false, so they stay (a diverging run must still show them).
    v128.store(at(p, k), v128.andnot(v, f32x4.lt(f32x4.abs(v), lim)));
  }
  for (; k < n; k++) if (Mathf.abs(load<f32>(at(p, k))) < FLUSH_BELOW) store<f32>(at(p, k), 0);
}

/** dst[r] = src[r] ⊙ mask[r] for `rows` rows of n (ldm = 0: one mask row for all rows). */
function maskedCopy(rows: i32, n: i32, src: usize, lds: i32, mask: usize, ldm: i32, dst: usize, ldd: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = at(src, r * lds), m = at(mask, r * ldm), d = at(dst, r * ldd);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(at(d, j), f32x4.mul(v128.load(at(s, j)), v128.load(at(m, j))));
    for (; j < n; j++) store<f32>(at(d, j), load<f32>(at(s, j)) * load<f32>(at(m, j)));
  }
}

/** dst[r] = (accumulate ? dst[r] : 0) + src[r] ⊙ mask[r] for `rows` rows of n (ldm = 0: one mask row for all rows). */
function addMasked(rows: i32, n: i32, src: usize, lds: i32, mask: usize, ldm: i32, dst: usize, ldd: i32, accumulate: bool): void {
  if (!accumulate) {
    maskedCopy(rows, n, src, lds, mask, ldm, dst, ldd);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = at(src, r * lds), m = at(mask, r * ldm), d = at(dst, r * ldd);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(at(d, j), f32x4.add(v128.load(at(d, j)), f32x4.mul(v128.load(at(s, j)), v128.load(at(m, j)))));
    for (; j < n; j++) store<f32>(at(d, j), load<f32>(at(d, j)) + load<f32>(at(s, j)) * load<f32>(at(m, j)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One timestep of each cell, over a batch of rows. z points at the gate row of sample 0 for this timestep
// (pre-activations on entry to the forward kernels, activations on exit; on entry to the backward kernels it holds
// the activations, on exit the gradients with respect to the pre-activations).

/** SimpleRNN forward: z ← act(z); h ← z. */
export function simpleForward(batch: i32, units: i32, z: usize, ldz: i32, h: usize, ldh: i32, act: i32): void {
  if (act == ACT_TANH) simpleForwardWith(batch, units, z, ldz, h, ldh, ACT_TANH);
  else simpleForwardWith(batch, units, z, ldz, h, ldh, act);
}

// The body, inlined twice by the dispatcher above: once with the common activations as constants.
@inline function simpleForwardWith(batch: i32, units: i32, z: usize, ldz: i32, h: usize, ldh: i32, act: i32): void {
  activate(z, batch, units, ldz, act);
  for (let b = 0; b < batch; b++) memory.copy(at(h, b * ldh), at(z, b * ldz), <usize>(units << 2));
}

/** SimpleRNN backward: z ← dh ⊙ act'(h) (h is the activation, kept in z). */
export function simpleBackward(batch: i32, units: i32, z: usize, ldz: i32, dh: usize, act: i32): void {
  if (act == ACT_TANH) simpleBackwardWith(batch, units, z, ldz, dh, ACT_TANH);
  else simpleBackwardWith(batch, units, z, ldz, dh, act);
}

// The body, inlined twice by the dispatcher above: once with the common activations as constants.
@inline function simpleBackwardWith(batch: i32, units: i32, z: usize, ldz: i32, dh: usize, act: i32): void {
  for (let b = 0; b < batch; b++) {
    const zb = at(z, b * ldz), db = at(dh, b * units);
    let k = 0;
    for (; k + 4 <= units; k += 4) v128.store(at(zb, k), f32x4.mul(v128.load(at(db, k)), dActV(v128.load(at(zb, k)), act)));
    for (; k < units; k++) store<f32>(at(zb, k), load<f32>(at(db, k)) * dActS(load<f32>(at(zb, k)), act));
  }
}

/**
 * LSTM forward (TF.js/Keras gate order i, f, c, o): i,f,o = recAct, g = act, c = f⊙c₋₁ + i⊙g, h = o⊙act(c).
 * Writes c, tc = act(c) (kept for the backward pass) and h.
 */
export function lstmForward(batch: i32, units: i32, z: usize, ldz: i32, cPrev: usize, c: usize, ldc: i32, tc: usize, ldtc: i32, h: usize, ldh: i32, act: i32, recAct: i32): void {
  if (act == ACT_TANH && recAct == ACT_SIGMOID) lstmForwardWith(batch, units, z, ldz, cPrev, c, ldc, tc, ldtc, h, ldh, ACT_TANH, ACT_SIGMOID);
  else lstmForwardWith(batch, units, z, ldz, cPrev, c, ldc, tc, ldtc, h, ldh, act, recAct);
}

// The body, inlined twice by the dispatcher above: once with the common activations as constants.
@inline function lstmForwardWith(batch: i32, units: i32, z: usize, ldz: i32, cPrev: usize, c: usize, ldc: i32,
  tc: usize, ldtc: i32, h: usize, ldh: i32, act: i32, recAct: i32): void {
  activate(z, batch, 2 * units, ldz, recAct);
  activate(at(z, 2 * units), batch, units, ldz, act);
  activate(at(z, 3 * units), batch, units, ldz, recAct);
  for (let b = 0; b < batch; b++) {
    const zi = at(z, b * ldz), zf = at(zi, units), zg = at(zi, 2 * units);
    const cp = at(cPrev, b * ldc), cb = at(c, b * ldc), tcb = at(tc, b * ldtc);
    let k = 0;
    for (; k + 4 <= units; k += 4) {
      const cv = f32x4.add(f32x4.mul(v128.load(at(zf, k)), v128.load(at(cp, k))), f32x4.mul(v128.load(at(zi, k)), v128.load(at(zg, k))));
      v128.store(at(cb, k), cv);
      v128.store(at(tcb, k), cv);
    }
    for (; k < units; k++) {
      const cv = load<f32>(at(zf, k)) * load<f32>(at(cp, k)) + load<f32>(at(zi, k)) * load<f32>(at(zg, k));
      store<f32>(at(cb, k), cv);
      store<f32>(at(tcb, k), cv);
    }
  }
  // tc = act(c) for the whole batch, then h = o ⊙ tc.
  activate(tc, batch, units, ldtc, act);
  for (let b = 0; b < batch; b++) {
    const zo = at(z, b * ldz + 3 * units), tcb = at(tc, b * ldtc), hb = at(h, b * ldh);
    let k = 0;
    for (; k + 4 <= units; k += 4) v128.store(at(hb, k), f32x4.mul(v128.load(at(zo, k)), v128.load(at(tcb, k))));
    for (; k < units; k++) store<f32>(at(hb, k), load<f32>(at(zo, k)) * load<f32>(at(tcb, k)));
  }
}

/** LSTM backward for one step: z ← d(pre-activations); dc ← dc₋₁ (the carry's gradient for the step before). */
export function lstmBackward(batch: i32, units: i32, z: usize, ldz: i32, cPrev: usize, ldc: i32, tc: usize, ldtc: i32, dh: usize, dc: usize, act: i32, recAct: i32): void {
  if (act == ACT_TANH && recAct == ACT_SIGMOID) lstmBackwardWith(batch, units, z, ldz, cPrev, ldc, tc, ldtc, dh, dc, ACT_TANH, ACT_SIGMOID);
  else lstmBackwardWith(batch, units, z, ldz, cPrev, ldc, tc, ldtc, dh, dc, act, recAct);
}

// The body, inlined twice by the dispatcher above: once with the common activations as constants.
@inline function lstmBackwardWith(batch: i32, units: i32, z: usize, ldz: i32, cPrev: usize, ldc: i32, tc: usize, ldtc: i32,
  dh: usize, dc: usize, act: i32, recAct: i32): void {
  for (let b = 0; b < batch; b++) {
    const zi = at(z, b * ldz), zf = at(zi, units), zg = at(zi, 2 * units), zo = at(zi, 3 * units);
    const cp = at(cPrev, b * ldc), tcb = at(tc, b * ldtc), dhb = at(dh, b * units), dcb = at(dc, b * units);
    let k = 0;
    for (; k + 4 <= units; k += 4) {
      const i = v128.load(at(zi, k)), f = v128.load(at(zf, k)), g = v128.load(at(zg, k)), o = v128.load(at(zo, k));
      const t = v128.load(at(tcb, k)), d = v128.load(at(dhb, k));
      const dcv = f32x4.add(v128.load(at(dcb, k)), f32x4.mul(f32x4.mul(d, o), dActV(t, act)));
      v128.store(at(zi, k), f32x4.mul(f32x4.mul(dcv, g), dActV(i, recAct)));
      v128.store(at(zf, k), f32x4.mul(f32x4.mul(dcv, v128.load(at(cp, k))), dActV(f, recAct)));
      v128.store(at(zg, k), f32x4.mul(f32x4.mul(dcv, i), dActV(g, act)));
      v128.store(at(zo, k), f32x4.mul(f32x4.mul(d, t), dActV(o, recAct)));
      v128.store(at(dcb, k), f32x4.mul(dcv, f));
    }
    for (; k < units; k++) {
      const i = load<f32>(at(zi, k)), f = load<f32>(at(zf, k)), g = load<f32>(at(zg, k)), o = load<f32>(at(zo, k));
      const t = load<f32>(at(tcb, k)), d = load<f32>(at(dhb, k));
      const dcv = load<f32>(at(dcb, k)) + d * o * dActS(t, act);
      store<f32>(at(zi, k), dcv * g * dActS(i, recAct));
      store<f32>(at(zf, k), dcv * load<f32>(at(cp, k)) * dActS(f, recAct));
      store<f32>(at(zg, k), dcv * i * dActS(g, act));
      store<f32>(at(zo, k), d * t * dActS(o, recAct));
      store<f32>(at(dcb, k), dcv * f);
    }
  }
}

/** GRU (reset_after=False, gate order z, r, h) first half: z, r ← recAct; rh ← r ⊙ h₋₁. */
export function gruGates(batch: i32, units: i32, z: usize, ldz: i32, hPrev: usize, ldh: i32, rh: usize, ldrh: i32, recAct: i32): void {
  if (recAct == ACT_SIGMOID) gruGatesWith(batch, units, z, ldz, hPrev, ldh, rh, ldrh, ACT_SIGMOID);
  else gruGatesWith(batch, units, z, ldz, hPrev, ldh, rh, ldrh, recAct);
}

// The body, inlined twice by the dispatcher above: once with the common activations as constants.
@inline function gruGatesWith(batch: i32, units: i32, z: usize, ldz: i32, hPrev: usize, ldh: i32, rh: usize, ldrh: i32, recAct: i32): void {
  activate(z, batch, 2 * units, ldz, recAct);
  for (let b = 0; b < batch; b++) {
    const zb = at(z, b * ldz), zr = at(zb, units);
    const hp = at(hPrev, b * ldh), rhb = at(rh, b * ldrh);
    let k = 0;
    for (; k + 4 <= units; k += 4) v128.store(at(rhb, k), f32x4.mul(v128.load(at(zr, k)), v128.load(at(hp, k))));
    for (; k < units; k++) store<f32>(at(rhb, k), load<f32>(at(zr, k)) * load<f32>(at(hp, k)));
  }
}

/** GRU second half, after the candidate's recurrent term was added: hh ← act; h = z ⊙ h₋₁ + (1 − z) ⊙ hh. */
export function gruOutput(batch: i32, units: i32, z: usize, ldz: i32, hPrev: usize, ldp: i32, h: usize, ldh: i32, act: i32): void {
  if (act == ACT_TANH) gruOutputWith(batch, units, z, ldz, hPrev, ldp, h, ldh, ACT_TANH);
  else gruOutputWith(batch, units, z, ldz, hPrev, ldp, h, ldh, act);
}

// The body, inlined twice by the dispatcher above: once with the common activations as constants.
@inline function gruOutputWith(batch: i32, units: i32, z: usize, ldz: i32, hPrev: usize, ldp: i32, h: usize, ldh: i32, act: i32): void {
  activate(at(z, 2 * units), batch, units, ldz, act);
  for (let b = 0; b < batch; b++) {
    const zb = at(z, b * ldz), zh = at(zb, 2 * units);
    const hp = at(hPrev, b * ldp), hb = at(h, b * ldh);
    let k = 0;
    for (; k + 4 <= units; k += 4) {
      const zz = v128.load(at(zb, k));
      const hh = v128.load(at(zh, k));
      // z⊙h₋₁ + (1−z)⊙hh = hh + z⊙(h₋₁ − hh)
      v128.store(at(hb, k), f32x4.add(hh, f32x4.mul(zz, f32x4.sub(v128.load(at(hp, k)), hh))));
    }
    for (; k < units; k++) {
      const zz = load<f32>(at(zb, k)), hh = load<f32>(at(zh, k));
      store<f32>(at(hb, k), hh + zz * (load<f32>(at(hp, k)) - hh));
    }
  }
}

/**
 * GRU backward, first half: writes d(pre-activation) of z and of the candidate into z, and dhp = dh ⊙ z (the part
 * of h₋₁'s gradient that flows straight through).
 */
export function gruBackwardA(batch: i32, units: i32, z: usize, ldz: i32, hPrev: usize, ldh: i32, dh: usize, dhp: usize, act: i32, recAct: i32): void {
  if (act == ACT_TANH && recAct == ACT_SIGMOID) gruBackwardAWith(batch, units, z, ldz, hPrev, ldh, dh, dhp, ACT_TANH, ACT_SIGMOID);
  else gruBackwardAWith(batch, units, z, ldz, hPrev, ldh, dh, dhp, act, recAct);
}

// The body, inlined twice by the dispatcher above: once with the common activations as constants.
@inline function gruBackwardAWith(batch: i32, units: i32, z: usize, ldz: i32, hPrev: usize, ldh: i32, dh: usize, dhp: usize,
  act: i32, recAct: i32): void {
  for (let b = 0; b < batch; b++) {
    const zb = at(z, b * ldz), zh = at(zb, 2 * units);
    const hp = at(hPrev, b * ldh), dhb = at(dh, b * units), dpb = at(dhp, b * units);
    let k = 0;
    for (; k + 4 <= units; k += 4) {
      const zz = v128.load(at(zb, k)), hh = v128.load(at(zh, k)), d = v128.load(at(dhb, k));
      v128.store(at(zb, k), f32x4.mul(f32x4.mul(d, f32x4.sub(v128.load(at(hp, k)), hh)), dActV(zz, recAct)));
      v128.store(at(zh, k), f32x4.mul(f32x4.mul(d, f32x4.sub(f32x4.splat(1.0), zz)), dActV(hh, act)));
      v128.store(at(dpb, k), f32x4.mul(d, zz));
    }
    for (; k < units; k++) {
      const zz = load<f32>(at(zb, k)), hh = load<f32>(at(zh, k)), d = load<f32>(at(dhb, k));
      store<f32>(at(zb, k), d * (load<f32>(at(hp, k)) - hh) * dActS(zz, recAct));
      store<f32>(at(zh, k), d * (1 - zz) * dActS(hh, act));
      store<f32>(at(dpb, k), d * zz);
    }
  }
}

/**
 * GRU backward, second half, given drh = d(r ⊙ ĥ₋₁), where ĥ₋₁ is h₋₁ as the candidate's product saw it (times the
 * candidate's recurrent-dropout mask rm, if any): z's r block ← d(pre-activation of r); dhp += drh ⊙ r (⊙ rm).
 */
export function gruBackwardB(batch: i32, units: i32, z: usize, ldz: i32, hSeen: usize, ldh: i32, drh: usize, dhp: usize, recAct: i32,
  rm: usize, ldrm: i32): void {
  if (recAct == ACT_SIGMOID) gruBackwardBWith(batch, units, z, ldz, hSeen, ldh, drh, dhp, ACT_SIGMOID, rm, ldrm);
  else gruBackwardBWith(batch, units, z, ldz, hSeen, ldh, drh, dhp, recAct, rm, ldrm);
}

// The body, inlined twice by the dispatcher above: once with the common activations as constants.
@inline function gruBackwardBWith(batch: i32, units: i32, z: usize, ldz: i32, hSeen: usize, ldh: i32, drh: usize, dhp: usize, recAct: i32,
  rm: usize, ldrm: i32): void {
  for (let b = 0; b < batch; b++) {
    const zr = at(z, b * ldz + units);
    const hp = at(hSeen, b * ldh), drb = at(drh, b * units), dpb = at(dhp, b * units), mb = at(rm, b * ldrm);
    let k = 0;
    for (; k + 4 <= units; k += 4) {
      const r = v128.load(at(zr, k)), d = v128.load(at(drb, k));
      const back = f32x4.mul(d, r);
      v128.store(at(dpb, k), f32x4.add(v128.load(at(dpb, k)), rm ? f32x4.mul(back, v128.load(at(mb, k))) : back));
      v128.store(at(zr, k), f32x4.mul(f32x4.mul(d, v128.load(at(hp, k))), dActV(r, recAct)));
    }
    for (; k < units; k++) {
      const r = load<f32>(at(zr, k)), d = load<f32>(at(drb, k));
      const back = d * r;
      store<f32>(at(dpb, k), load<f32>(at(dpb, k)) + (rm ? back * load<f32>(at(mb, k)) : back));
      store<f32>(at(zr, k), d * load<f32>(at(hp, k)) * dActS(r, recAct));
    }
  }
}

/** GRU reset_after: z, r ← recAct; the candidate's pre-activation += r ⊙ inner, inner = U_h·ĥ₋₁ + b_rh. */
export function gruResetAfter(batch: i32, units: i32, z: usize, ldz: i32, inner: usize, ldi: i32, recAct: i32): void {
  activate(z, batch, 2 * units, ldz, recAct);
  for (let b = 0; b < batch; b++) {
    const zr = at(z, b * ldz + units), zh = at(zr, units), ib = at(inner, b * ldi);
    let k = 0;
    for (; k + 4 <= units; k += 4) v128.store(at(zh, k), f32x4.add(v128.load(at(zh, k)), f32x4.mul(v128.load(at(zr, k)), v128.load(at(ib, k)))));
    for (; k < units; k++) store<f32>(at(zh, k), load<f32>(at(zh, k)) + load<f32>(at(zr, k)) * load<f32>(at(ib, k)));
  }
}

/**
 * GRU reset_after backward, after gruBackwardA left d(candidate pre-activation) in z's h block: r block ←
 * d(pre-activation of r) = dh̃ ⊙ inner ⊙ recAct'(r); inner ← d(inner) = dh̃ ⊙ r (for U_h, b_rh and ĥ₋₁).
 */
export function gruBackwardResetAfter(batch: i32, units: i32, z: usize, ldz: i32, inner: usize, ldi: i32, recAct: i32): void {
  for (let b = 0; b < batch; b++) {
    const zr = at(z, b * ldz + units), zh = at(zr, units), ib = at(inner, b * ldi);
    let k = 0;
    for (; k + 4 <= units; k += 4) {
      const r = v128.load(at(zr, k)), d = v128.load(at(zh, k)), i = v128.load(at(ib, k));
      v128.store(at(zr, k), f32x4.mul(f32x4.mul(d, i), dActV(r, recAct)));
      v128.store(at(ib, k), f32x4.mul(d, r));
    }
    for (; k < units; k++) {
      const r = load<f32>(at(zr, k)), d = load<f32>(at(zh, k)), i = load<f32>(at(ib, k));
      store<f32>(at(zr, k), d * i * dActS(r, recAct));
      store<f32>(at(ib, k), d * r);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Whole sequences. Each call covers a slice of the batch (its own samples' rows, from the pointers given), so
// threads sharing this memory split a batch without touching each other's rows; only the weight gradients are
// per-thread partial sums, added up by the caller.

const KIND_SIMPLE: i32 = 0;
const KIND_LSTM: i32 = 1;
const KIND_GRU: i32 = 2;
/** GRU with reset_after=True (Keras 3's default): the reset gate multiplies U_h·h₋₁ + b_rh, after the product. */
const KIND_GRU_RA: i32 = 3;

@inline function gatesOf(kind: i32): i32 {
  return kind == KIND_LSTM ? 4 : kind == KIND_GRU || kind == KIND_GRU_RA ? 3 : 1;
}

/**
 * Masked timesteps (Embedding maskZero), as TF.js's rnn() treats them: where mask[b, t] is 0 the state carries over
 * unchanged — h (and an LSTM's c) after the step is h (c) before it — and so does the output.
 */
function carryMasked(batch: i32, units: i32, steps: i32, t: i32, mask: usize, h: usize, hNext: usize, ldh: i32, c: usize, cNext: usize): void {
  const bytes = <usize>(units << 2);
  for (let b = 0; b < batch; b++) {
    if (load<f32>(at(mask, b * steps + t)) != 0) continue;
    memory.copy(at(hNext, b * ldh), at(h, b * ldh), bytes);
    if (c) memory.copy(at(cNext, b * ldh), at(c, b * ldh), bytes);
  }
}

/**
 * The backward of carryMasked, around one step's cell backward: `stash` moves the masked samples' ∂L/∂h (and ∂L/∂c)
 * aside and zeroes them, so that the cell's step contributes nothing for them (its gate gradients come out 0);
 * `restore` then makes them the gradients of the previous step, which the state was carried from.
 */
function stashMasked(batch: i32, units: i32, steps: i32, t: i32, mask: usize, dh: usize, dc: usize, saved: usize, restore: bool): void {
  const bytes = <usize>(units << 2);
  for (let b = 0; b < batch; b++) {
    if (load<f32>(at(mask, b * steps + t)) != 0) continue;
    const sh = at(saved, 2 * b * units), sc = at(saved, (2 * b + 1) * units), dhb = at(dh, b * units), dcb = at(dc, b * units);
    if (restore) {
      memory.copy(dhb, sh, bytes);
      if (dc) memory.copy(dcb, sc, bytes);
    } else {
      memory.copy(sh, dhb, bytes);
      memory.fill(dhb, 0, bytes);
      if (dc) {
        memory.copy(sc, dcb, bytes);
        memory.fill(dcb, 0, bytes);
      }
    }
  }
}

// Dropout as Keras 3 applies it (keras/src/layers/rnn/{simple_rnn,lstm,gru}.py), one mask per sequence for all its
// timesteps, already scaled by 1/(1 − rate):
// - inMask [batch, inGates, features]: inGates = 1 (one mask for every gate's input product; Keras's
//   implementation 2, which it runs when there is no recurrent dropout) or G (a mask per gate; implementation 1,
//   which Keras forces whenever recurrent_dropout > 0).
// - recMask [batch, G, units]: a mask per gate for the copies of h₋₁ that enter the recurrent products. The state a
//   GRU carries (z ⊙ h₋₁) and an LSTM's c are never masked: TF.js masks a GRU's carried state too, which scales it
//   by 1/(1 − rate) at every kept step and diverges (tfjs-layers GRUCell.call).

/** The rows of each sample's `steps` × n block times that sample's mask row (one per sample): dst = src ⊙ mask. */
function maskSamples(batch: i32, steps: i32, n: i32, src: usize, mask: usize, ldm: i32, dst: usize, accumulate: bool): void {
  for (let b = 0; b < batch; b++) addMasked(steps, n, at(src, b * steps * n), n, at(mask, b * ldm), 0, at(dst, b * steps * n), n, accumulate);
}

/**
 * Forward pass over `batch` sequences of `steps` timesteps: z ← gate activations for every (sample, timestep),
 * h[b, s+1] ← output after step s (h[b, 0] = 0), c and tc = act(c) for LSTM, rh = r ⊙ ĥ₋₁ for GRU. Layouts (floats):
 * x [batch, steps, features]; z [batch, steps, G·units] indexed by input time; h, c [batch, steps+1, units];
 * tc, rh [batch, steps, units] indexed by processing step. bias = 0 means no bias; mask = 0 means no timestep mask,
 * else [batch, steps] of 0/1 by input time (carryMasked). Dropout masks as above (0: none); with inGates = 1 the
 * masked x replaces x (the weight gradient needs it), with G the per-gate copies go through scratch xs
 * [batch, steps, features]; hs [batch, units] is scratch for the masked h₋₁.
 */
export function seqForward(kind: i32, batch: i32, steps: i32, features: i32, units: i32, x: usize, w: usize, r: usize, bias: usize,
  z: usize, h: usize, c: usize, tc: usize, rh: usize, act: i32, recAct: i32, goBackwards: i32,
  inMask: usize, inGates: i32, recMask: usize, xs: usize, hs: usize, mask: usize, recBias: usize): void {
  const gru = kind == KIND_GRU || kind == KIND_GRU_RA;
  const G = gatesOf(kind), GU = G * units;
  // The input projection of every timestep of every sequence: one [B·T, D] × [D, G·U] multiply, or one per gate
  // when each gate has its own input mask.
  if (inMask && inGates > 1) {
    for (let g = 0; g < G; g++) {
      maskSamples(batch, steps, features, x, at(inMask, g * features), inGates * features, xs, false);
      gemm(batch * steps, units, features, xs, features, at(w, g * units), GU, at(z, g * units), GU, 0, bias ? at(bias, g * units) : 0);
    }
  } else {
    if (inMask) maskSamples(batch, steps, features, x, inMask, features, x, false);
    gemm(batch * steps, GU, features, x, features, w, GU, z, GU, 0, bias);
  }
  const ldz = steps * GU, ldh = (steps + 1) * units, ldt = steps * units;
  for (let b = 0; b < batch; b++) {
    memory.fill(at(h, b * ldh), 0, <usize>(units << 2));
    if (kind == KIND_LSTM) memory.fill(at(c, b * ldh), 0, <usize>(units << 2));
  }
  for (let s = 0; s < steps; s++) {
    const t = goBackwards ? steps - 1 - s : s;
    const zt = at(z, t * GU), hNext = at(h, (s + 1) * units), hPrev = at(h, s * units);
    // The recurrent products of the gates that have their own product here (all but a GRU's candidate).
    const direct = gru ? 2 : G;
    if (recMask) {
      for (let g = 0; g < direct; g++) {
        maskedCopy(batch, units, hPrev, ldh, at(recMask, g * units), GU, hs, units);
        gemm(batch, units, units, hs, units, at(r, g * units), GU, at(zt, g * units), ldz, 1);
      }
    } else {
      gemm(batch, direct * units, units, hPrev, ldh, r, GU, zt, ldz, 1);
    }
    if (kind == KIND_SIMPLE) {
      simpleForward(batch, units, zt, ldz, hNext, ldh, act);
    } else if (kind == KIND_LSTM) {
      lstmForward(batch, units, zt, ldz, at(c, s * units), at(c, (s + 1) * units), ldh, at(tc, s * units), ldt, hNext, ldh, act, recAct);
    } else {
      // The candidate sees r ⊙ (h₋₁ ⊙ its mask) (reset_after: r ⊙ (U_h·(h₋₁ ⊙ its mask) + b_rh)); the carry
      // z ⊙ h₋₁ the unmasked state. rh keeps r ⊙ ĥ₋₁, or for reset_after the inner product.
      let hSeen = hPrev, lds = ldh;
      if (recMask) {
        maskedCopy(batch, units, hPrev, ldh, at(recMask, 2 * units), GU, hs, units);
        hSeen = hs;
        lds = units;
      }
      if (kind == KIND_GRU_RA) {
        gemm(batch, units, units, hSeen, lds, at(r, 2 * units), GU, at(rh, s * units), ldt, 0, recBias);
        gruResetAfter(batch, units, zt, ldz, at(rh, s * units), ldt, recAct);
      } else {
        gruGates(batch, units, zt, ldz, hSeen, lds, at(rh, s * units), ldt, recAct);
        gemm(batch, units, units, at(rh, s * units), ldt, at(r, 2 * units), GU, at(zt, 2 * units), ldz, 1);
      }
      gruOutput(batch, units, zt, ldz, hPrev, ldh, hNext, ldh, act);
    }
    if (mask) carryMasked(batch, units, steps, t, mask, hPrev, hNext, ldh, kind == KIND_LSTM ? at(c, s * units) : 0, at(c, (s + 1) * units));
  }
}

/**
 * Backpropagation through time for the samples of one seqForward call. dy is [batch, steps, units] (returnSequences,
 * in processing order) or [batch, units]; wt = kernelᵀ [G·U, D], rt = recurrentᵀ [G·U, U]. Scratch dh, dh2, dc, drh
 * are [batch, units] each, hs too (with a recurrent mask), xs [batch, steps, max(features, units)] (with a per-gate
 * input mask or a recurrent mask). Writes dx [batch, steps, features] and this slice's partial dW [D, G·U],
 * dR [U, G·U], dB [G·U]; z is overwritten with the gradients of the pre-activations. dhNorm2 (0: not wanted)
 * receives, per processing step, Σ ‖∂L/∂h‖² over this slice's samples. mask (0: none) is seqForward's; saved is
 * scratch of [batch, 2·units] for it. The dropout masks are seqForward's.
 */
export function seqBackward(kind: i32, batch: i32, steps: i32, features: i32, units: i32, x: usize, wt: usize, rt: usize,
  z: usize, h: usize, c: usize, tc: usize, rh: usize, dy: usize, returnSequences: i32, goBackwards: i32,
  dh0: usize, dh1: usize, dc: usize, drh: usize, dW: usize, dR: usize, dB: usize, dx: usize, act: i32, recAct: i32,
  inMask: usize, inGates: i32, recMask: usize, xs: usize, hs: usize, dhNorm2: usize, mask: usize, saved: usize, dRecBias: usize): void {
  const G = gatesOf(kind), GU = G * units;
  const gru = kind == KIND_GRU || kind == KIND_GRU_RA;
  const ldz = steps * GU, ldh = (steps + 1) * units, ldt = steps * units;
  const rowBytes = <usize>((batch * units) << 2);
  const dcOrNone = kind == KIND_LSTM ? dc : 0;
  let dh = dh0, dh2 = dh1;
  memory.fill(dc, 0, rowBytes);
  if (returnSequences) memory.fill(dh, 0, rowBytes);
  else memory.copy(dh, dy, rowBytes);
  for (let s = steps - 1; s >= 0; s--) {
    const t = goBackwards ? steps - 1 - s : s;
    const zt = at(z, t * GU);
    const hPrev = at(h, s * units);
    if (returnSequences) addRows(batch, units, at(dy, s * units), ldt, dh, units);
    // dh is now ∂L/∂h at this step, complete (from the output and from later steps): its squared norm over this
    // slice of the batch, per step, is what the gradient-flow view plots.
    if (dhNorm2) store<f32>(at(dhNorm2, s), sumSquares(dh, batch * units));
    if (mask) stashMasked(batch, units, steps, t, mask, dh, dcOrNone, saved, false);
    // The products below add ∂L/∂h₋₁ into `into`: overwriting it when nothing else went there first (SimpleRNN and
    // LSTM, whose h₋₁ reaches the step only through the products), adding to the carry's share for GRU.
    let into = dh, direct = G;
    if (kind == KIND_SIMPLE) {
      simpleBackward(batch, units, zt, ldz, dh, act);
    } else if (kind == KIND_LSTM) {
      lstmBackward(batch, units, zt, ldz, at(c, s * units), ldh, at(tc, s * units), ldt, dh, dc, act, recAct);
    } else if (kind == KIND_GRU_RA) {
      gruBackwardA(batch, units, zt, ldz, hPrev, ldh, dh, dh2, act, recAct);
      // rh now becomes d(inner): it goes back through U_h to ĥ₋₁ like the other gates' products.
      const dInner = at(rh, s * units);
      gruBackwardResetAfter(batch, units, zt, ldz, dInner, ldt, recAct);
      if (recMask) {
        gemm(batch, units, units, dInner, ldt, at(rt, 2 * units * units), units, hs, units, 0);
        addMasked(batch, units, hs, units, at(recMask, 2 * units), GU, dh2, units, true);
      } else {
        gemm(batch, units, units, dInner, ldt, at(rt, 2 * units * units), units, dh2, units, 1);
      }
      into = dh2;
      direct = 2;
    } else {
      gruBackwardA(batch, units, zt, ldz, hPrev, ldh, dh, dh2, act, recAct);
      gemm(batch, units, units, at(zt, 2 * units), ldz, at(rt, 2 * units * units), units, drh, units, 0);
      let hSeen = hPrev, lds = ldh;
      if (recMask) {
        maskedCopy(batch, units, hPrev, ldh, at(recMask, 2 * units), GU, hs, units);
        hSeen = hs;
        lds = units;
      }
      gruBackwardB(batch, units, zt, ldz, hSeen, lds, drh, dh2, recAct, recMask ? at(recMask, 2 * units) : 0, GU);
      into = dh2;
      direct = 2;
    }
    const accumulate = gru;
    if (recMask) {
      for (let g = 0; g < direct; g++) {
        gemm(batch, units, units, at(zt, g * units), ldz, at(rt, g * units * units), units, hs, units, 0);
        addMasked(batch, units, hs, units, at(recMask, g * units), GU, into, units, accumulate || g > 0);
      }
    } else {
      gemm(batch, units, direct * units, zt, ldz, rt, units, into, units, accumulate ? 1 : 0);
    }
    if (gru) {
      const swap = dh; dh = dh2; dh2 = swap;
    }
    // (The carried state of a masked timestep never went through the cell: its gradient is restored after.)
    if (mask) stashMasked(batch, units, steps, t, mask, dh, dcOrNone, saved, true);
    flushTiny(dh, batch * units);
    if (dcOrNone) flushTiny(dc, batch * units);
  }
  // z now holds d(pre-activation) for every (sample, timestep): the weight gradients are big multiplies.
  memory.fill(dW, 0, <usize>((features * GU) << 2));
  memory.fill(dR, 0, <usize>((units * GU) << 2));
  columnSums(batch * steps, GU, z, GU, dB);
  if (inMask && inGates > 1) {
    for (let g = 0; g < G; g++) {
      const mg = at(inMask, g * features), ldm = inGates * features;
      maskSamples(batch, steps, features, x, mg, ldm, xs, false);
      gemmTN(batch * steps, features, units, xs, features, at(z, g * units), GU, at(dW, g * units), GU);
      gemm(batch * steps, features, units, at(z, g * units), GU, at(wt, g * units * features), features, xs, features, 0);
      maskSamples(batch, steps, features, xs, mg, ldm, dx, g > 0);
    }
  } else {
    gemmTN(batch * steps, features, GU, x, features, z, GU, dW, GU);
    gemm(batch * steps, features, GU, z, GU, wt, features, dx, features, 0);
    if (inMask) maskSamples(batch, steps, features, dx, inMask, features, dx, false);
  }
  // Recurrent weights: Σ over steps of ĥ₋₁ᵀ · dz (ĥ₋₁ as each product saw it), visiting the gate rows in
  // processing order.
  const ldStep = goBackwards ? -GU : GU;
  const direct = gru ? 2 : G;
  // reset_after: the recurrent bias of the candidate gets d(inner), summed over samples and steps.
  if (kind == KIND_GRU_RA && dRecBias) columnSums(batch * steps, units, rh, units, dRecBias);
  for (let b = 0; b < batch; b++) {
    const z0 = at(z, (b * steps + (goBackwards ? steps - 1 : 0)) * GU);
    const h0 = at(h, b * ldh);
    if (recMask) {
      for (let g = 0; g < direct; g++) {
        maskedCopy(steps, units, h0, units, at(recMask, (b * G + g) * units), 0, xs, units);
        gemmTN(steps, units, units, xs, units, at(z0, g * units), ldStep, at(dR, g * units), GU);
      }
    } else {
      gemmTN(steps, units, direct * units, h0, units, z0, ldStep, dR, GU);
    }
    if (kind == KIND_GRU) gemmTN(steps, units, units, at(rh, b * ldt), units, at(z0, 2 * units), ldStep, at(dR, 2 * units), GU);
    if (kind == KIND_GRU_RA) {
      // U_h saw ĥ₋₁ (masked for the candidate), and its output's gradient is d(inner), in processing order.
      let hS = h0;
      if (recMask) {
        maskedCopy(steps, units, h0, units, at(recMask, (b * G + 2) * units), 0, xs, units);
        hS = xs;
      }
      gemmTN(steps, units, units, hS, units, at(rh, b * ldt), units, at(dR, 2 * units), GU);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Optimizer updates (../optimizer.ts). Each is Keras 3's update in float32, operation by operation, without
// fused multiply-add (also in the relaxed build); RMSprop and SGD are also TF.js's to the bit.
// `w` is updated in place; the slots (ms; m, v) too. With clipD > 0 the gradient is first rescaled to g·clipC / clipD.

/**
 * Σ g² over n float32 values, accumulated in float64 (each square is exact there). sumSquares above, for the
 * per-step hidden norms, stays in float32.
 */
export function sumOfSquares(n: i32, g: usize): f64 {
  let acc = f64x2.splat(0), acc2 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(at(g, j));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<u32>(v, v, 2, 3, 0, 1));
    acc = f64x2.add(acc, f64x2.mul(lo, lo));
    acc2 = f64x2.add(acc2, f64x2.mul(hi, hi));
  }
  acc = f64x2.add(acc, acc2);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; j < n; j++) {
    const x = <f64>load<f32>(at(g, j));
    s += x * x;
  }
  return s;
}

@inline function clipped(g: v128, clipC: v128, clipD: v128, clip: bool): v128 {
  return clip ? f32x4.div(f32x4.mul(g, clipC), clipD) : g;
}

@inline function clippedScalar(g: f32, clipC: f32, clipD: f32, clip: bool): f32 {
  return clip ? (g * clipC) / clipD : g;
}

/** RMSprop (momentum 0, not centred): ms = ms·ρ + g²·(1−ρ); w = w − g·lr / √(ms + ε). */
export function rmsprop(n: i32, w: usize, g: usize, ms: usize, lr: f32, rho: f32, omr: f32, eps: f32, clipC: f32, clipD: f32): void {
  const clip = clipD > 0;
  const vc = f32x4.splat(clipC), vd = f32x4.splat(clipD), vlr = f32x4.splat(lr), vrho = f32x4.splat(rho), vomr = f32x4.splat(omr), veps = f32x4.splat(eps);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const gj = clipped(v128.load(at(g, j)), vc, vd, clip);
    const s = f32x4.add(f32x4.mul(v128.load(at(ms, j)), vrho), f32x4.mul(f32x4.mul(gj, gj), vomr));
    v128.store(at(ms, j), s);
    v128.store(at(w, j), f32x4.sub(v128.load(at(w, j)), f32x4.div(f32x4.mul(gj, vlr), f32x4.sqrt(f32x4.add(s, veps)))));
  }
  for (; j < n; j++) {
    const gj = clippedScalar(load<f32>(at(g, j)), clipC, clipD, clip);
    const s = load<f32>(at(ms, j)) * rho + (gj * gj) * omr;
    store<f32>(at(ms, j), s);
    store<f32>(at(w, j), load<f32>(at(w, j)) - (gj * lr) / Mathf.sqrt(s + eps));
  }
}

/**
 * Adam as Keras 3 steps it (keras/src/optimizers/adam.py): m += (g − m)·(1−β1); v += (g² − v)·(1−β2);
 * w −= m·α / (√v + ε) with α = lr·√(1−β2^t) / (1−β1^t) from the caller. ε is added to √v, not to the bias-corrected
 * √v̂ as TF.js's Adam does: early in training, with small gradients, the two differ.
 */
export function adam(n: i32, w: usize, g: usize, m: usize, v: usize, alpha: f32, omb1: f32, omb2: f32, eps: f32, clipC: f32, clipD: f32): void {
  const clip = clipD > 0;
  const vc = f32x4.splat(clipC), vd = f32x4.splat(clipD), valpha = f32x4.splat(alpha), vomb1 = f32x4.splat(omb1);
  const vomb2 = f32x4.splat(omb2), veps = f32x4.splat(eps);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const gj = clipped(v128.load(at(g, j)), vc, vd, clip);
    const m0 = v128.load(at(m, j)), v0 = v128.load(at(v, j));
    const mj = f32x4.add(m0, f32x4.mul(f32x4.sub(gj, m0), vomb1));
    const vj = f32x4.add(v0, f32x4.mul(f32x4.sub(f32x4.mul(gj, gj), v0), vomb2));
    v128.store(at(m, j), mj);
    v128.store(at(v, j), vj);
    v128.store(at(w, j), f32x4.sub(v128.load(at(w, j)), f32x4.div(f32x4.mul(mj, valpha), f32x4.add(f32x4.sqrt(vj), veps))));
  }
  for (; j < n; j++) {
    const gj = clippedScalar(load<f32>(at(g, j)), clipC, clipD, clip);
    const m0 = load<f32>(at(m, j)), v0 = load<f32>(at(v, j));
    const mj = m0 + (gj - m0) * omb1;
    const vj = v0 + (gj * gj - v0) * omb2;
    store<f32>(at(m, j), mj);
    store<f32>(at(v, j), vj);
    store<f32>(at(w, j), load<f32>(at(w, j)) - (mj * alpha) / (Mathf.sqrt(vj) + eps));
  }
}

/** SGD: w = (−lr)·g + w. */
export function sgd(n: i32, w: usize, g: usize, nlr: f32, clipC: f32, clipD: f32): void {
  const clip = clipD > 0;
  const vc = f32x4.splat(clipC), vd = f32x4.splat(clipD), vnlr = f32x4.splat(nlr);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    v128.store(at(w, j), f32x4.add(f32x4.mul(vnlr, clipped(v128.load(at(g, j)), vc, vd, clip)), v128.load(at(w, j))));
  }
  for (; j < n; j++) store<f32>(at(w, j), nlr * clippedScalar(load<f32>(at(g, j)), clipC, clipD, clip) + load<f32>(at(w, j)));
}

// The Embedding's row kernels, for backends whose tensors do not live in WebAssembly memory (native TensorFlow):
// there ../row-ops.ts copies the operands into this module's memory and runs them here.
export { gatherRows, segmentSum } from './rows';

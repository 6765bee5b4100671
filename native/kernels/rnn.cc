// Fused recurrent-layer kernels, native: a port of main/training/kernels/assembly/rnn.ts (read its comments for the
// why of each pass; they are not repeated here). Same functions, same layouts, same arithmetic up to float32
// rounding: the matrix multiplies go to oneDNN's dnnl_sgemm (row-major; threads: see split.cc), the elementwise
// passes are plain loops that GCC vectorizes, once per instruction set (function multiversioning on the entry
// points: x86-64-v4 = AVX-512, x86-64-v3 = AVX2 + FMA, baseline SSE2), picked at load time.
//
// Strides count float32 elements and may be negative (time-reversed layers), as in the WebAssembly kernels.
#include "kernels.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#define AI inline __attribute__((always_inline))

namespace rnn {
namespace {

enum : int { ACT_LINEAR = 0, ACT_TANH = 1, ACT_SIGMOID = 2, ACT_HARD_SIGMOID = 3, ACT_RELU = 4 };
enum : int { KIND_SIMPLE = 0, KIND_LSTM = 1, KIND_GRU = 2, KIND_GRU_RA = 3 };

// tanh as x·P(x²)/Q(x²) on x clamped to ±7.905 (Eigen's float32 form; rnn.ts TANH_CONSTANTS), sigmoid = ½ + ½·tanh(x/2).
constexpr float T_LO = -7.90531110763549805f, T_HI = 7.90531110763549805f;
constexpr float A1 = 4.89352455891786e-03f, A3 = 6.37261928875436e-04f, A5 = 1.48572235717979e-05f, A7 = 5.12229709037114e-08f,
                A9 = -8.60467152213735e-11f, A11 = 2.00018790482477e-13f, A13 = -2.76076847742355e-16f;
constexpr float B0 = 4.89352518554385e-03f, B2 = 2.26843463243900e-03f, B4 = 1.18534705686654e-04f, B6 = 1.19825839466702e-06f;

AI float squash(float v, bool isTanh) {
  float x = isTanh ? v : v * 0.5f;
  // WebAssembly's pmax / pmin, operand order included: NaN propagates.
  x = x < T_LO ? T_LO : x;
  x = T_HI < x ? T_HI : x;
  const float x2 = x * x;
  float p = x2 * A13 + A11;
  p = p * x2 + A9;
  p = p * x2 + A7;
  p = p * x2 + A5;
  p = p * x2 + A3;
  p = p * x2 + A1;
  float q = x2 * B6 + B4;
  q = q * x2 + B2;
  q = q * x2 + B0;
  const float t = (p * x) / q;
  return isTanh ? t : t * 0.5f + 0.5f;
}

AI float actS(float x, int code) {
  switch (code) {
    case ACT_TANH: return squash(x, true);
    case ACT_SIGMOID: return squash(x, false);
    case ACT_HARD_SIGMOID: {
      float y = x * 0.2f + 0.5f;
      y = y < 0.f ? 0.f : y;
      return 1.f < y ? 1.f : y;
    }
    case ACT_RELU: return x < 0.f ? 0.f : x;
    default: return x;
  }
}

/** The activation's derivative in terms of its output y. */
AI float dActS(float y, int code) {
  switch (code) {
    case ACT_TANH: return 1.f - y * y;
    case ACT_SIGMOID: return y * (1.f - y);
    case ACT_HARD_SIGMOID: return (y > 0.f && y < 1.f) ? 0.2f : 0.f;
    case ACT_RELU: return y > 0.f ? 1.f : 0.f;
    default: return 1.f;
  }
}

template <int CODE>
AI void activateT(float* p0, int rows, int n, long ld) {
  for (int row = 0; row < rows; row++) {
    float* p = p0 + row * ld;
    for (int k = 0; k < n; k++) p[k] = actS(p[k], CODE);
  }
}

/** In place, for each of `rows` rows of n values, ld apart: act (the code made a constant per loop). */
AI void activate(float* p, int rows, int n, long ld, int code) {
  switch (code) {
    case ACT_TANH: activateT<ACT_TANH>(p, rows, n, ld); break;
    case ACT_SIGMOID: activateT<ACT_SIGMOID>(p, rows, n, ld); break;
    case ACT_HARD_SIGMOID: activateT<ACT_HARD_SIGMOID>(p, rows, n, ld); break;
    case ACT_RELU: activateT<ACT_RELU>(p, rows, n, ld); break;
    default: break;
  }
}

AI float sumSquares(const float* p, int n) {
  float s = 0.f;
  for (int k = 0; k < n; k++) s += p[k] * p[k];
  return s;
}

AI void addRowsI(int rows, int n, const float* src, long lds, float* dst, long ldd) {
  for (int r = 0; r < rows; r++) {
    const float* s = src + r * lds;
    float* d = dst + r * ldd;
    for (int j = 0; j < n; j++) d[j] += s[j];
  }
}

AI void columnSumsI(int rows, int n, const float* z, long ldz, float* out) {
  std::memset(out, 0, sizeof(float) * n);
  for (int r = 0; r < rows; r++) {
    const float* zr = z + r * ldz;
    for (int j = 0; j < n; j++) out[j] += zr[j];
  }
}

constexpr float FLUSH_BELOW = 1e-30f;
/** Zeroes |v| < 1e-30 (rnn.ts flushTiny): NaN and ±∞ compare false and stay. */
AI void flushTiny(float* p, int n) {
  for (int k = 0; k < n; k++) p[k] = std::fabs(p[k]) < FLUSH_BELOW ? 0.f : p[k];
}

/** dst[r] = src[r] ⊙ mask[r] (ldm = 0: one mask row for all). src may be dst. */
AI void maskedCopy(int rows, int n, const float* src, long lds, const float* mask, long ldm, float* dst, long ldd) {
  for (int r = 0; r < rows; r++) {
    const float* s = src + r * lds;
    const float* m = mask + r * ldm;
    float* d = dst + r * ldd;
    for (int j = 0; j < n; j++) d[j] = s[j] * m[j];
  }
}

/** The state a GRU's reset-gate product sees: hPrev itself, or its copy under the candidate's recurrent-dropout mask. */
AI const float* gruSeenState(int batch, int units, const float* hPrev, long ldh, const float* recMask, long ldm, float* hs, long& lds) {
  if (!recMask) {
    lds = ldh;
    return hPrev;
  }
  maskedCopy(batch, units, hPrev, ldh, recMask + 2L * units, ldm, hs, units);
  lds = units;
  return hs;
}

AI void addMasked(int rows, int n, const float* src, long lds, const float* mask, long ldm, float* dst, long ldd, bool accumulate) {
  if (!accumulate) {
    maskedCopy(rows, n, src, lds, mask, ldm, dst, ldd);
    return;
  }
  for (int r = 0; r < rows; r++) {
    const float* s = src + r * lds;
    const float* m = mask + r * ldm;
    float* d = dst + r * ldd;
    for (int j = 0; j < n; j++) d[j] += s[j] * m[j];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cells. Each body is a template over the activation codes (−1: read at run time), instantiated for the common
// pair and once generically, as rnn.ts inlines its bodies twice.

template <int CA>
AI void simpleForwardT(int batch, int units, float* z, long ldz, float* h, long ldh, int act) {
  if (CA >= 0) act = CA;
  activate(z, batch, units, ldz, act);
  for (int b = 0; b < batch; b++) std::memcpy(h + b * ldh, z + b * ldz, sizeof(float) * units);
}
AI void simpleForwardI(int batch, int units, float* z, long ldz, float* h, long ldh, int act) {
  if (act == ACT_TANH) simpleForwardT<ACT_TANH>(batch, units, z, ldz, h, ldh, act);
  else simpleForwardT<-1>(batch, units, z, ldz, h, ldh, act);
}

template <int CA>
AI void simpleBackwardT(int batch, int units, float* z, long ldz, const float* dh, int act) {
  if (CA >= 0) act = CA;
  for (int b = 0; b < batch; b++) {
    float* __restrict zb = z + b * ldz;
    const float* __restrict db = dh + b * units;
    for (int k = 0; k < units; k++) zb[k] = db[k] * dActS(zb[k], act);
  }
}
AI void simpleBackwardI(int batch, int units, float* z, long ldz, const float* dh, int act) {
  if (act == ACT_TANH) simpleBackwardT<ACT_TANH>(batch, units, z, ldz, dh, act);
  else simpleBackwardT<-1>(batch, units, z, ldz, dh, act);
}

template <int CA, int CR>
AI void lstmForwardT(int batch, int units, float* z, long ldz, const float* cPrev, float* c, long ldc, float* tc, long ldtc,
                     float* h, long ldh, int act, int recAct) {
  if (CA >= 0) act = CA;
  if (CR >= 0) recAct = CR;
  activate(z, batch, 2 * units, ldz, recAct);
  activate(z + 2 * units, batch, units, ldz, act);
  activate(z + 3 * units, batch, units, ldz, recAct);
  for (int b = 0; b < batch; b++) {
    const float* __restrict zi = z + b * ldz;
    const float* __restrict zf = zi + units;
    const float* __restrict zg = zi + 2 * units;
    const float* __restrict cp = cPrev + b * ldc;
    float* __restrict cb = c + b * ldc;
    float* __restrict tcb = tc + b * ldtc;
    for (int k = 0; k < units; k++) {
      const float cv = zf[k] * cp[k] + zi[k] * zg[k];
      cb[k] = cv;
      tcb[k] = cv;
    }
  }
  activate(tc, batch, units, ldtc, act);
  for (int b = 0; b < batch; b++) {
    const float* __restrict zo = z + b * ldz + 3 * units;
    const float* __restrict tcb = tc + b * ldtc;
    float* __restrict hb = h + b * ldh;
    for (int k = 0; k < units; k++) hb[k] = zo[k] * tcb[k];
  }
}
AI void lstmForwardI(int batch, int units, float* z, long ldz, const float* cPrev, float* c, long ldc, float* tc, long ldtc,
                     float* h, long ldh, int act, int recAct) {
  if (act == ACT_TANH && recAct == ACT_SIGMOID) lstmForwardT<ACT_TANH, ACT_SIGMOID>(batch, units, z, ldz, cPrev, c, ldc, tc, ldtc, h, ldh, act, recAct);
  else lstmForwardT<-1, -1>(batch, units, z, ldz, cPrev, c, ldc, tc, ldtc, h, ldh, act, recAct);
}

template <int CA, int CR>
AI void lstmBackwardT(int batch, int units, float* z, long ldz, const float* cPrev, long ldc, const float* tc, long ldtc,
                      const float* dh, float* dc, int act, int recAct) {
  if (CA >= 0) act = CA;
  if (CR >= 0) recAct = CR;
  for (int b = 0; b < batch; b++) {
    float* __restrict zi = z + b * ldz;
    float* __restrict zf = zi + units;
    float* __restrict zg = zi + 2 * units;
    float* __restrict zo = zi + 3 * units;
    const float* __restrict cp = cPrev + b * ldc;
    const float* __restrict tcb = tc + b * ldtc;
    const float* __restrict dhb = dh + b * units;
    float* __restrict dcb = dc + b * units;
    for (int k = 0; k < units; k++) {
      const float i = zi[k], f = zf[k], g = zg[k], o = zo[k], t = tcb[k], d = dhb[k];
      const float dcv = dcb[k] + (d * o) * dActS(t, act);
      zi[k] = (dcv * g) * dActS(i, recAct);
      zf[k] = (dcv * cp[k]) * dActS(f, recAct);
      zg[k] = (dcv * i) * dActS(g, act);
      zo[k] = (d * t) * dActS(o, recAct);
      dcb[k] = dcv * f;
    }
  }
}
AI void lstmBackwardI(int batch, int units, float* z, long ldz, const float* cPrev, long ldc, const float* tc, long ldtc,
                      const float* dh, float* dc, int act, int recAct) {
  if (act == ACT_TANH && recAct == ACT_SIGMOID) lstmBackwardT<ACT_TANH, ACT_SIGMOID>(batch, units, z, ldz, cPrev, ldc, tc, ldtc, dh, dc, act, recAct);
  else lstmBackwardT<-1, -1>(batch, units, z, ldz, cPrev, ldc, tc, ldtc, dh, dc, act, recAct);
}

template <int CR>
AI void gruGatesT(int batch, int units, float* z, long ldz, const float* hPrev, long ldh, float* rh, long ldrh, int recAct) {
  if (CR >= 0) recAct = CR;
  activate(z, batch, 2 * units, ldz, recAct);
  for (int b = 0; b < batch; b++) {
    const float* __restrict zr = z + b * ldz + units;
    const float* __restrict hp = hPrev + b * ldh;
    float* __restrict rhb = rh + b * ldrh;
    for (int k = 0; k < units; k++) rhb[k] = zr[k] * hp[k];
  }
}
AI void gruGatesI(int batch, int units, float* z, long ldz, const float* hPrev, long ldh, float* rh, long ldrh, int recAct) {
  if (recAct == ACT_SIGMOID) gruGatesT<ACT_SIGMOID>(batch, units, z, ldz, hPrev, ldh, rh, ldrh, recAct);
  else gruGatesT<-1>(batch, units, z, ldz, hPrev, ldh, rh, ldrh, recAct);
}

template <int CA>
AI void gruOutputT(int batch, int units, float* z, long ldz, const float* hPrev, long ldp, float* h, long ldh, int act) {
  if (CA >= 0) act = CA;
  activate(z + 2 * units, batch, units, ldz, act);
  for (int b = 0; b < batch; b++) {
    const float* __restrict zb = z + b * ldz;
    const float* __restrict zh = zb + 2 * units;
    const float* __restrict hp = hPrev + b * ldp;
    float* __restrict hb = h + b * ldh;
    // z⊙h₋₁ + (1−z)⊙hh = hh + z⊙(h₋₁ − hh)
    for (int k = 0; k < units; k++) hb[k] = zh[k] + zb[k] * (hp[k] - zh[k]);
  }
}
AI void gruOutputI(int batch, int units, float* z, long ldz, const float* hPrev, long ldp, float* h, long ldh, int act) {
  if (act == ACT_TANH) gruOutputT<ACT_TANH>(batch, units, z, ldz, hPrev, ldp, h, ldh, act);
  else gruOutputT<-1>(batch, units, z, ldz, hPrev, ldp, h, ldh, act);
}

template <int CA, int CR>
AI void gruBackwardAT(int batch, int units, float* z, long ldz, const float* hPrev, long ldh, const float* dh, float* dhp, int act, int recAct) {
  if (CA >= 0) act = CA;
  if (CR >= 0) recAct = CR;
  for (int b = 0; b < batch; b++) {
    float* __restrict zb = z + b * ldz;
    float* __restrict zh = zb + 2 * units;
    const float* __restrict hp = hPrev + b * ldh;
    const float* __restrict dhb = dh + b * units;
    float* __restrict dpb = dhp + b * units;
    for (int k = 0; k < units; k++) {
      const float zz = zb[k], hh = zh[k], d = dhb[k];
      zb[k] = (d * (hp[k] - hh)) * dActS(zz, recAct);
      zh[k] = (d * (1.f - zz)) * dActS(hh, act);
      dpb[k] = d * zz;
    }
  }
}
AI void gruBackwardAI(int batch, int units, float* z, long ldz, const float* hPrev, long ldh, const float* dh, float* dhp, int act, int recAct) {
  if (act == ACT_TANH && recAct == ACT_SIGMOID) gruBackwardAT<ACT_TANH, ACT_SIGMOID>(batch, units, z, ldz, hPrev, ldh, dh, dhp, act, recAct);
  else gruBackwardAT<-1, -1>(batch, units, z, ldz, hPrev, ldh, dh, dhp, act, recAct);
}

template <int CR>
AI void gruBackwardBT(int batch, int units, float* z, long ldz, const float* hSeen, long ldh, const float* drh, float* dhp, int recAct,
                      const float* rm, long ldrm) {
  if (CR >= 0) recAct = CR;
  for (int b = 0; b < batch; b++) {
    float* __restrict zr = z + b * ldz + units;
    const float* __restrict hp = hSeen + b * ldh;
    const float* __restrict drb = drh + b * units;
    float* __restrict dpb = dhp + b * units;
    if (rm) {
      const float* __restrict mb = rm + b * ldrm;
      for (int k = 0; k < units; k++) {
        const float r = zr[k], d = drb[k];
        dpb[k] += (d * r) * mb[k];
        zr[k] = (d * hp[k]) * dActS(r, recAct);
      }
    } else {
      for (int k = 0; k < units; k++) {
        const float r = zr[k], d = drb[k];
        dpb[k] += d * r;
        zr[k] = (d * hp[k]) * dActS(r, recAct);
      }
    }
  }
}
AI void gruBackwardBI(int batch, int units, float* z, long ldz, const float* hSeen, long ldh, const float* drh, float* dhp, int recAct,
                      const float* rm, long ldrm) {
  if (recAct == ACT_SIGMOID) gruBackwardBT<ACT_SIGMOID>(batch, units, z, ldz, hSeen, ldh, drh, dhp, recAct, rm, ldrm);
  else gruBackwardBT<-1>(batch, units, z, ldz, hSeen, ldh, drh, dhp, recAct, rm, ldrm);
}

AI void gruResetAfterI(int batch, int units, float* z, long ldz, const float* inner, long ldi, int recAct) {
  activate(z, batch, 2 * units, ldz, recAct);
  for (int b = 0; b < batch; b++) {
    const float* __restrict zr = z + b * ldz + units;
    float* __restrict zh = z + b * ldz + 2 * units;
    const float* __restrict ib = inner + b * ldi;
    for (int k = 0; k < units; k++) zh[k] += zr[k] * ib[k];
  }
}

AI void gruBackwardResetAfterI(int batch, int units, float* z, long ldz, float* inner, long ldi, int recAct) {
  for (int b = 0; b < batch; b++) {
    float* __restrict zr = z + b * ldz + units;
    const float* __restrict zh = z + b * ldz + 2 * units;
    float* __restrict ib = inner + b * ldi;
    for (int k = 0; k < units; k++) {
      const float r = zr[k], d = zh[k], i = ib[k];
      zr[k] = (d * i) * dActS(r, recAct);
      ib[k] = d * r;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Masks (rnn.ts carryMasked, stashMasked, maskSamples).

AI void carryMasked(int batch, int units, int steps, int t, const float* mask, const float* h, float* hNext, long ldh, const float* c, float* cNext) {
  const size_t bytes = sizeof(float) * units;
  for (int b = 0; b < batch; b++) {
    if (mask[(long)b * steps + t] != 0.f) continue;
    std::memcpy(hNext + b * ldh, h + b * ldh, bytes);
    if (c) std::memcpy(cNext + b * ldh, c + b * ldh, bytes);
  }
}

AI void stashMasked(int batch, int units, int steps, int t, const float* mask, float* dh, float* dc, float* saved, bool restore) {
  const size_t bytes = sizeof(float) * units;
  for (int b = 0; b < batch; b++) {
    if (mask[(long)b * steps + t] != 0.f) continue;
    float* sh = saved + 2L * b * units;
    float* sc = saved + (2L * b + 1) * units;
    float* dhb = dh + (long)b * units;
    if (restore) {
      std::memcpy(dhb, sh, bytes);
      if (dc) std::memcpy(dc + (long)b * units, sc, bytes);
    } else {
      std::memcpy(sh, dhb, bytes);
      std::memset(dhb, 0, bytes);
      if (dc) {
        std::memcpy(sc, dc + (long)b * units, bytes);
        std::memset(dc + (long)b * units, 0, bytes);
      }
    }
  }
}

AI void maskSamples(int batch, int steps, int n, const float* src, const float* mask, long ldm, float* dst, bool accumulate) {
  for (int b = 0; b < batch; b++) {
    const long o = (long)b * steps * n;
    addMasked(steps, n, src + o, n, mask + b * ldm, 0, dst + o, n, accumulate);
  }
}

AI int gatesOf(int kind) { return kind == KIND_LSTM ? 4 : (kind == KIND_GRU || kind == KIND_GRU_RA) ? 3 : 1; }

/** Scratch of this thread for gemmTN's reversed operands. */
thread_local std::vector<float> reversed;

/** Plain loops for what dnnl_sgemm does not take (negative strides; sizes past its checks). */
void gemmLoops(int m, int n, int k, const float* a, long lda, const float* b, long ldb, float* c, long ldc) {
  for (int i = 0; i < m; i++) {
    float* ci = c + i * ldc;
    for (int p = 0; p < k; p++) {
      const float x = a[i * lda + p];
      const float* bp = b + p * ldb;
      for (int j = 0; j < n; j++) ci[j] += x * bp[j];
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Matrix multiplies, row-major: oneDNN.

/** C[m×n] = (accumulate ? C : bias row, or 0 when bias is null) + A[m×k] · B[k×n]. */
void gemm(int m, int n, int k, const float* a, long lda, const float* b, long ldb, float* c, long ldc, int accumulate, const float* bias) {
  if (m <= 0 || n <= 0) return;
  float beta = accumulate ? 1.f : 0.f;
  if (!accumulate) {
    if (bias) {
      for (int i = 0; i < m; i++) std::memcpy(c + i * ldc, bias, sizeof(float) * n);
      beta = 1.f;
    } else if (k <= 0) {
      for (int i = 0; i < m; i++) std::memset(c + i * ldc, 0, sizeof(float) * n);
    }
  }
  if (k <= 0) return;
  if (lda < k || ldb < n || ldc < n) {
    if (beta == 0.f) for (int i = 0; i < m; i++) std::memset(c + i * ldc, 0, sizeof(float) * n);
    gemmLoops(m, n, k, a, lda, b, ldb, c, ldc);
    return;
  }
  dnnl_sgemm('N', 'N', m, n, k, 1.f, a, lda, b, ldb, beta, c, ldc);
}

/** C[m×n] += Σ_r A[r, 0..m)ᵀ ⊗ B[r, 0..n) over `rows` rows (the weight gradients). */
void gemmTN(int rows, int m, int n, const float* a, long lda, const float* b, long ldb, float* c, long ldc) {
  if (rows <= 0 || m <= 0 || n <= 0) return;
  // BLAS takes no negative leading dimension: the sum over rows does not care about their order, so walk both
  // operands backwards — free when both strides are negative, else through a reversed copy of the other one.
  if (lda < 0 || ldb < 0) {
    const float* aLast = a + (rows - 1) * lda;
    const float* bLast = b + (rows - 1) * ldb;
    if (lda < 0 && ldb < 0) {
      a = aLast; lda = -lda; b = bLast; ldb = -ldb;
    } else if (ldb < 0) {
      reversed.resize((size_t)rows * m);
      for (int r = 0; r < rows; r++) std::memcpy(reversed.data() + (size_t)r * m, a + (rows - 1 - r) * lda, sizeof(float) * m);
      a = reversed.data(); lda = m; b = bLast; ldb = -ldb;
    } else {
      reversed.resize((size_t)rows * n);
      for (int r = 0; r < rows; r++) std::memcpy(reversed.data() + (size_t)r * n, b + (rows - 1 - r) * ldb, sizeof(float) * n);
      b = reversed.data(); ldb = n; a = aLast; lda = -lda;
    }
  }
  if (lda < m || ldb < n || ldc < n) {
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < m; i++) {
        const float x = a[r * lda + i];
        for (int j = 0; j < n; j++) c[i * ldc + j] += x * b[r * ldb + j];
      }
    }
    return;
  }
  dnnl_sgemm('T', 'N', m, n, rows, 1.f, a, lda, b, ldb, 1.f, c, ldc);
}

TC void columnSums(int rows, int n, const float* z, long ldz, float* out) { columnSumsI(rows, n, z, ldz, out); }

void transpose(int rows, int cols, const float* src, float* dst) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) dst[(long)c * rows + r] = src[(long)r * cols + c];
}

TC void addRows(int rows, int n, const float* src, long lds, float* dst, long ldd) { addRowsI(rows, n, src, lds, dst, ldd); }

TC void scaleRows(int rows, int n, float* x, long ldx, const float* mask, long ldm) {
  for (int r = 0; r < rows; r++) {
    float* xr = x + r * ldx;
    const float* mr = mask + r * ldm;
    for (int j = 0; j < n; j++) xr[j] *= mr[j];
  }
}

TC void simpleForward(int batch, int units, float* z, long ldz, float* h, long ldh, int act) { simpleForwardI(batch, units, z, ldz, h, ldh, act); }
TC void simpleBackward(int batch, int units, float* z, long ldz, const float* dh, int act) { simpleBackwardI(batch, units, z, ldz, dh, act); }
TC void lstmForward(int batch, int units, float* z, long ldz, const float* cPrev, float* c, long ldc, float* tc, long ldtc, float* h, long ldh, int act, int recAct) {
  lstmForwardI(batch, units, z, ldz, cPrev, c, ldc, tc, ldtc, h, ldh, act, recAct);
}
TC void lstmBackward(int batch, int units, float* z, long ldz, const float* cPrev, long ldc, const float* tc, long ldtc, const float* dh, float* dc, int act, int recAct) {
  lstmBackwardI(batch, units, z, ldz, cPrev, ldc, tc, ldtc, dh, dc, act, recAct);
}
TC void gruGates(int batch, int units, float* z, long ldz, const float* hPrev, long ldh, float* rh, long ldrh, int recAct) {
  gruGatesI(batch, units, z, ldz, hPrev, ldh, rh, ldrh, recAct);
}
TC void gruOutput(int batch, int units, float* z, long ldz, const float* hPrev, long ldp, float* h, long ldh, int act) {
  gruOutputI(batch, units, z, ldz, hPrev, ldp, h, ldh, act);
}
TC void gruBackwardA(int batch, int units, float* z, long ldz, const float* hPrev, long ldh, const float* dh, float* dhp, int act, int recAct) {
  gruBackwardAI(batch, units, z, ldz, hPrev, ldh, dh, dhp, act, recAct);
}
TC void gruBackwardB(int batch, int units, float* z, long ldz, const float* hSeen, long ldh, const float* drh, float* dhp, int recAct, const float* rm, long ldrm) {
  gruBackwardBI(batch, units, z, ldz, hSeen, ldh, drh, dhp, recAct, rm, ldrm);
}
TC void gruResetAfter(int batch, int units, float* z, long ldz, const float* inner, long ldi, int recAct) {
  gruResetAfterI(batch, units, z, ldz, inner, ldi, recAct);
}
TC void gruBackwardResetAfter(int batch, int units, float* z, long ldz, float* inner, long ldi, int recAct) {
  gruBackwardResetAfterI(batch, units, z, ldz, inner, ldi, recAct);
}

// ---------------------------------------------------------------------------------------------------------------
// Whole sequences (rnn.ts seqForward / seqBackward: layouts and argument meanings are documented there).

TC void seqForward(int kind, int batch, int steps, int features, int units, float* x, const float* w, const float* r, const float* bias,
                   float* z, float* h, float* c, float* tc, float* rh, int act, int recAct, int goBackwards,
                   const float* inMask, int inGates, const float* recMask, float* xs, float* hs, const float* mask, const float* recBias) {
  const bool gru = kind == KIND_GRU || kind == KIND_GRU_RA;
  const int G = gatesOf(kind), GU = G * units;
  // The bias joins each timestep's pre-activations just before its recurrent multiply, while they are in cache, not
  // the input projection: copying it into every row of z first (gemm's bias) was a pass over all of z, and the
  // multiply then had to read z back (beta = 1) — both directions of a Bidirectional LSTM(128) over 200 steps spent
  // 2 % of their time in that copy.
  if (inMask && inGates > 1) {
    for (int g = 0; g < G; g++) {
      maskSamples(batch, steps, features, x, inMask + (long)g * features, (long)inGates * features, xs, false);
      gemm(batch * steps, units, features, xs, features, w + (long)g * units, GU, z + (long)g * units, GU, 0, nullptr);
    }
  } else {
    if (inMask) maskSamples(batch, steps, features, x, inMask, features, x, false);
    gemm(batch * steps, GU, features, x, features, w, GU, z, GU, 0, nullptr);
  }
  const long ldz = (long)steps * GU, ldh = (long)(steps + 1) * units, ldt = (long)steps * units;
  for (int b = 0; b < batch; b++) {
    std::memset(h + b * ldh, 0, sizeof(float) * units);
    if (kind == KIND_LSTM) std::memset(c + b * ldh, 0, sizeof(float) * units);
  }
  for (int s = 0; s < steps; s++) {
    const int t = goBackwards ? steps - 1 - s : s;
    float* zt = z + (long)t * GU;
    float* hNext = h + (long)(s + 1) * units;
    float* hPrev = h + (long)s * units;
    const int direct = gru ? 2 : G;
    if (bias) addRowsI(batch, GU, bias, 0, zt, ldz);
    if (recMask) {
      for (int g = 0; g < direct; g++) {
        maskedCopy(batch, units, hPrev, ldh, recMask + (long)g * units, GU, hs, units);
        gemm(batch, units, units, hs, units, r + (long)g * units, GU, zt + (long)g * units, ldz, 1, nullptr);
      }
    } else {
      gemm(batch, direct * units, units, hPrev, ldh, r, GU, zt, ldz, 1, nullptr);
    }
    if (kind == KIND_SIMPLE) {
      simpleForwardI(batch, units, zt, ldz, hNext, ldh, act);
    } else if (kind == KIND_LSTM) {
      lstmForwardI(batch, units, zt, ldz, c + (long)s * units, c + (long)(s + 1) * units, ldh, tc + (long)s * units, ldt, hNext, ldh, act, recAct);
    } else {
      long lds;
      const float* hSeen = gruSeenState(batch, units, hPrev, ldh, recMask, GU, hs, lds);
      float* rhs = rh + (long)s * units;
      if (kind == KIND_GRU_RA) {
        gemm(batch, units, units, hSeen, lds, r + 2L * units, GU, rhs, ldt, 0, recBias);
        gruResetAfterI(batch, units, zt, ldz, rhs, ldt, recAct);
      } else {
        gruGatesI(batch, units, zt, ldz, hSeen, lds, rhs, ldt, recAct);
        gemm(batch, units, units, rhs, ldt, r + 2L * units, GU, zt + 2L * units, ldz, 1, nullptr);
      }
      gruOutputI(batch, units, zt, ldz, hPrev, ldh, hNext, ldh, act);
    }
    if (mask) {
      const bool lstm = kind == KIND_LSTM && c;
      carryMasked(batch, units, steps, t, mask, hPrev, hNext, ldh, lstm ? c + (long)s * units : nullptr, lstm ? c + (long)(s + 1) * units : nullptr);
    }
  }
}

TC void seqBackward(int kind, int batch, int steps, int features, int units, const float* x, const float* wt, const float* rt,
                    float* z, const float* h, const float* c, const float* tc, float* rh, const float* dy, int returnSequences, int goBackwards,
                    float* dh0, float* dh1, float* dc, float* drh, float* dW, float* dR, float* dB, float* dx, int act, int recAct,
                    const float* inMask, int inGates, const float* recMask, float* xs, float* hs, float* dhNorm2, const float* mask, float* saved, float* dRecBias) {
  const int G = gatesOf(kind), GU = G * units;
  const bool gru = kind == KIND_GRU || kind == KIND_GRU_RA;
  const long ldz = (long)steps * GU, ldh = (long)(steps + 1) * units, ldt = (long)steps * units;
  const size_t rowBytes = sizeof(float) * batch * units;
  float* dcOrNone = kind == KIND_LSTM ? dc : nullptr;
  float* dh = dh0;
  float* dh2 = dh1;
  std::memset(dc, 0, rowBytes);
  if (returnSequences) std::memset(dh, 0, rowBytes);
  else std::memcpy(dh, dy, rowBytes);
  for (int s = steps - 1; s >= 0; s--) {
    const int t = goBackwards ? steps - 1 - s : s;
    float* zt = z + (long)t * GU;
    const float* hPrev = h + (long)s * units;
    if (returnSequences) addRowsI(batch, units, dy + (long)s * units, ldt, dh, units);
    if (dhNorm2) dhNorm2[s] = sumSquares(dh, batch * units);
    if (mask) stashMasked(batch, units, steps, t, mask, dh, dcOrNone, saved, false);
    float* into = dh;
    int direct = G;
    if (kind == KIND_SIMPLE) {
      simpleBackwardI(batch, units, zt, ldz, dh, act);
    } else if (kind == KIND_LSTM) {
      lstmBackwardI(batch, units, zt, ldz, c + (long)s * units, ldh, tc + (long)s * units, ldt, dh, dc, act, recAct);
    } else if (kind == KIND_GRU_RA) {
      gruBackwardAI(batch, units, zt, ldz, hPrev, ldh, dh, dh2, act, recAct);
      float* dInner = rh + (long)s * units;
      gruBackwardResetAfterI(batch, units, zt, ldz, dInner, ldt, recAct);
      if (recMask) {
        gemm(batch, units, units, dInner, ldt, rt + 2L * units * units, units, hs, units, 0, nullptr);
        addMasked(batch, units, hs, units, recMask + 2L * units, GU, dh2, units, true);
      } else {
        gemm(batch, units, units, dInner, ldt, rt + 2L * units * units, units, dh2, units, 1, nullptr);
      }
      into = dh2;
      direct = 2;
    } else {
      gruBackwardAI(batch, units, zt, ldz, hPrev, ldh, dh, dh2, act, recAct);
      gemm(batch, units, units, zt + 2L * units, ldz, rt + 2L * units * units, units, drh, units, 0, nullptr);
      long lds;
      const float* hSeen = gruSeenState(batch, units, hPrev, ldh, recMask, GU, hs, lds);
      gruBackwardBI(batch, units, zt, ldz, hSeen, lds, drh, dh2, recAct, recMask ? recMask + 2L * units : nullptr, GU);
      into = dh2;
      direct = 2;
    }
    const bool accumulate = gru;
    if (recMask) {
      for (int g = 0; g < direct; g++) {
        gemm(batch, units, units, zt + (long)g * units, ldz, rt + (long)g * units * units, units, hs, units, 0, nullptr);
        addMasked(batch, units, hs, units, recMask + (long)g * units, GU, into, units, accumulate || g > 0);
      }
    } else {
      gemm(batch, units, direct * units, zt, ldz, rt, units, into, units, accumulate ? 1 : 0, nullptr);
    }
    if (gru) std::swap(dh, dh2);
    if (mask) stashMasked(batch, units, steps, t, mask, dh, dcOrNone, saved, true);
    flushTiny(dh, batch * units);
    if (dcOrNone) flushTiny(dc, batch * units);
  }
  std::memset(dW, 0, sizeof(float) * features * GU);
  std::memset(dR, 0, sizeof(float) * units * GU);
  columnSumsI(batch * steps, GU, z, GU, dB);
  if (inMask && inGates > 1) {
    for (int g = 0; g < G; g++) {
      const float* mg = inMask + (long)g * features;
      const long ldm = (long)inGates * features;
      maskSamples(batch, steps, features, x, mg, ldm, xs, false);
      gemmTN(batch * steps, features, units, xs, features, z + (long)g * units, GU, dW + (long)g * units, GU);
      gemm(batch * steps, features, units, z + (long)g * units, GU, wt + (long)g * units * features, features, xs, features, 0, nullptr);
      maskSamples(batch, steps, features, xs, mg, ldm, dx, g > 0);
    }
  } else {
    gemmTN(batch * steps, features, GU, x, features, z, GU, dW, GU);
    gemm(batch * steps, features, GU, z, GU, wt, features, dx, features, 0, nullptr);
    if (inMask) maskSamples(batch, steps, features, dx, inMask, features, dx, false);
  }
  const long ldStep = goBackwards ? -GU : GU;
  const int direct = gru ? 2 : G;
  if (kind == KIND_GRU_RA && dRecBias) columnSumsI(batch * steps, units, rh, units, dRecBias);
  for (int b = 0; b < batch; b++) {
    const float* z0 = z + ((long)b * steps + (goBackwards ? steps - 1 : 0)) * GU;
    const float* h0 = h + b * ldh;
    if (recMask) {
      for (int g = 0; g < direct; g++) {
        maskedCopy(steps, units, h0, units, recMask + ((long)b * G + g) * units, 0, xs, units);
        gemmTN(steps, units, units, xs, units, z0 + (long)g * units, ldStep, dR + (long)g * units, GU);
      }
    } else {
      gemmTN(steps, units, direct * units, h0, units, z0, ldStep, dR, GU);
    }
    if (kind == KIND_GRU) gemmTN(steps, units, units, rh + b * ldt, units, z0 + 2L * units, ldStep, dR + 2L * units, GU);
    if (kind == KIND_GRU_RA) {
      const float* hS = h0;
      if (recMask) {
        maskedCopy(steps, units, h0, units, recMask + ((long)b * G + 2) * units, 0, xs, units);
        hS = xs;
      }
      gemmTN(steps, units, units, hS, units, rh + b * ldt, units, dR + 2L * units, GU);
    }
  }
}

const char* gemmLabel() {
  static char label[64];
  if (!label[0]) {
    const dnnl_version_t* v = dnnl_version();
    std::snprintf(label, sizeof label, "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
  }
  return label;
}

}  // namespace rnn

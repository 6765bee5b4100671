// The native kernel provider's kernels (issue #16): a C++ port of main/training/kernels/assembly/rnn.ts and rows.ts,
// with the same functions and semantics. Pointers are real addresses here; addon.cc turns the byte offsets that
// JavaScript passes (into the one memory region an instance owns) into them, 0 becoming nullptr ("none").
#pragma once
#include <cstdint>

// Elementwise passes are compiled three times (AVX-512, AVX2 + FMA, baseline) and picked when the addon loads.
#if defined(__x86_64__) && !defined(RNN_NO_CLONES)
#define TC __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TC
#endif

namespace rnn {

void gemm(int m, int n, int k, const float* a, long lda, const float* b, long ldb, float* c, long ldc, int accumulate, const float* bias);
void gemmTN(int rows, int m, int n, const float* a, long lda, const float* b, long ldb, float* c, long ldc);
void columnSums(int rows, int n, const float* z, long ldz, float* out);
void transpose(int rows, int cols, const float* src, float* dst);
void addRows(int rows, int n, const float* src, long lds, float* dst, long ldd);
void scaleRows(int rows, int n, float* x, long ldx, const float* mask, long ldm);

void simpleForward(int batch, int units, float* z, long ldz, float* h, long ldh, int act);
void simpleBackward(int batch, int units, float* z, long ldz, const float* dh, int act);
void lstmForward(int batch, int units, float* z, long ldz, const float* cPrev, float* c, long ldc, float* tc, long ldtc, float* h, long ldh, int act, int recAct);
void lstmBackward(int batch, int units, float* z, long ldz, const float* cPrev, long ldc, const float* tc, long ldtc, const float* dh, float* dc, int act, int recAct);
void gruGates(int batch, int units, float* z, long ldz, const float* hPrev, long ldh, float* rh, long ldrh, int recAct);
void gruOutput(int batch, int units, float* z, long ldz, const float* hPrev, long ldp, float* h, long ldh, int act);
void gruBackwardA(int batch, int units, float* z, long ldz, const float* hPrev, long ldh, const float* dh, float* dhp, int act, int recAct);
void gruBackwardB(int batch, int units, float* z, long ldz, const float* hSeen, long ldh, const float* drh, float* dhp, int recAct, const float* rm, long ldrm);
void gruResetAfter(int batch, int units, float* z, long ldz, const float* inner, long ldi, int recAct);
void gruBackwardResetAfter(int batch, int units, float* z, long ldz, float* inner, long ldi, int recAct);

void seqForward(int kind, int batch, int steps, int features, int units, float* x, const float* w, const float* r, const float* bias,
  float* z, float* h, float* c, float* tc, float* rh, int act, int recAct, int goBackwards,
  const float* inMask, int inGates, const float* recMask, float* xs, float* hs, const float* mask, const float* recBias);
void seqBackward(int kind, int batch, int steps, int features, int units, const float* x, const float* wt, const float* rt,
  float* z, const float* h, const float* c, const float* tc, float* rh, const float* dy, int returnSequences, int goBackwards,
  float* dh0, float* dh1, float* dc, float* drh, float* dW, float* dR, float* dB, float* dx, int act, int recAct,
  const float* inMask, int inGates, const float* recMask, float* xs, float* hs, float* dhNorm2, const float* mask, float* saved, float* dRecBias);

// split.cc: the same two calls with the batch cut into one slice per thread (or not: setSplit(false)).
void seqForwardSplit(int kind, int batch, int steps, int features, int units, float* x, const float* w, const float* r, const float* bias,
  float* z, float* h, float* c, float* tc, float* rh, int act, int recAct, int goBackwards,
  const float* inMask, int inGates, const float* recMask, float* xs, float* hs, const float* mask, const float* recBias);
void seqBackwardSplit(int kind, int batch, int steps, int features, int units, const float* x, const float* wt, const float* rt,
  float* z, const float* h, const float* c, const float* tc, float* rh, const float* dy, int returnSequences, int goBackwards,
  float* dh0, float* dh1, float* dc, float* drh, float* dW, float* dR, float* dB, float* dx, int act, int recAct,
  const float* inMask, int inGates, const float* recMask, float* xs, float* hs, float* dhNorm2, const float* mask, float* saved, float* dRecBias);
void setSplit(bool on);
bool splitting();

// optim.cc (compiled without fused multiply-add: Keras 3's float32 arithmetic, operation by operation).
double sumOfSquares(int n, const float* g);
void rmsprop(int n, float* w, const float* g, float* ms, float lr, float rho, float omr, float eps, float clipC, float clipD);
void adam(int n, float* w, const float* g, float* m, float* v, float alpha, float omb1, float omb2, float eps, float clipC, float clipD);
void sgd(int n, float* w, const float* g, float nlr, float clipC, float clipD);

// rows.cc
int gatherRows(void* out, const void* table, const int32_t* indices, int n, int rows, int inner);
void segmentSum(float* out, const float* x, const int32_t* ids, int n, int segments, int inner);

/** "oneDNN 2.6.3 sgemm" or "built-in gemm" (no oneDNN at build time). */
const char* gemmLabel();

}  // namespace rnn

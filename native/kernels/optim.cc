// Optimizer updates (rnn.ts sumOfSquares, rmsprop, adam, sgd): Keras 3's update in float32, operation by operation.
// This file is compiled with -ffp-contract=off (scripts/build-native.mjs), so that no multiply-add is fused: the
// results are the WebAssembly kernels' to the bit (vector division and square root are correctly rounded).
#include "kernels.h"

#include <cmath>


namespace rnn {

/** Σ g² in float64, summed in the WebAssembly kernel's order (four lanes, then (0 + 2) + (1 + 3), then the tail). */
double sumOfSquares(int n, const float* g) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const double x0 = g[j], x1 = g[j + 1], x2 = g[j + 2], x3 = g[j + 3];
    a0 += x0 * x0; a1 += x1 * x1; a2 += x2 * x2; a3 += x3 * x3;
  }
  double s = (a0 + a2) + (a1 + a3);
  for (; j < n; j++) {
    const double x = g[j];
    s += x * x;
  }
  return s;
}

TC void rmsprop(int n, float* w, const float* g, float* ms, float lr, float rho, float omr, float eps, float clipC, float clipD) {
  const bool clip = clipD > 0;
  for (int j = 0; j < n; j++) {
    const float gj = clip ? (g[j] * clipC) / clipD : g[j];
    const float s = ms[j] * rho + (gj * gj) * omr;
    ms[j] = s;
    w[j] = w[j] - (gj * lr) / std::sqrt(s + eps);
  }
}

TC void adam(int n, float* w, const float* g, float* m, float* v, float alpha, float omb1, float omb2, float eps, float clipC, float clipD) {
  const bool clip = clipD > 0;
  for (int j = 0; j < n; j++) {
    const float gj = clip ? (g[j] * clipC) / clipD : g[j];
    const float m0 = m[j], v0 = v[j];
    const float mj = m0 + (gj - m0) * omb1;
    const float vj = v0 + (gj * gj - v0) * omb2;
    m[j] = mj;
    v[j] = vj;
    w[j] = w[j] - (mj * alpha) / (std::sqrt(vj) + eps);
  }
}

TC void sgd(int n, float* w, const float* g, float nlr, float clipC, float clipD) {
  const bool clip = clipD > 0;
  for (int j = 0; j < n; j++) w[j] = nlr * (clip ? (g[j] * clipC) / clipD : g[j]) + w[j];
}

}  // namespace rnn

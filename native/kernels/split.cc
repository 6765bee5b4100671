// How a whole-sequence call uses the cores. Two ways, chosen per instance of the addon (setSplit):
//
// - split (the default): the batch is cut into one slice per thread (as many as oneDNN's OpenMP threads, setThreads),
//   and each thread runs the whole sequence for its slice (rnn.cc's seqForward / seqBackward, their multiplies on
//   oneDNN held to that one thread), as the WebAssembly kernel threads split a batch (kernel-threads.ts).
//   The threads meet once per call, and the slices' partial weight gradients are added up here after. This is what
//   survives a busy machine: with a barrier per multiply (below) every preempted thread stalls the others, a
//   hundred times a timestep.
// - gemm threads: one slice, and oneDNN spreads each multiply over its threads; the elementwise passes run on one.
//
// Slices never go below MIN_ROWS samples (a thread's multiply would get too thin to pay for the meeting).
#include <omp.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels.h"

namespace rnn {
namespace {

constexpr int MIN_ROWS = 8;
bool splitBatches = true;

int gatesOf(int kind) { return kind == 1 ? 4 : (kind == 2 || kind == 3) ? 3 : 1; }

template <class T>
T* off(T* p, long n) { return p ? p + n : nullptr; }

int slicesFor(int batch) {
  if (!splitBatches || omp_in_parallel()) return 1;
  return std::max(1, std::min(omp_get_max_threads(), batch / MIN_ROWS));
}

/**
 * The slices run on a few threads of our own rather than in an OpenMP parallel region: between calls they sleep on
 * a condition variable, where libgomp's idle threads spin (GOMP_SPINCOUNT, or OMP_WAIT_POLICY, which can only be set
 * before the process starts) and took cores from everything else on a busy machine. oneDNN is held to one thread in
 * each (omp_set_num_threads is per thread), so it never starts a team of its own under a slice. One pool per
 * JavaScript thread (calls are synchronous), joined when that thread ends.
 */
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  /** Runs job(0) … job(parts − 1), job(0) on this thread; returns when all are done. */
  void run(int parts, const std::function<void(int)>& job) {
    while ((int)threads_.size() < parts - 1) {
      const int index = (int)threads_.size() + 1;
      threads_.emplace_back([this, index] { loop(index); });
    }
    {
      std::lock_guard<std::mutex> lock(m_);
      job_ = &job;
      parts_ = parts;
      pending_ = parts - 1;
      generation_++;
    }
    wake_.notify_all();
    const int outer = omp_get_max_threads();
    omp_set_num_threads(1);
    job(0);
    omp_set_num_threads(outer);
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void loop(int index) {
    omp_set_num_threads(1);
    unsigned long seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lock(m_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        if (index >= parts_) continue;
        job = job_;
      }
      (*job)(index);
      {
        std::lock_guard<std::mutex> lock(m_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::mutex m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(int)>* job_ = nullptr;
  unsigned long generation_ = 0;
  int parts_ = 0, pending_ = 0;
  bool stop_ = false;
};

thread_local Pool pool;

}  // namespace

void setSplit(bool on) { splitBatches = on; }
bool splitting() { return splitBatches; }

void seqForwardSplit(int kind, int batch, int steps, int features, int units, float* x, const float* w, const float* r, const float* bias,
                     float* z, float* h, float* c, float* tc, float* rh, int act, int recAct, int goBackwards,
                     const float* inMask, int inGates, const float* recMask, float* xs, float* hs, const float* mask, const float* recBias) {
  const int P = slicesFor(batch);
  if (P <= 1) {
    seqForward(kind, batch, steps, features, units, x, w, r, bias, z, h, c, tc, rh, act, recAct, goBackwards, inMask, inGates, recMask, xs, hs, mask, recBias);
    return;
  }
  const long T = steps, D = features, U = units, GU = (long)gatesOf(kind) * units;
  pool.run(P, [&](int i) {
    const long b0 = (long)i * batch / P, b1 = (long)(i + 1) * batch / P;
    seqForward(kind, (int)(b1 - b0), steps, features, units, off(x, b0 * T * D), w, r, bias, off(z, b0 * T * GU), off(h, b0 * (T + 1) * U),
               off(c, b0 * (T + 1) * U), off(tc, b0 * T * U), off(rh, b0 * T * U), act, recAct, goBackwards,
               off(inMask, b0 * inGates * D), inGates, off(recMask, b0 * GU), off(xs, b0 * T * D), off(hs, b0 * U), off(mask, b0 * T), recBias);
  });
}

void seqBackwardSplit(int kind, int batch, int steps, int features, int units, const float* x, const float* wt, const float* rt,
                      float* z, const float* h, const float* c, const float* tc, float* rh, const float* dy, int returnSequences, int goBackwards,
                      float* dh0, float* dh1, float* dc, float* drh, float* dW, float* dR, float* dB, float* dx, int act, int recAct,
                      const float* inMask, int inGates, const float* recMask, float* xs, float* hs, float* dhNorm2, const float* mask, float* saved, float* dRecBias) {
  const int P = slicesFor(batch);
  if (P <= 1) {
    seqBackward(kind, batch, steps, features, units, x, wt, rt, z, h, c, tc, rh, dy, returnSequences, goBackwards, dh0, dh1, dc, drh, dW, dR, dB, dx,
                act, recAct, inMask, inGates, recMask, xs, hs, dhNorm2, mask, saved, dRecBias);
    return;
  }
  const long T = steps, D = features, U = units, GU = (long)gatesOf(kind) * units, wide = std::max(D, U);
  const long dyRow = returnSequences ? T * U : U;
  // Slice i > 0 writes its weight gradients (and per-step norms) into partials[i − 1], added up after.
  const long nW = D * GU, nR = U * GU, nB = GU, nN = dhNorm2 ? T : 0, nRB = dRecBias ? U : 0;
  const long per = nW + nR + nB + nN + nRB;
  std::vector<float> partials((size_t)(P - 1) * per);
  pool.run(P, [&](int i) {
    const long b0 = (long)i * batch / P, b1 = (long)(i + 1) * batch / P;
    float* mine = i == 0 ? nullptr : partials.data() + (size_t)(i - 1) * per;
    float* pW = mine ? mine : dW;
    float* pR = mine ? mine + nW : dR;
    float* pB = mine ? mine + nW + nR : dB;
    float* pN = !dhNorm2 ? nullptr : mine ? mine + nW + nR + nB : dhNorm2;
    float* pRB = !dRecBias ? nullptr : mine ? mine + nW + nR + nB + nN : dRecBias;
    seqBackward(kind, (int)(b1 - b0), steps, features, units, off(x, b0 * T * D), wt, rt, off(z, b0 * T * GU), off(h, b0 * (T + 1) * U),
                off(c, b0 * (T + 1) * U), off(tc, b0 * T * U), off(rh, b0 * T * U), off(dy, b0 * dyRow), returnSequences, goBackwards,
                off(dh0, b0 * U), off(dh1, b0 * U), off(dc, b0 * U), off(drh, b0 * U), pW, pR, pB, off(dx, b0 * T * D), act, recAct,
                off(inMask, b0 * inGates * D), inGates, off(recMask, b0 * GU), off(xs, b0 * T * wide), off(hs, b0 * U), pN,
                off(mask, b0 * T), off(saved, b0 * 2 * U), pRB);
  });
  for (int i = 1; i < P; i++) {
    const float* mine = partials.data() + (size_t)(i - 1) * per;
    addRows(1, (int)nW, mine, 0, dW, 0);
    addRows(1, (int)nR, mine + nW, 0, dR, 0);
    addRows(1, (int)nB, mine + nW + nR, 0, dB, 0);
    if (dhNorm2) addRows(1, (int)nN, mine + nW + nR + nB, 0, dhNorm2, 0);
    if (dRecBias) addRows(1, (int)nRB, mine + nW + nR + nB + nN, 0, dRecBias, 0);
  }
}

}  // namespace rnn

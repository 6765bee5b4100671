// The Embedding's row kernels (main/training/kernels/assembly/rows.ts), for native TensorFlow's path through kernel
// memory (main/training/kernels/row-ops.ts computeInKernelMemory).
#include "kernels.h"

#include <cstring>

namespace rnn {

/** out[i] = table[indices[i]] (rows of `inner` 4-byte values); −1, or the position of the first index outside [0, rows). */
int gatherRows(void* out, const void* table, const int32_t* indices, int n, int rows, int inner) {
  const size_t rowBytes = sizeof(float) * (size_t)inner;
  for (int i = 0; i < n; i++) {
    const int32_t r = indices[i];
    if ((uint32_t)r >= (uint32_t)rows) return i;
    std::memcpy((char*)out + (size_t)i * rowBytes, (const char*)table + (size_t)r * rowBytes, rowBytes);
  }
  return -1;
}

/** out[ids[i]] += x[i] (float32 rows of `inner`), out zeroed first; ids outside [0, segments) dropped. */
void segmentSum(float* out, const float* x, const int32_t* ids, int n, int segments, int inner) {
  std::memset(out, 0, sizeof(float) * (size_t)segments * inner);
  for (int i = 0; i < n; i++) {
    const int32_t s = ids[i];
    if ((uint32_t)s >= (uint32_t)segments) continue;
    const float* src = x + (size_t)i * inner;
    float* dst = out + (size_t)s * inner;
    for (int k = 0; k < inner; k++) dst[k] += src[k];
  }
}

}  // namespace rnn

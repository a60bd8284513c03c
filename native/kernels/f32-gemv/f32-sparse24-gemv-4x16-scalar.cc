// Portable 2:4 fp32 GEMV: up to 4 rows x 16 output channels per block, the kept values multiply the x their
// index selects (plain loops the compiler may vectorize; also the NEON build's kernel).
#include <algorithm>

#include "kernels/f32-gemv/f32-gemv.h"

namespace sparq {

void f32_sparse24_gemv_ukernel_4x16__scalar(const F32GemvSparse24Packed& w, const F32GemvSparse24Args& a,
                                            size_t block_begin, size_t block_end) {
  constexpr size_t B = kF32Sparse24GemvBlock;
  const size_t G = w.groups;
  for (size_t blk = block_begin; blk < block_end; ++blk) {
    const float* vals = w.vals.data() + blk * G * 2 * B;
    const uint8_t* meta = w.meta.data() + blk * G * B;
    for (size_t r = 0; r < a.rows; ++r) {
      const float* x = a.x + r * a.x_stride;
      float acc[B] = {};
      for (size_t g = 0; g < G; ++g) {
        const float* xg = x + 4 * g;
        const float* v = vals + g * 2 * B;
        const uint8_t* m = meta + g * B;
        for (size_t l = 0; l < B; ++l) acc[l] += v[l] * xg[m[l] & 3] + v[B + l] * xg[(m[l] >> 2) & 3];
      }
      const size_t n0 = blk * B, count = std::min(B, w.n - n0);
      float* y = a.y + r * a.y_stride + n0;
      const float* res = a.residual ? a.residual + r * a.residual_stride + n0 : nullptr;
      for (size_t l = 0; l < count; ++l) {
        const float s = acc[l] + w.bias[n0 + l] + (res ? res[l] : 0.f);
        y[l] = std::min(std::max(s, a.min), a.max);
      }
    }
  }
}

}  // namespace sparq

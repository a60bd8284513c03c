// NEON 8x8 fp32 GEMM microkernel for the Winograd batched products: 16 q accumulators, A lane-broadcast per row.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/winograd/winograd-f23.h"

namespace sparq {

void f32_winograd_gemm_ukernel_8x8__neon(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                         float* c, size_t ldc) {
  const float* ar[8];
  #pragma GCC unroll 8
  for (size_t r = 0; r < 8; ++r) ar[r] = a + (r < rows ? r : rows - 1) * lda;
  float32x4_t acc[8][2];
  #pragma GCC unroll 8
  for (int r = 0; r < 8; ++r) acc[r][0] = acc[r][1] = vdupq_n_f32(0.f);
  for (size_t kk = 0; kk < k; ++kk) {
    const float32x4_t b0 = vld1q_f32(b + kk * 8), b1 = vld1q_f32(b + kk * 8 + 4);
    #pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      const float av = ar[r][kk];
      acc[r][0] = vfmaq_n_f32(acc[r][0], b0, av);
      acc[r][1] = vfmaq_n_f32(acc[r][1], b1, av);
    }
  }
  #pragma GCC unroll 8
  for (size_t r = 0; r < 8; ++r) {
    if (r >= rows) break;
    vst1q_f32(c + r * ldc, acc[r][0]);
    vst1q_f32(c + r * ldc + 4, acc[r][1]);
  }
}

}  // namespace sparq
#endif

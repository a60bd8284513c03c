// AVX2+FMA 6x16 fp32 GEMM microkernel for the Winograd batched products: 12 ymm accumulators, A broadcast per row.
#include <immintrin.h>

#include "kernels/winograd/winograd-f23.h"

namespace sparq {

void f32_winograd_gemm_ukernel_6x16__avx2(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                          float* c, size_t ldc) {
  const float* ar[6];
  for (size_t r = 0; r < 6; ++r) ar[r] = a + (r < rows ? r : rows - 1) * lda;
  __m256 acc[6][2];
  #pragma GCC unroll 8
  for (int r = 0; r < 6; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (size_t kk = 0; kk < k; ++kk) {
    const __m256 b0 = _mm256_loadu_ps(b + kk * 16), b1 = _mm256_loadu_ps(b + kk * 16 + 8);
    #pragma GCC unroll 8
    for (int r = 0; r < 6; ++r) {
      const __m256 av = _mm256_broadcast_ss(ar[r] + kk);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  #pragma GCC unroll 8
  for (size_t r = 0; r < 6; ++r) {
    if (r >= rows) break;
    _mm256_storeu_ps(c + r * ldc, acc[r][0]);
    _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
  }
}

}  // namespace sparq

// AVX-512 8x32 fp32 GEMM microkernel for the Winograd batched products: 16 zmm accumulators, A broadcast per row.
#include <immintrin.h>

#include "kernels/winograd/winograd-f23.h"

namespace sparq {

void f32_winograd_gemm_ukernel_8x32__avx512(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                            float* c, size_t ldc) {
  const float* ar[8];
  #pragma GCC unroll 8
  for (size_t r = 0; r < 8; ++r) ar[r] = a + (r < rows ? r : rows - 1) * lda;
  __m512 acc[8][2];
  #pragma GCC unroll 8
  for (int r = 0; r < 8; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (size_t kk = 0; kk < k; ++kk) {
    const __m512 b0 = _mm512_loadu_ps(b + kk * 32), b1 = _mm512_loadu_ps(b + kk * 32 + 16);
    #pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      const __m512 av = _mm512_set1_ps(ar[r][kk]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  #pragma GCC unroll 8
  for (size_t r = 0; r < 8; ++r) {
    if (r >= rows) break;
    _mm512_storeu_ps(c + r * ldc, acc[r][0]);
    _mm512_storeu_ps(c + r * ldc + 16, acc[r][1]);
  }
}

}  // namespace sparq

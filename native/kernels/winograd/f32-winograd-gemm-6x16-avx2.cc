// AVX2+FMA 6x16 fp32 GEMM microkernel for the Winograd batched products: 12 ymm accumulators, A broadcast per row.
// Compiled per row count, so a block's last few tiles cost only their rows.
#include <immintrin.h>

#include "kernels/dispatch-rows.h"
#include "kernels/winograd/winograd-f23.h"

namespace sparq {
namespace {

template <int R>
void gemm_rows(size_t k, const float* a, size_t lda, const float* b, float* c, size_t ldc) {
  __m256 acc[R][2];
  #pragma GCC unroll 8
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (size_t kk = 0; kk < k; ++kk) {
    const __m256 b0 = _mm256_loadu_ps(b + kk * 16), b1 = _mm256_loadu_ps(b + kk * 16 + 8);
    #pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * lda + kk);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  #pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(c + r * ldc, acc[r][0]);
    _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
  }
}

}  // namespace

void f32_winograd_gemm_ukernel_6x16__avx2(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                          float* c, size_t ldc) {
  dispatch_rows<6>(rows, [&](auto r) { gemm_rows<decltype(r)::value>(k, a, lda, b, c, ldc); });
}

}  // namespace sparq

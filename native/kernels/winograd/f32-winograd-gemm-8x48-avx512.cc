// AVX-512 8x48 fp32 GEMM microkernel for the Winograd batched products: 24 zmm accumulators, A broadcast per row.
// Fits 48 and 144 output channels, which the 8x32 tile pads to 64 and 160 (25% and 10% of its FMAs wasted).
// Compiled per row count, so a block's last few tiles cost only their rows.
#include <immintrin.h>

#include "kernels/dispatch-rows.h"
#include "kernels/winograd/winograd-f23.h"

namespace sparq {
namespace {

template <int R>
void gemm_rows(size_t k, const float* a, size_t lda, const float* b, float* c, size_t ldc) {
  __m512 acc[R][3];
  #pragma GCC unroll 8
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = acc[r][2] = _mm512_setzero_ps();
  for (size_t kk = 0; kk < k; ++kk) {
    const __m512 b0 = _mm512_loadu_ps(b + kk * 48), b1 = _mm512_loadu_ps(b + kk * 48 + 16);
    const __m512 b2 = _mm512_loadu_ps(b + kk * 48 + 32);
    #pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[r * lda + kk]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(av, b2, acc[r][2]);
    }
  }
  #pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    _mm512_storeu_ps(c + r * ldc, acc[r][0]);
    _mm512_storeu_ps(c + r * ldc + 16, acc[r][1]);
    _mm512_storeu_ps(c + r * ldc + 32, acc[r][2]);
  }
}

}  // namespace

void f32_winograd_gemm_ukernel_8x48__avx512(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                            float* c, size_t ldc) {
  dispatch_rows<8>(rows, [&](auto r) { gemm_rows<decltype(r)::value>(k, a, lda, b, c, ldc); });
}

}  // namespace sparq

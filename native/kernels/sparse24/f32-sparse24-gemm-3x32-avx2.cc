// AVX2 2:4 fp32 sparse GEMM: 3 output channels x 32 rows of X; a kept weight is broadcast once and multiplies
// the four ymm of the X^T row its index selects (1.25 loads per FMA, half the FMAs of dense).
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels/sparse24/f32-sparse24-gemm-driver.h"

namespace sparq {

namespace {

template <size_t V>
void body(size_t groups, const float* xt, const float* vals, const uint8_t* idx, float* acc) {
  constexpr size_t S = 8 * V;
  __m256 a[3][V];
  #pragma GCC unroll 16
  for (size_t n = 0; n < 3; ++n)
    #pragma GCC unroll 16
    for (size_t v = 0; v < V; ++v) a[n][v] = _mm256_loadu_ps(acc + n * S + 8 * v);
  for (size_t g = 0; g < groups; ++g, vals += 6, idx += 6) {
    const float* xg = xt + 4 * g * S;
    #pragma GCC unroll 16
    for (size_t n = 0; n < 3; ++n) {
      #pragma GCC unroll 16
      for (size_t s = 0; s < 2; ++s) {
        const __m256 wv = _mm256_set1_ps(vals[n * 2 + s]);
        const float* r = xg + idx[n * 2 + s] * S;
        #pragma GCC unroll 16
        for (size_t v = 0; v < V; ++v) a[n][v] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(r + 8 * v), a[n][v]);
      }
    }
  }
  #pragma GCC unroll 16
  for (size_t n = 0; n < 3; ++n)
    #pragma GCC unroll 16
    for (size_t v = 0; v < V; ++v) _mm256_storeu_ps(acc + n * S + 8 * v, a[n][v]);
}

}  // namespace

void f32_sparse24_ukernel_3x32__avx2(size_t groups, size_t vectors, const float* xt, size_t stride,
                                       const float* vals, const uint8_t* idx, float* acc) {
  switch (vectors) {
    case 1: return body<1>(groups, xt, vals, idx, acc);
    case 2: return body<2>(groups, xt, vals, idx, acc);
    case 3: return body<3>(groups, xt, vals, idx, acc);
    default: return body<4>(groups, xt, vals, idx, acc);
  }
}

void f32_sparse24_gemm_3x32__avx2(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                    const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                    size_t row_begin, size_t row_end) {
  f32_sparse24_run<3, 8, 4>(f32_sparse24_ukernel_3x32__avx2, x, ldx, w, act, y, ldy, workspace, row_begin,
                             row_end);
}

}  // namespace sparq
#endif

// Portable 2:4 fp32 sparse GEMM: 4 output channels x 16 rows of X per microkernel step.
#include "kernels/sparse24/f32-sparse24-gemm-driver.h"

namespace sparq {

namespace {

template <size_t V>
void body(size_t groups, const float* xt, const float* vals, const uint8_t* idx, float* acc) {
  constexpr size_t S = 4 * V;
  float a[4][S];
  #pragma GCC unroll 16
  for (size_t n = 0; n < 4; ++n)
    #pragma GCC unroll 16
    for (size_t l = 0; l < S; ++l) a[n][l] = acc[n * S + l];
  for (size_t g = 0; g < groups; ++g, vals += 8, idx += 8) {
    const float* xg = xt + 4 * g * S;
    #pragma GCC unroll 16
    for (size_t n = 0; n < 4; ++n) {
      #pragma GCC unroll 16
      for (size_t s = 0; s < 2; ++s) {
        const float wv = vals[n * 2 + s];
        const float* r = xg + idx[n * 2 + s] * S;
        #pragma GCC unroll 16
        for (size_t l = 0; l < S; ++l) a[n][l] += wv * r[l];
      }
    }
  }
  #pragma GCC unroll 16
  for (size_t n = 0; n < 4; ++n)
    #pragma GCC unroll 16
    for (size_t l = 0; l < S; ++l) acc[n * S + l] = a[n][l];
}

}  // namespace

void f32_sparse24_ukernel_4x16__scalar(size_t groups, size_t vectors, const float* xt, size_t stride,
                                       const float* vals, const uint8_t* idx, float* acc) {
  switch (vectors) {
    case 1: return body<1>(groups, xt, vals, idx, acc);
    case 2: return body<2>(groups, xt, vals, idx, acc);
    case 3: return body<3>(groups, xt, vals, idx, acc);
    default: return body<4>(groups, xt, vals, idx, acc);
  }
}

void f32_sparse24_gemm_4x16__scalar(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                    const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                    size_t row_begin, size_t row_end) {
  f32_sparse24_run<4, 4, 4>(f32_sparse24_ukernel_4x16__scalar, x, ldx, w, act, y, ldy, workspace, row_begin,
                            row_end);
}

}  // namespace sparq

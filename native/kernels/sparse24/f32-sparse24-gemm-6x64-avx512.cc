// AVX-512 2:4 fp32 sparse GEMM: 6 output channels x 64 rows of X; a kept weight is broadcast once and multiplies
// the four zmm of the X^T row its index selects (1.25 loads per FMA, half the FMAs of dense).
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels/sparse24/f32-sparse24-gemm-driver.h"

// GCC 12 flags the undefined pass-through vectors inside its own shuffle intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace sparq {

namespace {

template <size_t V>
void body(size_t groups, const float* xt, const float* vals, const uint8_t* idx, float* acc) {
  constexpr size_t S = 16 * V;
  __m512 a[6][V];
  #pragma GCC unroll 16
  for (size_t n = 0; n < 6; ++n)
    #pragma GCC unroll 16
    for (size_t v = 0; v < V; ++v) a[n][v] = _mm512_loadu_ps(acc + n * S + 16 * v);
  for (size_t g = 0; g < groups; ++g, vals += 12, idx += 12) {
    const float* xg = xt + 4 * g * S;
    #pragma GCC unroll 16
    for (size_t n = 0; n < 6; ++n) {
      #pragma GCC unroll 16
      for (size_t s = 0; s < 2; ++s) {
        const __m512 wv = _mm512_set1_ps(vals[n * 2 + s]);
        const float* r = xg + idx[n * 2 + s] * S;
        #pragma GCC unroll 16
        for (size_t v = 0; v < V; ++v) a[n][v] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(r + 16 * v), a[n][v]);
      }
    }
  }
  #pragma GCC unroll 16
  for (size_t n = 0; n < 6; ++n)
    #pragma GCC unroll 16
    for (size_t v = 0; v < V; ++v) _mm512_storeu_ps(acc + n * S + 16 * v, a[n][v]);
}

// In-register 16 x 16 transpose: out[c] lane r = in[r] lane c.
inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4q + j], 128-bit lane L = rows 4q..4q+3 at column 4L + j
  for (int q = 0; q < 4; ++q) {
    u[4 * q + 0] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
    u[4 * q + 1] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0xEE);
    u[4 * q + 2] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
    u[4 * q + 3] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
  }
  for (int j = 0; j < 4; ++j) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), w0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
    const __m512 v1 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88);
    const __m512 w1 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
    r[0 + j] = _mm512_shuffle_f32x4(v0, v1, 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(v0, v1, 0xDD);
    r[4 + j] = _mm512_shuffle_f32x4(w0, w1, 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(w0, w1, 0xDD);
  }
}

struct Avx512Transpose {
  static void to_lanes(const float* x, size_t ldx, size_t rows, size_t K, size_t KP, size_t stride, float* xt) {
    for (size_t p0 = 0; p0 < stride; p0 += 16) {
      for (size_t k0 = 0; k0 < KP; k0 += 16) {
        const size_t kv = k0 < K ? std::min<size_t>(16, K - k0) : 0;
        const __mmask16 mask = static_cast<__mmask16>((1u << kv) - 1u);
        __m512 r[16];
        for (size_t i = 0; i < 16; ++i) {
          r[i] = p0 + i < rows ? _mm512_maskz_loadu_ps(mask, x + (p0 + i) * ldx + k0) : _mm512_setzero_ps();
        }
        transpose16(r);
        const size_t kn = std::min<size_t>(16, KP - k0);
        for (size_t c = 0; c < kn; ++c) _mm512_storeu_ps(xt + (k0 + c) * stride + p0, r[c]);
      }
    }
  }
  static void from_lanes(const float* acc, size_t stride, size_t rows, size_t N, size_t NP, const float* bias,
                         float* y, size_t ldy) {
    for (size_t p0 = 0; p0 < rows; p0 += 16) {
      const size_t pn = std::min<size_t>(16, rows - p0);
      for (size_t n0 = 0; n0 < N; n0 += 16) {
        const size_t nn = std::min<size_t>(16, N - n0);
        const __mmask16 mask = static_cast<__mmask16>((1u << nn) - 1u);
        __m512 r[16];
        for (size_t i = 0; i < 16; ++i) {
          r[i] = n0 + i < NP ? _mm512_loadu_ps(acc + (n0 + i) * stride + p0) : _mm512_setzero_ps();
        }
        transpose16(r);
        const __m512 b = _mm512_maskz_loadu_ps(mask, bias + n0);
        for (size_t c = 0; c < pn; ++c) _mm512_mask_storeu_ps(y + (p0 + c) * ldy + n0, mask, _mm512_add_ps(r[c], b));
      }
    }
  }
};

}  // namespace

void f32_sparse24_ukernel_6x64__avx512(size_t groups, size_t vectors, const float* xt, size_t stride,
                                       const float* vals, const uint8_t* idx, float* acc) {
  switch (vectors) {
    case 1: return body<1>(groups, xt, vals, idx, acc);
    case 2: return body<2>(groups, xt, vals, idx, acc);
    case 3: return body<3>(groups, xt, vals, idx, acc);
    default: return body<4>(groups, xt, vals, idx, acc);
  }
}

void f32_sparse24_gemm_6x64__avx512(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                    const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                    size_t row_begin, size_t row_end) {
  f32_sparse24_run<6, 16, 4, Avx512Transpose>(f32_sparse24_ukernel_6x64__avx512, x, ldx, w, act, y, ldy, workspace, row_begin,
                             row_end);
}

}  // namespace sparq
#endif

// AVX-512 dense fp32 GEMV on the 14x32 GEMM's packed panels (K x 32 per panel): one row of A, the whole K in one
// pass, four K-interleaved accumulator pairs and software prefetch, since the weights stream from memory once.
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels/f32-gemm/f32-gemm.h"

// GCC 12 flags the undefined pass-through inside its own _mm512_max_ps/_mm512_min_ps (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace sparq {

void f32_gemv_ukernel_1x32__avx512(size_t, size_t nc, size_t kc, const float* a, size_t, const float* w,
                                   size_t w_panel_stride, float* c, size_t, const F32GemmEpilogue& ep, uint32_t flags) {
  constexpr size_t kNR = 32;
  const bool clamp = (flags & kF32GemmLastK) && (flags & kF32GemmClamp);
  for (size_t n0 = 0; n0 < nc; n0 += kNR, w += w_panel_stride) {
    const size_t nr = nc - n0 < kNR ? nc - n0 : kNR;
    const __mmask16 m0 = nr >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nr) - 1u);
    const __mmask16 m1 = nr >= 32 ? __mmask16(0xFFFF) : nr > 16 ? __mmask16((1u << (nr - 16)) - 1u) : __mmask16(0);
    __m512 acc[4][2];
    for (int u = 0; u < 4; ++u) acc[u][0] = acc[u][1] = _mm512_setzero_ps();
    const float* wp = w;
    size_t k = 0;
    for (; k + 4 <= kc; k += 4, wp += 4 * kNR) {
      _mm_prefetch(reinterpret_cast<const char*>(wp + 16 * kNR), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(wp + 16 * kNR + 16), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(wp + 17 * kNR), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(wp + 17 * kNR + 16), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(wp + 18 * kNR), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(wp + 18 * kNR + 16), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(wp + 19 * kNR), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(wp + 19 * kNR + 16), _MM_HINT_T0);
#pragma GCC unroll 4
      for (int u = 0; u < 4; ++u) {
        const __m512 av = _mm512_set1_ps(a[k + u]);
        acc[u][0] = _mm512_fmadd_ps(av, _mm512_load_ps(wp + u * kNR), acc[u][0]);
        acc[u][1] = _mm512_fmadd_ps(av, _mm512_load_ps(wp + u * kNR + 16), acc[u][1]);
      }
    }
    for (; k < kc; ++k, wp += kNR) {
      const __m512 av = _mm512_set1_ps(a[k]);
      acc[0][0] = _mm512_fmadd_ps(av, _mm512_load_ps(wp), acc[0][0]);
      acc[0][1] = _mm512_fmadd_ps(av, _mm512_load_ps(wp + 16), acc[0][1]);
    }
    __m512 s0 = _mm512_add_ps(_mm512_add_ps(acc[0][0], acc[1][0]), _mm512_add_ps(acc[2][0], acc[3][0]));
    __m512 s1 = _mm512_add_ps(_mm512_add_ps(acc[0][1], acc[1][1]), _mm512_add_ps(acc[2][1], acc[3][1]));
    if (flags & kF32GemmFirstK) {
      if (ep.bias) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(ep.bias + n0));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(ep.bias + n0 + 16));
      }
      if (ep.residual) {
        s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m0, ep.residual + n0));
        s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m1, ep.residual + n0 + 16));
      }
    } else {
      s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m0, c + n0));
      s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m1, c + n0 + 16));
    }
    if (clamp) {
      const __m512 lo = _mm512_set1_ps(ep.min), hi = _mm512_set1_ps(ep.max);
      s0 = _mm512_min_ps(_mm512_max_ps(s0, lo), hi);
      s1 = _mm512_min_ps(_mm512_max_ps(s1, lo), hi);
    }
    _mm512_mask_storeu_ps(c + n0, m0, s0);
    _mm512_mask_storeu_ps(c + n0 + 16, m1, s1);
  }
}

}  // namespace sparq
#endif

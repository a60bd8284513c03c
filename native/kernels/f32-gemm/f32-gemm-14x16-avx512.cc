// AVX-512 14x16 fp32 GEMM microkernel for narrow outputs (N <= 16, e.g. 16-channel CIFAR ResNet layers), where
// the 14x32 kernel would compute a zero half-panel: 14 zmm accumulators, B panels of 16 floats.
#include <immintrin.h>

// GCC 12 warns about the undefined passthrough inside _mm512_max_ps/_mm512_min_ps (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/dispatch-rows.h"
#include "kernels/f32-gemm/f32-gemm.h"

namespace sparq {
namespace {

constexpr size_t kNR = 16;

template <int MR>
void tile_rows(size_t nc, size_t kc, const float* a, size_t a_stride, const float* w, size_t w_panel_stride, float* c,
               size_t c_stride, const F32GemmEpilogue& ep, uint32_t flags) {
  const float* ar[MR];
  float* cr[MR];
  for (int i = 0; i < MR; ++i) {
    ar[i] = a + i * a_stride;
    cr[i] = c + i * c_stride;
  }
  const bool clamp = (flags & kF32GemmLastK) && (flags & kF32GemmClamp);
  const __m512 vmin = _mm512_set1_ps(ep.min), vmax = _mm512_set1_ps(ep.max);
  for (size_t n0 = 0; n0 < nc; n0 += kNR, w += w_panel_stride) {
    const size_t nr = nc - n0 < kNR ? nc - n0 : kNR;
    const __mmask16 m0 = nr >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nr) - 1u);
    __m512 acc0[MR];
    if (flags & kF32GemmFirstK) {
      const __m512 b0 = ep.bias ? _mm512_loadu_ps(ep.bias + n0) : _mm512_setzero_ps();
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        acc0[i] = b0;
      }
      if (ep.residual) {
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
          const float* r = ep.residual + i * ep.residual_stride + n0;
          acc0[i] = _mm512_add_ps(acc0[i], _mm512_maskz_loadu_ps(m0, r));
        }
      }
    } else {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        acc0[i] = _mm512_maskz_loadu_ps(m0, cr[i] + n0);
      }
    }
    const float* wp = w;
    for (size_t k = 0; k < kc; ++k, wp += kNR) {
      const __m512 b0 = _mm512_load_ps(wp);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const __m512 av = _mm512_set1_ps(ar[i][k]);
        acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
      }
    }
    if (clamp) {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        acc0[i] = _mm512_min_ps(_mm512_max_ps(acc0[i], vmin), vmax);
      }
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      _mm512_mask_storeu_ps(cr[i] + n0, m0, acc0[i]);
    }
  }
}

}  // namespace

void f32_gemm_ukernel_14x16__avx512(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                    const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                    const F32GemmEpilogue& ep, uint32_t flags) {
  dispatch_rows<14>(mr, [&](auto rows) {
    tile_rows<decltype(rows)::value>(nc, kc, a, a_stride, w, w_panel_stride, c, c_stride, ep, flags);
  });
}

}  // namespace sparq

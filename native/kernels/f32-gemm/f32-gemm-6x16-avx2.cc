// AVX2/FMA 6x16 fp32 GEMM microkernel: 12 ymm accumulators, B panels of 16 floats, A broadcast per row.
#include <immintrin.h>

#include "kernels/dispatch-rows.h"
#include "kernels/f32-gemm/f32-gemm.h"

namespace sparq {
namespace {

constexpr size_t kNR = 16;

inline __m256i tail_mask(size_t count) {  // lanes [0, count) set, count in [0, 8]
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), lanes);
}

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
  const __m256 vmin = _mm256_set1_ps(ep.min), vmax = _mm256_set1_ps(ep.max);
  for (size_t n0 = 0; n0 < nc; n0 += kNR, w += w_panel_stride) {
    const size_t nr = nc - n0 < kNR ? nc - n0 : kNR;
    const bool full = nr == kNR;
    const __m256i m0 = full ? _mm256_set1_epi32(-1) : tail_mask(nr < 8 ? nr : 8);
    const __m256i m1 = full ? _mm256_set1_epi32(-1) : tail_mask(nr > 8 ? nr - 8 : 0);
    __m256 acc0[MR], acc1[MR];
    if (flags & kF32GemmFirstK) {
      const __m256 b0 = ep.bias ? _mm256_loadu_ps(ep.bias + n0) : _mm256_setzero_ps();
      const __m256 b1 = ep.bias ? _mm256_loadu_ps(ep.bias + n0 + 8) : _mm256_setzero_ps();
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        acc0[i] = b0;
        acc1[i] = b1;
        if (ep.residual) {
          const float* r = ep.residual + i * ep.residual_stride + n0;
          acc0[i] = _mm256_add_ps(acc0[i], _mm256_maskload_ps(r, m0));
          acc1[i] = _mm256_add_ps(acc1[i], _mm256_maskload_ps(r + 8, m1));
        }
      }
    } else {
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        acc0[i] = _mm256_maskload_ps(cr[i] + n0, m0);
        acc1[i] = _mm256_maskload_ps(cr[i] + n0 + 8, m1);
      }
    }
    const float* wp = w;
    for (size_t k = 0; k < kc; ++k, wp += kNR) {
      const __m256 b0 = _mm256_load_ps(wp);
      const __m256 b1 = _mm256_load_ps(wp + 8);
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        const __m256 av = _mm256_broadcast_ss(ar[i] + k);
        acc0[i] = _mm256_fmadd_ps(av, b0, acc0[i]);
        acc1[i] = _mm256_fmadd_ps(av, b1, acc1[i]);
      }
    }
    if (clamp) {
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        acc0[i] = _mm256_min_ps(_mm256_max_ps(acc0[i], vmin), vmax);
        acc1[i] = _mm256_min_ps(_mm256_max_ps(acc1[i], vmin), vmax);
      }
    }
    if (full) {
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        _mm256_storeu_ps(cr[i] + n0, acc0[i]);
        _mm256_storeu_ps(cr[i] + n0 + 8, acc1[i]);
      }
    } else {
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        _mm256_maskstore_ps(cr[i] + n0, m0, acc0[i]);
        _mm256_maskstore_ps(cr[i] + n0 + 8, m1, acc1[i]);
      }
    }
  }
}

}  // namespace

void f32_gemm_ukernel_6x16__avx2(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* w,
                                 size_t w_panel_stride, float* c, size_t c_stride, const F32GemmEpilogue& ep,
                                 uint32_t flags) {
  dispatch_rows<6>(mr, [&](auto rows) {
    tile_rows<decltype(rows)::value>(nc, kc, a, a_stride, w, w_panel_stride, c, c_stride, ep, flags);
  });
}

}  // namespace sparq

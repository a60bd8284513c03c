// AVX2 6x16 fp32 direct-conv microkernel: 6 output pixels x 16 output channels in 12 ymm accumulators.
#include <immintrin.h>

#include "kernels/dispatch-rows.h"
#include "kernels/f32-dconv/f32-dconv.h"

namespace sparq {
namespace {

constexpr size_t kNR = 16;

// Lane mask of the first `lanes` (0..8) floats for maskload/maskstore.
__m256i lane_mask(size_t lanes) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lanes)), index);
}

template <int MR>
struct Tile {
  static void run(size_t nc, size_t channels, size_t taps, const float* const* a, const size_t* tap_offsets,
                  const float* w, size_t w_panel_stride, float* c, size_t c_stride, const F32GemmEpilogue& ep,
                  uint32_t flags) {
    const bool clamp = (flags & kF32GemmClamp) != 0;
    const __m256 vmin = _mm256_set1_ps(ep.min), vmax = _mm256_set1_ps(ep.max);
    for (size_t n0 = 0; n0 < nc; n0 += kNR, w += w_panel_stride) {
      const size_t nr = nc - n0 < kNR ? nc - n0 : kNR;
      const __m256i mask[2] = {lane_mask(nr < 8 ? nr : 8), lane_mask(nr > 8 ? nr - 8 : 0)};
      __m256 acc[MR][2];
      for (int v = 0; v < 2; ++v) {
        const __m256 b = ep.bias ? _mm256_loadu_ps(ep.bias + n0 + 8 * v) : _mm256_setzero_ps();
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i) acc[i][v] = b;
      }
      if (ep.residual) {
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i)
          for (int v = 0; v < 2; ++v)
            acc[i][v] = _mm256_add_ps(acc[i][v], _mm256_maskload_ps(ep.residual + i * ep.residual_stride + n0 + 8 * v, mask[v]));
      }
      const float* wp = w;
      for (size_t t = 0; t < taps; ++t) {
        const float* ap[MR];
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i) ap[i] = a[i] + tap_offsets[t];
        for (size_t ch = 0; ch < channels; ++ch, wp += kNR) {
          const __m256 b0 = _mm256_loadu_ps(wp), b1 = _mm256_loadu_ps(wp + 8);
#pragma GCC unroll 8
          for (int i = 0; i < MR; ++i) {
            const __m256 av = _mm256_broadcast_ss(ap[i] + ch);
            acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
          }
        }
      }
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        for (int v = 0; v < 2; ++v) {
          __m256 y = acc[i][v];
          if (clamp) y = _mm256_min_ps(_mm256_max_ps(y, vmin), vmax);
          _mm256_maskstore_ps(c + i * c_stride + n0 + 8 * v, mask[v], y);
        }
      }
    }
  }
};

}  // namespace

void f32_dconv_ukernel_6x16__avx2(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                  const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c,
                                  size_t c_stride, const F32GemmEpilogue& ep, uint32_t flags) {
  dispatch_rows<6>(mr, [&](auto rows) {
    Tile<decltype(rows)::value>::run(nc, channels, taps, a, tap_offsets, w, w_panel_stride, c, c_stride, ep,
                                     flags);
  });
}

}  // namespace sparq

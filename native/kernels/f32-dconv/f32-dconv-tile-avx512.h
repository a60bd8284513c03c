// The AVX-512 direct-conv tile shared by the f32-dconv-*-avx512.cc kernels: MR pixels x V zmm of channels held in
// MR*V accumulators over all taps and channels; included only by files built with the AVX-512 flags.
#pragma once
#include <immintrin.h>

#include "kernels/f32-dconv/f32-dconv.h"

namespace sparq {
namespace f32_dconv_avx512 {

template <int MR, int V>
void tile(size_t nc, size_t channels, size_t taps, const float* const* a, const size_t* tap_offsets, const float* w,
          size_t w_panel_stride, float* c, size_t c_stride, const F32GemmEpilogue& ep, uint32_t flags) {
  constexpr size_t kNR = 16 * V;
  const bool clamp = (flags & kF32GemmClamp) != 0;
  for (size_t n0 = 0; n0 < nc; n0 += kNR, w += w_panel_stride) {
    const size_t nr = nc - n0 < kNR ? nc - n0 : kNR;
    __mmask16 mask[V];
    __m512 acc[MR][V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const size_t lanes = nr > 16u * v ? (nr - 16u * v < 16 ? nr - 16u * v : 16) : 0;
      mask[v] = static_cast<__mmask16>((1u << lanes) - 1u);
      const __m512 b = ep.bias ? _mm512_loadu_ps(ep.bias + n0 + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) acc[i][v] = b;
    }
    if (ep.residual) {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          acc[i][v] = _mm512_add_ps(acc[i][v], _mm512_maskz_loadu_ps(mask[v], ep.residual + i * ep.residual_stride + n0 + 16 * v));
    }
    const float* wp = w;
    if (channels == 1) {
      // One value per tap (the few-channel convs pass every (tap, channel) as a tap): the pixel pointers stay in
      // registers and each tap only indexes them, instead of rebuilding MR pointers per tap.
      const float* ar[MR];
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) ar[i] = a[i];
      for (size_t t = 0; t < taps; ++t, wp += kNR) {
        const size_t off = tap_offsets[t];
        __m512 b[V];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) b[v] = _mm512_loadu_ps(wp + 16 * v);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
          const __m512 av = _mm512_set1_ps(ar[i][off]);
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) acc[i][v] = _mm512_fmadd_ps(av, b[v], acc[i][v]);
        }
      }
    } else {
      for (size_t t = 0; t < taps; ++t) {
        const size_t off = tap_offsets[t];
        const float* ap[MR];
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) ap[i] = a[i] + off;
        for (size_t ch = 0; ch < channels; ++ch, wp += kNR) {
          __m512 b[V];
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) b[v] = _mm512_loadu_ps(wp + 16 * v);
#pragma GCC unroll 16
          for (int i = 0; i < MR; ++i) {
            const __m512 av = _mm512_set1_ps(ap[i][ch]);
#pragma GCC unroll 4
            for (int v = 0; v < V; ++v) acc[i][v] = _mm512_fmadd_ps(av, b[v], acc[i][v]);
          }
        }
      }
    }
    // The bounds are loaded only now: all 32 registers are taken by the K loop.
    const __m512 vmin = _mm512_set1_ps(ep.min), vmax = _mm512_set1_ps(ep.max);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        __m512 y = acc[i][v];
        if (clamp) y = _mm512_min_ps(_mm512_max_ps(y, vmin), vmax);
        _mm512_mask_storeu_ps(c + i * c_stride + n0 + 16 * v, mask[v], y);
      }
    }
  }
}

}  // namespace f32_dconv_avx512
}  // namespace sparq

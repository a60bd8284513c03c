// AVX2/FMA depthwise-convolution row kernel, 8 channels per vector; 3x3 and 5x5 (stride 1, 2) interiors compute
// 4 output pixels per pass so each input vector is loaded once per kernel row.
#include <immintrin.h>

#include "kernels/f32-dwconv/f32-dwconv.h"

namespace sparq {
namespace {

inline __m256i channel_mask(size_t remaining) {
  const int n = remaining >= 8 ? 8 : static_cast<int>(remaining);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

inline void border_pixel(const F32DwconvParams& p, const float* const* rows, size_t ki_lo, size_t ki_hi, long iw0,
                         const float* w, const float* bias, const float* residual, float* yp) {
  const size_t C = p.channels;
  size_t kj_lo = 0, kj_hi = p.kernel_w;
  while (kj_lo < kj_hi && iw0 + static_cast<long>(kj_lo * p.dilation_w) < 0) ++kj_lo;
  while (kj_hi > kj_lo && iw0 + static_cast<long>((kj_hi - 1) * p.dilation_w) >= static_cast<long>(p.in_w)) --kj_hi;
  const __m256 vmin = _mm256_set1_ps(p.min), vmax = _mm256_set1_ps(p.max);
  for (size_t c = 0; c < C; c += 8) {
    const __m256i m = channel_mask(C - c);
    __m256 acc = _mm256_maskload_ps(bias + c, m);
    if (residual) acc = _mm256_add_ps(acc, _mm256_maskload_ps(residual + c, m));
    for (size_t ki = ki_lo; ki < ki_hi; ++ki) {
      for (size_t kj = kj_lo; kj < kj_hi; ++kj) {
        const float* xp = rows[ki] + (iw0 + static_cast<long>(kj * p.dilation_w)) * static_cast<long>(C) + c;
        const float* wp = w + (ki * p.kernel_w + kj) * p.padded_channels + c;
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(xp, m), _mm256_load_ps(wp), acc);
      }
    }
    if (p.clamp) acc = _mm256_min_ps(_mm256_max_ps(acc, vmin), vmax);
    _mm256_maskstore_ps(yp + c, m, acc);
  }
}

// OB adjacent interior output pixels of one channel block: each loaded input vector feeds every output
// it overlaps (stride S, dilation 1).
template <int KH, int KW, int S, int OB>
inline void interior_block(const float* const* xr, size_t C, const __m256* wv, __m256 vb, const float* rp,
                           __m256i m, bool full, bool clamp, __m256 vmin, __m256 vmax, float* yp) {
  __m256 acc[OB];
#pragma GCC unroll 4
  for (int o = 0; o < OB; ++o)
    acc[o] = rp ? _mm256_add_ps(vb, full ? _mm256_loadu_ps(rp + o * C) : _mm256_maskload_ps(rp + o * C, m)) : vb;
#pragma GCC unroll 5
  for (int ki = 0; ki < KH; ++ki) {
#pragma GCC unroll 16
    for (int j = 0; j < S * (OB - 1) + KW; ++j) {
      const float* xp = xr[ki] + j * C;
      const __m256 xv = full ? _mm256_loadu_ps(xp) : _mm256_maskload_ps(xp, m);
#pragma GCC unroll 4
      for (int o = 0; o < OB; ++o) {
        const int kj = j - S * o;
        if (kj >= 0 && kj < KW) acc[o] = _mm256_fmadd_ps(xv, wv[ki * KW + kj], acc[o]);
      }
    }
  }
#pragma GCC unroll 4
  for (int o = 0; o < OB; ++o) {
    if (clamp) acc[o] = _mm256_min_ps(_mm256_max_ps(acc[o], vmin), vmax);
    if (full) _mm256_storeu_ps(yp + o * C, acc[o]);
    else _mm256_maskstore_ps(yp + o * C, m, acc[o]);
  }
}

// Interior pixels [ow_begin, ow_end) with every tap row in the image and dilation 1: 3x3 taps stay in
// registers per channel block (5x5 taps spill to L1, still one load per tap per 4 pixels).
template <int KH, int KW, int S>
void interior_fixed(const F32DwconvParams& p, const float* const* rows, const float* w, const float* bias,
                    const float* residual, float* y) {
  constexpr int OB = 4;
  const size_t C = p.channels;
  const __m256 vmin = _mm256_set1_ps(p.min), vmax = _mm256_set1_ps(p.max);
  for (size_t c = 0; c < C; c += 8) {
    const __m256i m = channel_mask(C - c);
    const bool full = C - c >= 8;
    __m256 wv[KH * KW];
#pragma GCC unroll 25
    for (int t = 0; t < KH * KW; ++t) wv[t] = _mm256_load_ps(w + t * p.padded_channels + c);
    const __m256 vb = _mm256_load_ps(bias + c);
    const float* xr[KH];
    size_t ow = p.ow_begin;
    for (; ow + OB <= p.ow_end; ow += OB) {
      const long iw = static_cast<long>(ow * S) - static_cast<long>(p.pad_left);
      for (int ki = 0; ki < KH; ++ki) xr[ki] = rows[ki] + iw * static_cast<long>(C) + c;
      interior_block<KH, KW, S, OB>(xr, C, wv, vb, residual ? residual + ow * C + c : nullptr, m, full, p.clamp, vmin,
                                    vmax, y + ow * C + c);
    }
    for (; ow < p.ow_end; ++ow) {
      const long iw = static_cast<long>(ow * S) - static_cast<long>(p.pad_left);
      for (int ki = 0; ki < KH; ++ki) xr[ki] = rows[ki] + iw * static_cast<long>(C) + c;
      interior_block<KH, KW, S, 1>(xr, C, wv, vb, residual ? residual + ow * C + c : nullptr, m, full, p.clamp, vmin,
                                   vmax, y + ow * C + c);
    }
  }
}

}  // namespace

void f32_dwconv_ukernel_c8__avx2(const F32DwconvParams& p, size_t oh, const float* x, const float* w,
                                 const float* bias, const float* residual, float* y) {
  const size_t C = p.channels;
  const long ih0 = static_cast<long>(oh * p.stride_h) - static_cast<long>(p.pad_top);
  const float* rows[32];  // kernel_h <= 32 is checked by the op
  size_t ki_lo = 0, ki_hi = p.kernel_h;
  for (size_t ki = 0; ki < p.kernel_h; ++ki) {
    const long ih = ih0 + static_cast<long>(ki * p.dilation_h);
    rows[ki] = x + ih * static_cast<long>(p.in_w * C);
    if (ih < 0) ki_lo = ki + 1;
    else if (ih >= static_cast<long>(p.in_h) && ki < ki_hi) ki_hi = ki;
  }
  if (ki_hi < ki_lo) ki_hi = ki_lo;
  auto border = [&](size_t ow) {
    const long iw0 = static_cast<long>(ow * p.stride_w) - static_cast<long>(p.pad_left);
    border_pixel(p, rows, ki_lo, ki_hi, iw0, w, bias, residual ? residual + ow * C : nullptr, y + ow * C);
  };
  for (size_t ow = 0; ow < p.ow_begin; ++ow) border(ow);
  const bool fixed = ki_lo == 0 && ki_hi == p.kernel_h && p.dilation_w == 1 && p.stride_w <= 2;
  const size_t shape = fixed ? p.kernel_h * 100 + p.kernel_w * 10 + p.stride_w : 0;
  if (shape == 331) {
    interior_fixed<3, 3, 1>(p, rows, w, bias, residual, y);
  } else if (shape == 332) {
    interior_fixed<3, 3, 2>(p, rows, w, bias, residual, y);
  } else if (shape == 551) {
    interior_fixed<5, 5, 1>(p, rows, w, bias, residual, y);
  } else if (shape == 552) {
    interior_fixed<5, 5, 2>(p, rows, w, bias, residual, y);
  } else {
    for (size_t ow = p.ow_begin; ow < p.ow_end; ++ow) border(ow);
  }
  for (size_t ow = p.ow_end > p.ow_begin ? p.ow_end : p.ow_begin; ow < p.out_w; ++ow) border(ow);
}

}  // namespace sparq

// The AVX-512 few-channel conv shared by the f32-conv-fewc-*-avx512.cc kernels: tiles of P pixel pairs x O zmm, each
// zmm 2 pixels x 8 channels interleaved (lane 2j = first pixel, 2j + 1 = second, channel j), summed over all taps
// in registers; included only by files built with the AVX-512 flags.
//
// Measured on Zen 5 (9-tap stem, 7 pairs x 3 zmm): the taps run at the FMA peak (10.5 cycles per tap), and the
// epilogue (de-interleave, clamp, 42 ymm stores) adds ~40 cycles to a ~95-cycle tile; most of that is the stores
// (~48 bytes per cycle, and they take FMA throughput). Finishing a tile during the next one's taps did not pay:
// parked in an L1 scratch it doubles the stores, and two tiles in registers leave too few for the weights.
#pragma once
#include <immintrin.h>

#include <cstring>

#include "kernels/dispatch-rows.h"
#include "kernels/f32-conv-fewc/f32-conv-fewc.h"

namespace sparq {
namespace f32_conv_fewc_avx512 {

// [x0, x1] in every 64-bit lane: both pixels of a pair from one 8-byte load (vbroadcastsd), no shuffle.
inline __m512 broadcast_pair(const float* p) {
  double d;
  std::memcpy(&d, p, sizeof d);
  return _mm512_castpd_ps(_mm512_set1_pd(d));
}

struct Epilogue {
  size_t stride;      // floats between output pixels
  bool clamp, upper;  // clamp from below; and from above (relu has none: no min against +FLT_MAX)
  float min, max;
};

// `pixels` (2P - 1 or 2P) pixels x one panel of `channels` (1..8 * O) at out; x0 is pair 0's tap-0 input.
template <int P, int O>
__attribute__((always_inline)) inline void tile(const float* x0, const size_t* tap_offsets, size_t taps, const float* w, const float* bias, size_t pixels,
          size_t channels, const float* residual, float* out, const Epilogue& e) {
  constexpr size_t kNR = 8 * O;
  __m512 acc[P][O];
#pragma GCC unroll 8
  for (int o = 0; o < O; ++o) {
    const __m512 b = _mm512_loadu_ps(bias + 16 * o);
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i) acc[i][o] = b;
  }
  for (size_t t = 0; t < taps; ++t, w += 2 * kNR) {
    const float* x = x0 + tap_offsets[t];
    __m512 wv[O];
#pragma GCC unroll 8
    for (int o = 0; o < O; ++o) wv[o] = _mm512_loadu_ps(w + 16 * o);
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i) {
      const __m512 xv = broadcast_pair(x + 2 * i);
#pragma GCC unroll 8
      for (int o = 0; o < O; ++o) acc[i][o] = _mm512_fmadd_ps(xv, wv[o], acc[i][o]);
    }
  }
  // Interleaved (p0 c0, p1 c0, p0 c1, ...) -> p0 c0..7 | p1 c0..7: each half is one pixel's channels in NHWC.
  const __m512i deinterleave = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  // Locals, not e's fields: e is a reference the output stores could alias, so each field would be reloaded after
  // every store.
  const size_t stride = e.stride;
  const bool clamp = e.clamp, upper = e.upper;
  const __m512 vmin = _mm512_set1_ps(e.min), vmax = _mm512_set1_ps(e.max);
  const bool last_second = pixels == 2 * static_cast<size_t>(P);
  if (channels == kNR && !residual) {
    // The common case, no masks or loads: whole octets, every pair's second pixel but maybe the last.
#pragma GCC unroll 8
    for (int o = 0; o < O; ++o) {
      float* c = out + 8 * o;
#pragma GCC unroll 16
      for (int i = 0; i < P; ++i, c += 2 * stride) {
        __m512 y = _mm512_permutexvar_ps(deinterleave, acc[i][o]);
        if (clamp) y = _mm512_max_ps(y, vmin);
        if (upper) y = _mm512_min_ps(y, vmax);
        _mm256_storeu_ps(c, _mm512_castps512_ps256(y));
        if (i + 1 < P || last_second) _mm256_storeu_ps(c + stride, _mm512_extractf32x8_ps(y, 1));
      }
    }
    return;
  }
#pragma GCC unroll 8
  for (int o = 0; o < O; ++o) {
    if (8 * static_cast<size_t>(o) >= channels) break;
    const size_t lanes = channels - 8 * o < 8 ? channels - 8 * o : 8;
    const __mmask8 m = static_cast<__mmask8>((1u << lanes) - 1u);
    float* c = out + 8 * o;
    const float* r = residual ? residual + 8 * o : nullptr;
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i, c += 2 * stride) {
      const bool second = i + 1 < P || last_second;
      __m512 y = _mm512_permutexvar_ps(deinterleave, acc[i][o]);
      if (r) {
        const __m256 r1 = second ? _mm256_maskz_loadu_ps(m, r + stride) : _mm256_setzero_ps();
        y = _mm512_add_ps(y, _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_maskz_loadu_ps(m, r)), r1, 1));
        r += 2 * stride;
      }
      if (clamp) y = _mm512_max_ps(y, vmin);
      if (upper) y = _mm512_min_ps(y, vmax);
      // Masked stores run at 2/3 the rate of plain ones: only a partial octet uses them.
      if (lanes == 8) {
        _mm256_storeu_ps(c, _mm512_castps512_ps256(y));
        if (second) _mm256_storeu_ps(c + stride, _mm512_extractf32x8_ps(y, 1));
      } else {
        _mm256_mask_storeu_ps(c, m, _mm512_castps512_ps256(y));
        if (second) _mm256_mask_storeu_ps(c + stride, m, _mm512_extractf32x8_ps(y, 1));
      }
    }
  }
}

// A tile whose size is known only at run time (a row's last, smaller tile): not inlined into the row loop.
template <int P, int O>
__attribute__((noinline)) void tile_call(const float* x0, const size_t* tap_offsets, size_t taps, const float* w,
                                         const float* bias, size_t pixels, size_t channels, const float* residual,
                                         float* out, const Epilogue& e) {
  tile<P, O>(x0, tap_offsets, taps, w, bias, pixels, channels, residual, out, e);
}

// Every row in tiles of P pairs, the row's last one possibly smaller, every channel panel of 8 * O. The P-pair tile
// is inlined: a call per tile (10 arguments, the size dispatch) cost ~15% on the 28-column stems.
template <int P, int O>
void rows(const F32ConvFewcArgs& args, const Epilogue& e) {
  constexpr size_t kNR = 8 * O;
  const size_t pairs = (args.pixels + 1) / 2;
  const size_t panel_floats = args.taps * 2 * kNR;
  for (size_t r = 0; r < args.rows; ++r) {
    const float* x_row = args.input + r * args.input_row_stride;
    for (size_t pair0 = 0; pair0 < pairs; pair0 += P) {
      const size_t tile_pairs = pairs - pair0 < static_cast<size_t>(P) ? pairs - pair0 : P;
      const size_t pixels = args.pixels - 2 * pair0 < 2 * tile_pairs ? args.pixels - 2 * pair0 : 2 * tile_pairs;
      const size_t offset = r * args.output_row_stride + 2 * pair0 * args.output_stride;
      for (size_t n0 = 0, panel = 0; n0 < args.channels; n0 += kNR, ++panel) {
        const size_t channels = args.channels - n0 < kNR ? args.channels - n0 : kNR;
        const float* residual = args.residual ? args.residual + offset + n0 : nullptr;
        const float* w = args.weights + panel * panel_floats;
        const float* bias = args.bias + panel * 2 * kNR;
        if (tile_pairs == static_cast<size_t>(P)) {
          tile<P, O>(x_row + 2 * pair0, args.tap_offsets, args.taps, w, bias, pixels, channels, residual,
                     args.output + offset + n0, e);
        } else {
          dispatch_rows<P>(tile_pairs, [&](auto smaller) {
            tile_call<decltype(smaller)::value, O>(x_row + 2 * pair0, args.tap_offsets, args.taps, w, bias, pixels,
                                                   channels, residual, args.output + offset + n0, e);
          });
        }
      }
    }
  }
}

// A row's pairs split evenly into tiles of at most P pairs (14 pairs: 7 + 7, not 8 + 6).
template <int P, int O>
void run(const F32ConvFewcArgs& args) {
  const Epilogue e{args.output_stride, args.clamp, args.clamp && args.max < 3.4028235e38f, args.min, args.max};
  const size_t pairs = (args.pixels + 1) / 2;
  const size_t tiles = (pairs + P - 1) / P;
  dispatch_rows<P>((pairs + tiles - 1) / tiles, [&](auto per_tile) { rows<decltype(per_tile)::value, O>(args, e); });
}

}  // namespace f32_conv_fewc_avx512
}  // namespace sparq

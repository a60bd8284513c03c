// AVX2 12x8 fp32 few-channel conv microkernel: 6 pixel pairs x 2 ymm of 2 pixels x 4 channels (lane 2j = first pixel,
// 2j + 1 = second, channel j) in 12 ymm accumulators; each pair's two inputs come from one 8-byte broadcast.
#include <immintrin.h>

#include <cstring>

#include "kernels/dispatch-rows.h"
#include "kernels/f32-conv-fewc/f32-conv-fewc.h"

namespace sparq {
namespace {

constexpr size_t kNR = 8;

__m256 broadcast_pair(const float* p) {
  double d;
  std::memcpy(&d, p, sizeof d);
  return _mm256_castpd_ps(_mm256_set1_pd(d));
}

// Lane mask of the first `lanes` (0..4) floats for maskload/maskstore.
__m128i lane_mask(size_t lanes) {
  return _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(lanes)), _mm_setr_epi32(0, 1, 2, 3));
}

struct Epilogue {
  size_t stride;
  bool clamp;
  __m256 vmin, vmax;
};

// `pixels` (2P - 1 or 2P) pixels x one panel of `channels` (1..8) at out; x0 is pair 0's tap-0 input.
template <int P>
__attribute__((always_inline)) inline void tile(const float* x0, const size_t* tap_offsets, size_t taps, const float* w, const float* bias, size_t pixels,
          size_t channels, const float* residual, float* out, const Epilogue& e) {
  __m256 acc[P][2];
  for (int q = 0; q < 2; ++q) {
    const __m256 b = _mm256_loadu_ps(bias + 8 * q);
#pragma GCC unroll 8
    for (int i = 0; i < P; ++i) acc[i][q] = b;
  }
  for (size_t t = 0; t < taps; ++t, w += 2 * kNR) {
    const float* x = x0 + tap_offsets[t];
    const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
#pragma GCC unroll 8
    for (int i = 0; i < P; ++i) {
      const __m256 xv = broadcast_pair(x + 2 * i);
      acc[i][0] = _mm256_fmadd_ps(xv, w0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(xv, w1, acc[i][1]);
    }
  }
  // (p0 c0, p1 c0, p0 c1, ...) -> p0 c0..3 | p1 c0..3: each 128-bit half is one pixel's 4 channels.
  const __m256i deinterleave = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  // Locals, not e's fields: e is a reference the output stores could alias (each field reloaded after each store).
  const size_t stride = e.stride;
  const bool clamp = e.clamp;
  const __m256 vmin = e.vmin, vmax = e.vmax;
  const bool last_second = pixels == 2 * static_cast<size_t>(P);
  for (int q = 0; q < 2; ++q) {
    if (4 * static_cast<size_t>(q) >= channels) break;
    const size_t lanes = channels - 4 * q < 4 ? channels - 4 * q : 4;
    const __m128i m = lane_mask(lanes);
    float* c = out + 4 * q;
    const float* r = residual ? residual + 4 * q : nullptr;
#pragma GCC unroll 8
    for (int i = 0; i < P; ++i, c += 2 * stride) {
      const bool second = i + 1 < P || last_second;
      __m256 y = _mm256_permutevar8x32_ps(acc[i][q], deinterleave);
      if (r) {
        const __m128 r1 = second ? _mm_maskload_ps(r + stride, m) : _mm_setzero_ps();
        y = _mm256_add_ps(y, _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_maskload_ps(r, m)), r1, 1));
        r += 2 * stride;
      }
      if (clamp) y = _mm256_min_ps(_mm256_max_ps(y, vmin), vmax);
      if (lanes == 4) {
        _mm_storeu_ps(c, _mm256_castps256_ps128(y));
        if (second) _mm_storeu_ps(c + stride, _mm256_extractf128_ps(y, 1));
      } else {
        _mm_maskstore_ps(c, m, _mm256_castps256_ps128(y));
        if (second) _mm_maskstore_ps(c + stride, m, _mm256_extractf128_ps(y, 1));
      }
    }
  }
}

}  // namespace

void f32_conv_fewc_ukernel_12x8__avx2(const F32ConvFewcArgs& args) {
  constexpr int P = 6;
  const Epilogue e{args.output_stride, args.clamp, _mm256_set1_ps(args.min), _mm256_set1_ps(args.max)};
  const size_t pairs = (args.pixels + 1) / 2;
  const size_t tiles = (pairs + P - 1) / P;
  const size_t per_tile = (pairs + tiles - 1) / tiles;
  const size_t panel_floats = args.taps * 2 * kNR;
  for (size_t r = 0; r < args.rows; ++r) {
    const float* x_row = args.input + r * args.input_row_stride;
    for (size_t pair0 = 0; pair0 < pairs; pair0 += per_tile) {
      const size_t tile_pairs = pairs - pair0 < per_tile ? pairs - pair0 : per_tile;
      const size_t pixels = args.pixels - 2 * pair0 < 2 * tile_pairs ? args.pixels - 2 * pair0 : 2 * tile_pairs;
      const size_t offset = r * args.output_row_stride + 2 * pair0 * args.output_stride;
      for (size_t n0 = 0, panel = 0; n0 < args.channels; n0 += kNR, ++panel) {
        const size_t channels = args.channels - n0 < kNR ? args.channels - n0 : kNR;
        const float* residual = args.residual ? args.residual + offset + n0 : nullptr;
        dispatch_rows<P>(tile_pairs, [&](auto rows) {
          tile<decltype(rows)::value>(x_row + 2 * pair0, args.tap_offsets, args.taps,
                                      args.weights + panel * panel_floats, args.bias + panel * 2 * kNR, pixels,
                                      channels, residual, args.output + offset + n0, e);
        });
      }
    }
  }
}

}  // namespace sparq

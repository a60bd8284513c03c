// Per-ISA SIMD helpers of the fp32 Winograd drivers: one register of the including file's width, unaligned loads and
// stores, and the fused activation. Included (through a driver) by one file per ISA; the anonymous namespace keeps
// each copy private to its file (no ODR mixing of AVX-512 and scalar code).
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/winograd/winograd-f23.h"  // winograd_activate_span_portable
#include "ops/activation.h"

namespace sparq {
namespace {

#ifndef SPARQ_WINOGRAD_VECTOR_FLOATS
#error "define SPARQ_WINOGRAD_VECTOR_FLOATS (floats per SIMD register of the including file's ISA)"
#endif
// A SIMD register of the including file's width (GCC/Clang vector extension; aligned(4) allows unaligned access).
typedef float WinogradVec __attribute__((vector_size(SPARQ_WINOGRAD_VECTOR_FLOATS * 4), aligned(4)));

// Narrower registers for the channel remainder (8 and 4 floats: ymm / xmm, NEON q); used only when narrower than
// WinogradVec, so they never need more than the file's ISA.
typedef float WinogradVec8 __attribute__((vector_size(32), aligned(4)));
typedef float WinogradVec4 __attribute__((vector_size(16), aligned(4)));

// Calls step(T{}, c) over channels [0, n): full registers, then at most one 8- and one 4-float step, then at most
// 3 single floats (24 channels on AVX-512: one zmm and one ymm step, not 8 scalar ones).
template <typename Step>
inline void winograd_channel_loop(size_t n, Step&& step) {
  constexpr size_t W = SPARQ_WINOGRAD_VECTOR_FLOATS;
  size_t c = 0;
  for (; c + W <= n; c += W) step(WinogradVec{}, c);
  if constexpr (W > 8) {
    if (c + 8 <= n) step(WinogradVec8{}, c), c += 8;
  }
  if constexpr (W > 4) {
    if (c + 4 <= n) step(WinogradVec4{}, c), c += 4;
  }
  for (; c < n; ++c) step(float{}, c);
}

template <typename T>
inline T winograd_load(const float* p) {
  T v;
  __builtin_memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
inline void winograd_store(float* p, T v) {
  __builtin_memcpy(p, &v, sizeof(T));
}

// rows[N * N] = the N x N input pixels of a tile whose top-left pixel is (iy0, ix0) in image n of x (NHWC, `channels`
// floats per pixel); pixels outside the image point at `zeros`. Interior tiles (most of them) take their pointers by
// arithmetic: the per-pixel bounds checks cost a third of the stride-2 input transform.
template <int N>
inline void winograd_tile_pixels(const float* x, size_t n, size_t in_h, size_t in_w, size_t channels, ptrdiff_t iy0,
                                 ptrdiff_t ix0, const float* zeros, const float** rows) {
  const ptrdiff_t h = static_cast<ptrdiff_t>(in_h), w = static_cast<ptrdiff_t>(in_w);
  if (iy0 >= 0 && ix0 >= 0 && iy0 + N <= h && ix0 + N <= w) {
    const float* base = x + ((n * in_h + static_cast<size_t>(iy0)) * in_w + static_cast<size_t>(ix0)) * channels;
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) rows[i * N + j] = base + (static_cast<size_t>(i) * in_w + static_cast<size_t>(j)) * channels;
    return;
  }
  for (int i = 0; i < N; ++i) {
    const ptrdiff_t iy = iy0 + i;
    for (int j = 0; j < N; ++j) {
      const ptrdiff_t ix = ix0 + j;
      const bool inside = iy >= 0 && ix >= 0 && iy < h && ix < w;
      rows[i * N + j] =
          inside ? x + ((n * in_h + static_cast<size_t>(iy)) * in_w + static_cast<size_t>(ix)) * channels : zeros;
    }
  }
}

// ReLU and Clip as a clamp the output transforms apply before their store (a separate pass over the outputs cost a
// fifth of the stride-2 output transform); other activations run afterwards through the portable loop.
struct WinogradClamp {
  bool on = false, relu = false;
  float lo = 0.f, hi = 0.f;
};
inline WinogradClamp winograd_clamp_of(const ActivationParams& act) {
  if (act.kind == Activation::kRelu) return {true, true, 0.f, std::numeric_limits<float>::infinity()};
  if (act.kind == Activation::kClip) return {true, false, act.alpha, act.beta};
  return {};
}
// Exactly activate()'s results, NaN included: ReLU is x > 0 ? x : 0 (NaN -> 0), Clip is min(max(x, lo), hi) (NaN
// stays NaN).
template <typename T>
inline T winograd_apply_clamp(T v, const WinogradClamp& c) {
  const T lo = T{} + c.lo, hi = T{} + c.hi;
  v = c.relu ? (v > lo ? v : lo) : (v < lo ? lo : v);
  return hi < v ? hi : v;
}

// The activations the clamp does not cover, after the output transform of a tile's pixels.
inline void winograd_activate_rest(float* y, size_t n, const ActivationParams& act, const WinogradClamp& clamp) {
  if (act.kind != Activation::kNone && !clamp.on) winograd_activate_span_portable(y, n, act);
}

// Stores a tile's 4 output vectors at channel k of o[4]: + residual r[4], then the clamp, when those are on.
template <typename T, bool kResidual, bool kClamp>
inline void winograd_store_outputs(T out[4], size_t k, float* const* o, const float* const* r, const WinogradClamp& clamp) {
  for (int q = 0; q < 4; ++q) {
    if (kResidual) out[q] += winograd_load<T>(r[q] + k);
    if (kClamp) out[q] = winograd_apply_clamp(out[q], clamp);
    winograd_store<T>(o[q] + k, out[q]);
  }
}

// Runs step(T{}, k, residual, clamped) over output channels [0, out_channels) with `residual` and `clamped` as
// compile-time std::true_type / std::false_type, so each output transform's inner loop has no branches on them.
template <typename Step>
inline void winograd_output_channels(size_t out_channels, bool residual, bool clamped, Step&& step) {
  auto steps = [&](auto r, auto c) {
    winograd_channel_loop(out_channels, [&](auto vec, size_t k) { step(vec, k, r, c); });
  };
  using Yes = std::true_type;
  using No = std::false_type;
  if (residual) {
    clamped ? steps(Yes{}, Yes{}) : steps(Yes{}, No{});
  } else {
    clamped ? steps(No{}, Yes{}) : steps(No{}, No{});
  }
}

// The 2x2 output pixels of the tile at (oy, ox) of image n in Y [batch, out_h, out_w, M]: o[4] = (0,0), (0,1),
// (1,0), (1,1), and res[4] = the residual there (all null without one). A pixel beyond the output (ragged last tile)
// is written to `discard` and reads its residual from there (thrown away).
inline void winograd_tile_outputs(float* y, const float* residual, size_t n, size_t oy, size_t ox, size_t out_h,
                                  size_t out_w, size_t M, float* discard, float* o[4], const float* res[4]) {
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      const bool inside = oy + i < out_h && ox + j < out_w;
      const size_t at = ((n * out_h + oy + i) * out_w + ox + j) * M;
      o[i * 2 + j] = inside ? y + at : discard;
      res[i * 2 + j] = !residual ? nullptr : inside ? residual + at : discard;
    }
  }
}

}  // namespace
}  // namespace sparq

// The fused F(2,3) loop shared by every ISA: input transform, 16 GEMMs and output transform per L2-sized tile block.
// Included by one file per ISA so the channel loops of the transforms are vectorized with that file's flags; the
// anonymous namespace keeps each copy private to its file (no ODR mixing of AVX-512 and scalar code).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/winograd/winograd-f23.h"
#include "kernels/winograd/winograd-simd.h"

namespace sparq {
namespace {

// Channels [c, c + width of T) of one tile: V[pos][c] = (Bᵀ d B)[pos], Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]].
template <typename T>
inline void winograd_f23_input_step(const float* const* rows, size_t c, float* v, size_t pos_stride) {
  T t[4][4];
  for (int j = 0; j < 4; ++j) {
    const T d0 = winograd_load<T>(rows[0 * 4 + j] + c), d1 = winograd_load<T>(rows[1 * 4 + j] + c);
    const T d2 = winograd_load<T>(rows[2 * 4 + j] + c), d3 = winograd_load<T>(rows[3 * 4 + j] + c);
    t[0][j] = d0 - d2;
    t[1][j] = d1 + d2;
    t[2][j] = d2 - d1;
    t[3][j] = d1 - d3;
  }
  for (int i = 0; i < 4; ++i) {
    winograd_store<T>(v + (i * 4 + 0) * pos_stride + c, t[i][0] - t[i][2]);
    winograd_store<T>(v + (i * 4 + 1) * pos_stride + c, t[i][1] + t[i][2]);
    winograd_store<T>(v + (i * 4 + 2) * pos_stride + c, t[i][2] - t[i][1]);
    winograd_store<T>(v + (i * 4 + 3) * pos_stride + c, t[i][1] - t[i][3]);
  }
}

// rows[16] point at the 4x4 input pixels of one tile (a zero row when padded).
inline void winograd_f23_input_tile(const float* const* rows, size_t channels, float* v, size_t pos_stride) {
  winograd_channel_loop(channels, [&](auto vec, size_t c) {
    winograd_f23_input_step<decltype(vec)>(rows, c, v, pos_stride);
  });
}

// Channels [k, k + width of T): out = (Aᵀ M A) + bias (+ residual, read before the store so it may alias out),
// Aᵀ = [[1,1,1,0],[0,1,-1,-1]].
template <typename T, bool kResidual, bool kClamp>
inline void winograd_f23_output_step(const float* m, size_t pos_stride, const float* bias, size_t k, float* const* o,
                                     const float* const* r, const WinogradClamp& clamp) {
  T s[2][4];
  for (int j = 0; j < 4; ++j) {
    const T m0 = winograd_load<T>(m + (0 * 4 + j) * pos_stride + k), m1 = winograd_load<T>(m + (1 * 4 + j) * pos_stride + k);
    const T m2 = winograd_load<T>(m + (2 * 4 + j) * pos_stride + k), m3 = winograd_load<T>(m + (3 * 4 + j) * pos_stride + k);
    s[0][j] = m0 + m1 + m2;
    s[1][j] = m1 - m2 - m3;
  }
  const T b = winograd_load<T>(bias + k);
  T out[4] = {s[0][0] + s[0][1] + s[0][2] + b, s[0][1] - s[0][2] - s[0][3] + b, s[1][0] + s[1][1] + s[1][2] + b,
              s[1][1] - s[1][2] - s[1][3] + b};
  winograd_store_outputs<T, kResidual, kClamp>(out, k, o, r, clamp);
}

// o[4] = output pixels (0,0), (0,1), (1,0), (1,1) of one tile; m = its products, position stride given; r[4] = the
// residual at those pixels (all null = none).
inline void winograd_f23_output_tile(const float* m, size_t pos_stride, const float* bias, size_t out_channels,
                                     float* const* o, const float* const* r, const WinogradClamp& clamp) {
  winograd_output_channels(out_channels, r[0] != nullptr, clamp.on, [&](auto vec, size_t k, auto residual, auto clamped) {
    using Vec = decltype(vec);
    winograd_f23_output_step<Vec, decltype(residual)::value, decltype(clamped)::value>(m, pos_stride, bias, k, o, r, clamp);
  });
}

void winograd_f23_f32_run(const WinogradF23Problem& p, const WinogradF32Gemm& gemm, const float* x,
                          const WinogradF23F32Weights& w, const ActivationParams& act, float* y, float* workspace,
                          size_t tile_begin, size_t tile_end) {
  const size_t C = p.channels, M = p.out_channels, MP = w.out_channels_padded, NR = w.nr, MR = gemm.mr;
  const size_t block = winograd_f23_tile_block(C, MP, MR);
  // 64-byte aligned so rows of V and of the products start on cache lines when C and MP are multiples of 16.
  const size_t vs = winograd_position_stride(block * C), ps = winograd_position_stride(block * MP);
  float* v = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(workspace) + 63) & ~uintptr_t{63});  // 16 x vs
  float* prod = v + 16 * vs;      // 16 x ps: block x MP products per position
  float* zeros = prod + 16 * ps;  // C (+ 16 spare) zeros for padded pixels
  std::memset(zeros, 0, (C + 16) * sizeof(float));
  float* discard = zeros + C + 16;       // MP scratch values: output pixels beyond out_h/out_w land here
  std::memset(discard, 0, MP * sizeof(float));
  const size_t th_count = p.tiles_h(), tw_count = p.tiles_w();
  const WinogradClamp clamp = winograd_clamp_of(act);
  const size_t panels = MP / NR;
  for (size_t t0 = tile_begin; t0 < tile_end; t0 += block) {
    const size_t count = std::min(block, tile_end - t0);
    // 1. input transform of `count` tiles: V[pos] is count x C.
    for (size_t t = 0; t < count; ++t) {
      const size_t tile = t0 + t;
      const size_t n = tile / (th_count * tw_count), rem = tile % (th_count * tw_count);
      const ptrdiff_t iy0 = static_cast<ptrdiff_t>(rem / tw_count * 2) - static_cast<ptrdiff_t>(p.pad_top);
      const ptrdiff_t ix0 = static_cast<ptrdiff_t>(rem % tw_count * 2) - static_cast<ptrdiff_t>(p.pad_left);
      const float* rows[16];
      winograd_tile_pixels<4>(x, n, p.in_h, p.in_w, C, iy0, ix0, zeros, rows);
      winograd_f23_input_tile(rows, C, v + t * C, vs);
    }
    // 2. sixteen GEMMs: prod[pos] (count x MP) = V[pos] (count x C) * U[pos] (C x MP); a panel stays hot across rows.
    for (size_t pos = 0; pos < 16; ++pos) {
      const float* a = v + pos * vs;
      float* c = prod + pos * ps;
      for (size_t j = 0; j < panels; ++j) {
        const float* b = w.u.data() + (pos * panels + j) * C * NR;
        for (size_t r = 0; r < count; r += MR) {
          gemm.fn(std::min(MR, count - r), C, a + r * C, C, b, c + r * MP + j * NR, MP);
        }
      }
    }
    // 3. output transform + bias + activation straight into Y.
    for (size_t t = 0; t < count; ++t) {
      const size_t tile = t0 + t;
      const size_t n = tile / (th_count * tw_count), rem = tile % (th_count * tw_count);
      const size_t oy = rem / tw_count * 2, ox = rem % tw_count * 2;
      float* o[4];
      const float* res[4];
      winograd_tile_outputs(y, p.residual, n, oy, ox, p.out_h, p.out_w, M, discard, o, res);
      winograd_f23_output_tile(prod + t * MP, ps, w.bias.data(), M, o, res, clamp);
      for (int q = 0; q < 4; ++q) {
        if (o[q] != discard) winograd_activate_rest(o[q], M, act, clamp);
      }
    }
  }
}

}  // namespace
}  // namespace sparq

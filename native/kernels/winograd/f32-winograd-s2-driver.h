// The fused stride-2 Winograd loop shared by every ISA: input transform, 9 grouped GEMMs and output transform per L2-sized
// tile block (the math is in winograd-s2.h). Included by one file per ISA so the channel loops of the
// transforms are vectorized with that file's flags; the anonymous namespace keeps each copy private to its file.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/winograd/winograd-s2.h"
#include "kernels/winograd/winograd-simd.h"

namespace sparq {
namespace {

// Channels [c, c + width of T) of one tile: v[slot(i, j) * pos_stride + c] = (Bᵀ d B)[i][j] for the 5x5 input d, with
// Bᵀ d = [d0 - d2, d2, d4 - d2, d1, d3] on each column, then the same on each row.
template <typename T>
inline void winograd_s2_input_step(const float* const* rows, size_t c, float* v, size_t pos_stride) {
  T t[5][5];
  for (int j = 0; j < 5; ++j) {
    const T d0 = winograd_load<T>(rows[0 * 5 + j] + c), d1 = winograd_load<T>(rows[1 * 5 + j] + c);
    const T d2 = winograd_load<T>(rows[2 * 5 + j] + c), d3 = winograd_load<T>(rows[3 * 5 + j] + c);
    const T d4 = winograd_load<T>(rows[4 * 5 + j] + c);
    t[0][j] = d0 - d2;
    t[1][j] = d2;
    t[2][j] = d4 - d2;
    t[3][j] = d1;
    t[4][j] = d3;
  }
  for (int i = 0; i < 5; ++i) {
    winograd_store<T>(v + winograd_s2_slot(i, 0) * pos_stride + c, t[i][0] - t[i][2]);
    winograd_store<T>(v + winograd_s2_slot(i, 1) * pos_stride + c, t[i][2]);
    winograd_store<T>(v + winograd_s2_slot(i, 2) * pos_stride + c, t[i][4] - t[i][2]);
    winograd_store<T>(v + winograd_s2_slot(i, 3) * pos_stride + c, t[i][1]);
    winograd_store<T>(v + winograd_s2_slot(i, 4) * pos_stride + c, t[i][3]);
  }
}

// rows[25] point at the 5x5 input pixels of one tile (a zero row when padded).
inline void winograd_s2_input_tile(const float* const* rows, size_t channels, float* v, size_t pos_stride) {
  winograd_channel_loop(channels, [&](auto vec, size_t c) {
    winograd_s2_input_step<decltype(vec)>(rows, c, v, pos_stride);
  });
}

// Channels [k, k + width of T): out = (Aᵀ M A) + bias (+ residual, read before the store so it may alias out) from
// the 9 group products p[g * stride] (g = 3 * row group + column group): per dimension y0 = a + b, y1 = b + c.
template <typename T, bool kResidual, bool kClamp>
inline void winograd_s2_output_step(const float* m, size_t pos_stride, const float* bias, size_t k, float* const* o,
                                    const float* const* r, const WinogradClamp& clamp) {
  T p[9];
  for (int g = 0; g < 9; ++g) p[g] = winograd_load<T>(m + static_cast<size_t>(g) * pos_stride + k);
  const T b = winograd_load<T>(bias + k);
  enum { aa, ab, ac, ba, bb, bc, ca, cb, cc };
  const T top = p[ab] + p[bb] + b, bottom = p[cb] + p[bb] + b;
  T out[4] = {p[aa] + p[ba] + top, p[ac] + p[bc] + top, p[ba] + p[ca] + bottom, p[bc] + p[cc] + bottom};
  winograd_store_outputs<T, kResidual, kClamp>(out, k, o, r, clamp);
}

// o[4] = output pixels (0,0), (0,1), (1,0), (1,1) of one tile; m = its products, position stride given; r[4] = the
// residual at those pixels (all null = none).
inline void winograd_s2_output_tile(const float* m, size_t pos_stride, const float* bias, size_t out_channels,
                                    float* const* o, const float* const* r, const WinogradClamp& clamp) {
  winograd_output_channels(out_channels, r[0] != nullptr, clamp.on, [&](auto vec, size_t k, auto residual, auto clamped) {
    using Vec = decltype(vec);
    winograd_s2_output_step<Vec, decltype(residual)::value, decltype(clamped)::value>(m, pos_stride, bias, k, o, r, clamp);
  });
}

void winograd_s2_f32_run(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                         const WinogradS2F32Weights& w, const ActivationParams& act, float* y, float* workspace,
                         size_t tile_begin, size_t tile_end) {
  constexpr size_t P = kWinogradS2Positions;
  const size_t C = p.channels, M = p.out_channels, MP = w.out_channels_padded, NR = w.nr, MR = gemm.mr;
  const size_t block = winograd_s2_tile_block(C, MP, MR);
  // Tile-major: one tile's 25 transformed inputs (in slot order) and its 9 group products are contiguous, so a
  // group's K = positions x C inputs form one row of its GEMM's A; rows (tiles) are 25 C floats apart.
  constexpr size_t G = kWinogradS2Groups;
  float* v = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(workspace) + 63) & ~uintptr_t{63});  // block x 25 x C
  float* prod = v + block * P * C;       // block x 9 x MP
  float* zeros = prod + block * G * MP;  // C (+ 16 spare) zeros for padded pixels
  std::memset(zeros, 0, (C + 16) * sizeof(float));
  float* discard = zeros + C + 16;  // MP scratch values: output pixels beyond out_h/out_w land here
  std::memset(discard, 0, MP * sizeof(float));
  const size_t th_count = p.tiles_h(), tw_count = p.tiles_w();
  const WinogradClamp clamp = winograd_clamp_of(act);
  const size_t panels = MP / NR;
  for (size_t t0 = tile_begin; t0 < tile_end; t0 += block) {
    const size_t count = std::min(block, tile_end - t0);
    // 1. input transform of `count` tiles: V is count x 25 x C, positions in slot order. A tile's 5x5 input starts 4 pixels after the
    // previous tile's (2 outputs at stride 2); pixels outside the input (padding, or the far side of a ragged last
    // tile) read the zero row.
    for (size_t t = 0; t < count; ++t) {
      const size_t tile = t0 + t;
      const size_t n = tile / (th_count * tw_count), rem = tile % (th_count * tw_count);
      const ptrdiff_t iy0 = static_cast<ptrdiff_t>(rem / tw_count * 4) - static_cast<ptrdiff_t>(p.pad_top);
      const ptrdiff_t ix0 = static_cast<ptrdiff_t>(rem % tw_count * 4) - static_cast<ptrdiff_t>(p.pad_left);
      const float* rows[P];
      winograd_tile_pixels<5>(x, n, p.in_h, p.in_w, C, iy0, ix0, zeros, rows);
      winograd_s2_input_tile(rows, C, v + t * P * C, C);
    }
    // 2. 9 GEMMs: prod[., g] (count x MP) = V[., slots of g] (count x K_g) * U_g (K_g x MP), K_g = positions x C.
    for (size_t g = 0; g < G; ++g) {
      const size_t first = winograd_s2_group_slot(g), k = winograd_s2_group_positions(g) * C;
      const float* a = v + first * C;
      for (size_t j = 0; j < panels; ++j) {
        const float* b = w.u.data() + first * C * MP + j * k * NR;
        for (size_t r = 0; r < count; r += MR) {
          gemm.fn(std::min(MR, count - r), k, a + r * P * C, P * C, b, prod + (r * G + g) * MP + j * NR, G * MP);
        }
      }
    }
    // 3. output transform + bias + residual + activation straight into Y.
    for (size_t t = 0; t < count; ++t) {
      const size_t tile = t0 + t;
      const size_t n = tile / (th_count * tw_count), rem = tile % (th_count * tw_count);
      const size_t oy = rem / tw_count * 2, ox = rem % tw_count * 2;
      float* o[4];
      const float* res[4];
      winograd_tile_outputs(y, p.residual, n, oy, ox, p.out_h, p.out_w, M, discard, o, res);
      winograd_s2_output_tile(prod + t * G * MP, MP, w.bias.data(), M, o, res, clamp);
      for (int q = 0; q < 4; ++q) {
        if (o[q] != discard) winograd_activate_rest(o[q], M, act, clamp);
      }
    }
  }
}

}  // namespace
}  // namespace sparq

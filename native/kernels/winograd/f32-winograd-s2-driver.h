// The fused stride-2 Winograd loop shared by every ISA: input transform, 25 GEMMs and output transform per L2-sized
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

// Channels [c, c + width of T) of one tile: v[pos * pos_stride + c] = (Bᵀ d B)[pos] for the 5x5 input d, with
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
    winograd_store<T>(v + (i * 5 + 0) * pos_stride + c, t[i][0] - t[i][2]);
    winograd_store<T>(v + (i * 5 + 1) * pos_stride + c, t[i][2]);
    winograd_store<T>(v + (i * 5 + 2) * pos_stride + c, t[i][4] - t[i][2]);
    winograd_store<T>(v + (i * 5 + 3) * pos_stride + c, t[i][1]);
    winograd_store<T>(v + (i * 5 + 4) * pos_stride + c, t[i][3]);
  }
}

// rows[25] point at the 5x5 input pixels of one tile (a zero row when padded).
inline void winograd_s2_input_tile(const float* const* rows, size_t channels, float* v, size_t pos_stride) {
  winograd_channel_loop(channels, [&](auto vec, size_t c) {
    winograd_s2_input_step<decltype(vec)>(rows, c, v, pos_stride);
  });
}

// Channels [k, k + width of T): out = (Aᵀ M A) + bias (+ residual, read before the store so it may alias out),
// Aᵀ = [[1,1,0,1,0],[0,1,1,0,1]].
template <typename T, bool kResidual, bool kClamp>
inline void winograd_s2_output_step(const float* m, size_t pos_stride, const float* bias, size_t k, float* const* o,
                                    const float* const* r, const WinogradClamp& clamp) {
  T s[2][5];
  for (int j = 0; j < 5; ++j) {
    const T m0 = winograd_load<T>(m + (0 * 5 + j) * pos_stride + k), m1 = winograd_load<T>(m + (1 * 5 + j) * pos_stride + k);
    const T m2 = winograd_load<T>(m + (2 * 5 + j) * pos_stride + k), m3 = winograd_load<T>(m + (3 * 5 + j) * pos_stride + k);
    const T m4 = winograd_load<T>(m + (4 * 5 + j) * pos_stride + k);
    s[0][j] = m0 + m1 + m3;
    s[1][j] = m1 + m2 + m4;
  }
  const T b = winograd_load<T>(bias + k);
  T out[4] = {s[0][0] + s[0][1] + s[0][3] + b, s[0][1] + s[0][2] + s[0][4] + b, s[1][0] + s[1][1] + s[1][3] + b,
              s[1][1] + s[1][2] + s[1][4] + b};
  for (int q = 0; q < 4; ++q) {
    if (kResidual) out[q] += winograd_load<T>(r[q] + k);
    if (kClamp) out[q] = winograd_apply_clamp(out[q], clamp);
    winograd_store<T>(o[q] + k, out[q]);
  }
}

// o[4] = output pixels (0,0), (0,1), (1,0), (1,1) of one tile; m = its products, position stride given; r[4] = the
// residual at those pixels (all null = none).
inline void winograd_s2_output_tile(const float* m, size_t pos_stride, const float* bias, size_t out_channels,
                                    float* const* o, const float* const* r, const WinogradClamp& clamp) {
  auto steps = [&](auto residual, auto clamped) {
    winograd_channel_loop(out_channels, [&](auto vec, size_t k) {
      winograd_s2_output_step<decltype(vec), decltype(residual)::value, decltype(clamped)::value>(m, pos_stride, bias, k,
                                                                                                 o, r, clamp);
    });
  };
  using Yes = std::true_type;
  using No = std::false_type;
  if (r[0]) {
    clamp.on ? steps(Yes{}, Yes{}) : steps(Yes{}, No{});
  } else {
    clamp.on ? steps(No{}, Yes{}) : steps(No{}, No{});
  }
}

void winograd_s2_f32_run(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                         const WinogradS2F32Weights& w, const ActivationParams& act, float* y, float* workspace,
                         size_t tile_begin, size_t tile_end) {
  constexpr size_t P = kWinogradS2Positions;
  const size_t C = p.channels, M = p.out_channels, MP = w.out_channels_padded, NR = w.nr, MR = gemm.mr;
  const size_t block = winograd_s2_tile_block(C, MP, MR);
  // Tile-major: one tile's 25 transformed inputs (and its 25 product rows) are contiguous, so each transform streams
  // one piece of memory; the GEMM of position pos reads rows P * C floats apart (measured 2-5% faster than one
  // matrix per position). 64-byte aligned so rows start on cache lines when C and MP are multiples of 16.
  float* v = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(workspace) + 63) & ~uintptr_t{63});  // block x 25 x C
  float* prod = v + block * P * C;       // block x 25 x MP
  float* zeros = prod + block * P * MP;  // C (+ 16 spare) zeros for padded pixels
  std::memset(zeros, 0, (C + 16) * sizeof(float));
  float* discard = zeros + C + 16;  // MP scratch values: output pixels beyond out_h/out_w land here
  std::memset(discard, 0, MP * sizeof(float));
  const size_t th_count = p.tiles_h(), tw_count = p.tiles_w();
  const WinogradClamp clamp = winograd_clamp_of(act);
  const size_t panels = MP / NR;
  for (size_t t0 = tile_begin; t0 < tile_end; t0 += block) {
    const size_t count = std::min(block, tile_end - t0);
    // 1. input transform of `count` tiles: V is count x 25 x C. A tile's 5x5 input starts 4 pixels after the
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
    // 2. 25 GEMMs: prod[., pos] (count x MP) = V[., pos] (count x C) * U[matrix of pos] (C x MP). The 1, 2 or 4
    // positions sharing a matrix run back to back, so each panel is read once per block and stays hot in L1.
    for (size_t ui = 0; ui < 4; ++ui) {
      for (size_t uj = 0; uj < 4; ++uj) {
        for (size_t j = 0; j < panels; ++j) {
          const float* b = w.u.data() + (winograd_s2_matrix_of(ui, uj) * panels + j) * C * NR;
          for (size_t i = ui; i <= (ui == 3 ? 4 : ui); ++i) {
            for (size_t jj = uj; jj <= (uj == 3 ? 4 : uj); ++jj) {
              const size_t pos = i * 5 + jj;
              for (size_t r = 0; r < count; r += MR) {
                gemm.fn(std::min(MR, count - r), C, v + (r * P + pos) * C, P * C, b, prod + (r * P + pos) * MP + j * NR,
                        P * MP);
              }
            }
          }
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
      for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 2; ++j) {
          const bool inside = oy + i < p.out_h && ox + j < p.out_w;
          const size_t at = ((n * p.out_h + oy + i) * p.out_w + ox + j) * M;
          o[i * 2 + j] = inside ? y + at : discard;
          // A pixel beyond the output reads its residual from the discard row it is written to (thrown away).
          res[i * 2 + j] = !p.residual ? nullptr : inside ? p.residual + at : discard;
        }
      }
      winograd_s2_output_tile(prod + t * P * MP, MP, w.bias.data(), M, o, res, clamp);
      for (int q = 0; q < 4; ++q) {
        if (o[q] != discard) winograd_activate_rest(o[q], M, act, clamp);
      }
    }
  }
}

}  // namespace
}  // namespace sparq

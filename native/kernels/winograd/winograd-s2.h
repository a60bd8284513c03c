// Polyphase Winograd F(2x2, 3x3) for 3x3 stride-2 dilation-1 fp32 conv on NHWC: problem, packed weights, entry points.
//
// In 1D, two outputs of a stride-2 3-tap filter over inputs d0..d4 split into the even phase (d0, d2, d4) under the
// 2-tap filter (w0, w2), computed as Winograd F(2,2), and the odd phase (d1, d3) under the 1-tap filter w1:
//   m0 = (d0 - d2) w0, m1 = d2 (w0 + w2), m2 = (d4 - d2) w2, m3 = d1 w1, m4 = d3 w1;  y0 = m0 + m1 + m3, y1 = m1 + m2 + m4
// i.e. Bᵀ = [[1,0,-1,0,0],[0,0,1,0,0],[0,0,-1,0,1],[0,1,0,0,0],[0,0,0,1,0]], G = [[1,0,0],[1,0,1],[0,0,1],[0,1,0],[0,1,0]],
// Aᵀ = [[1,1,0,1,0],[0,1,1,0,1]]. Nested in 2D a 5x5 input tile (tiles 4 input pixels apart) gives 25 positions, each
// a channel product per 2x2 output tile: 25 multiplies per 4 outputs instead of 36 (1.44x fewer), run as 9 GEMMs.
#pragma once
#include <cstddef>
#include <vector>

#include "kernels/sparse24/align64-allocator.h"
#include "kernels/winograd/winograd-f23.h"
#include "ops/activation.h"

namespace sparq {

constexpr size_t kWinogradS2Positions = 25;

// Per dimension y0 = (m0 + m3) + m1 and y1 = m1 + (m2 + m4): positions {0, 3}, {1} and {2, 4} form groups a, b, c
// whose products are only ever summed, so each group is one GEMM with its positions stacked along K
// ([V0 | V3] * [U0; U3]). In 2D the 25 positions form 9 groups (K = 4C, 2C or C): the same FMAs, but 9 products per
// tile instead of 25 for the GEMMs to store and the output transform to read, and fewer, longer GEMM calls.
// Slots order the 25 positions group by group (aa, ab, ac, ba, bb, bc, ca, cb, cc), rows then columns inside a group.
constexpr size_t kWinogradS2Groups = 9;
constexpr int kWinogradS2GroupOf[5] = {0, 1, 2, 0, 2};  // position -> a, b, c
constexpr int kWinogradS2IndexInGroup[5] = {0, 0, 0, 1, 1};
constexpr size_t kWinogradS2GroupSize[3] = {2, 1, 2};
// First slot of group g = 3 * row group + column group.
constexpr size_t winograd_s2_group_slot(size_t g) {
  size_t slot = 0;
  for (size_t u = 0; u < g; ++u) slot += kWinogradS2GroupSize[u / 3] * kWinogradS2GroupSize[u % 3];
  return slot;
}
constexpr size_t winograd_s2_group_positions(size_t g) {
  return kWinogradS2GroupSize[g / 3] * kWinogradS2GroupSize[g % 3];
}
static_assert(winograd_s2_group_slot(kWinogradS2Groups) == kWinogradS2Positions, "the groups cover the 25 positions");
struct WinogradS2Slots {
  size_t of[25];
};
constexpr WinogradS2Slots winograd_s2_slots() {
  WinogradS2Slots s{};
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) {
      const int gi = kWinogradS2GroupOf[i], gj = kWinogradS2GroupOf[j];
      s.of[i * 5 + j] = winograd_s2_group_slot(static_cast<size_t>(gi * 3 + gj)) +
                        static_cast<size_t>(kWinogradS2IndexInGroup[i]) * kWinogradS2GroupSize[gj] +
                        static_cast<size_t>(kWinogradS2IndexInGroup[j]);
    }
  }
  return s;
}
// Slot of position (i, j) of the 5x5 tile (a table built at compile time: the transforms index it in their loops).
constexpr WinogradS2Slots kWinogradS2Slot = winograd_s2_slots();
constexpr size_t winograd_s2_slot(int i, int j) { return kWinogradS2Slot.of[i * 5 + j]; }

// One 3x3 stride-2 conv: X [batch, in_h, in_w, channels] NHWC, Y [batch, out_h, out_w, out_channels] NHWC with
// out_h = (in_h + pad_top + pad_bottom - 3) / 2 + 1 (the caller derives it from its pads). The problem and weight
// holders are F(2,3)'s (winograd-f23.h): the same fields describe any 3x3 conv computed in 2x2 output tiles; only the
// packing and the transforms differ.
using WinogradS2Problem = WinogradF23Problem;

// Transformed weights U = G g Gᵀ (5x5 per channel pair), one K x M matrix per group (K = its positions x C, rows in slot
// order), packed for the GEMM microkernel: group g starts at slot(g) * C * Mpad floats and holds Mpad / nr panels of
// K x nr. 25 x C x Mpad floats in all; padded columns are zero.
using WinogradS2F32Weights = WinogradF23F32Weights;

// w = OIHW [out_channels, channels, 3, 3]; bias may be null.
WinogradS2F32Weights winograd_s2_f32_pack(const float* w, const float* bias, size_t channels, size_t out_channels,
                                          size_t nr);

// Tiles transformed, multiplied and inverse-transformed together: chosen so the block's transformed input and
// products (tiles x (25 C + 9 M) floats) stay in the L2 cache; a multiple of mr.
size_t winograd_s2_tile_block(size_t channels, size_t out_channels_padded, size_t mr);

// Floats of workspace one call needs (per thread).
size_t winograd_s2_f32_workspace_floats(size_t channels, size_t out_channels_padded, size_t mr);

// Computes the output tiles [tile_begin, tile_end) (tile index = (n * tiles_h + th) * tiles_w + tw), adding bias and
// residual and applying the activation. workspace holds winograd_s2_f32_workspace_floats(.., gemm.mr) floats. The
// conv file's ISA vectorizes the transforms; the GEMM tile (WinogradF32Gemm, winograd-f23.h) is the caller's choice.
// Its conv entry points have F(2,3)'s signature (same problem and weight holders).
using WinogradS2F32ConvFn = WinogradF23F32ConvFn;

void f32_winograd_s2_conv__scalar(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                  const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                  float* workspace, size_t tile_begin, size_t tile_end);
#if defined(__x86_64__)
void f32_winograd_s2_conv__avx2(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                float* workspace, size_t tile_begin, size_t tile_end);
void f32_winograd_s2_conv__avx512(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                  const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                  float* workspace, size_t tile_begin, size_t tile_end);
#endif
#if defined(__aarch64__)
void f32_winograd_s2_conv__neon(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                float* workspace, size_t tile_begin, size_t tile_end);
#endif

}  // namespace sparq

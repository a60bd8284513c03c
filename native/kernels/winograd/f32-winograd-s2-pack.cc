// Transforms 3x3 fp32 weights once for the stride-2 Winograd (U = G g Gᵀ, 5x5) and packs the 25 C x M matrices into
// GEMM panels.
#include <algorithm>

#include "kernels/winograd/winograd-s2.h"

namespace sparq {

namespace {

// G f for one 3-tap column f (stride s between taps): [f0, f0 + f2, f2, f1, f1].
inline void winograd_s2_filter_1d(const float* f, size_t s, float* out) {
  out[0] = f[0];
  out[1] = f[0] + f[2 * s];
  out[2] = f[2 * s];
  out[3] = f[s];
  out[4] = f[s];
}

}  // namespace

WinogradS2F32Weights winograd_s2_f32_pack(const float* w, const float* bias, size_t channels, size_t out_channels,
                                          size_t nr) {
  WinogradS2F32Weights out;
  out.channels = channels;
  out.out_channels = out_channels;
  out.nr = nr;
  out.out_channels_padded = (out_channels + nr - 1) / nr * nr;
  const size_t mp = out.out_channels_padded, panels = mp / nr;
  // dst = per group g (at slot(g) * C * Mpad): Mpad/NR panels of K_g x NR, K_g = positions(g) x C in slot order.
  out.u.assign(kWinogradS2Positions * mp * channels, 0.f);
  out.bias.assign(mp, 0.f);
  if (bias) std::copy(bias, bias + out_channels, out.bias.begin());
  for (size_t m = 0; m < out_channels; ++m) {
    for (size_t c = 0; c < channels; ++c) {
      const float* g = w + (m * channels + c) * 9;
      float gt[5][3];  // G g: the columns transformed, 5x3
      for (int j = 0; j < 3; ++j) {
        float col[5];
        winograd_s2_filter_1d(g + j, 3, col);
        for (int i = 0; i < 5; ++i) gt[i][j] = col[i];
      }
      for (int i = 0; i < 5; ++i) {
        float u[5];  // row i of (G g) Gᵀ
        winograd_s2_filter_1d(gt[i], 1, u);
        for (int j = 0; j < 5; ++j) {
          const size_t g = static_cast<size_t>(kWinogradS2GroupOf[i] * 3 + kWinogradS2GroupOf[j]);
          const size_t first = winograd_s2_group_slot(g), k = winograd_s2_group_positions(g) * channels;
          const size_t row = (winograd_s2_slot(i, j) - first) * channels + c;
          out.u[first * channels * mp + (m / nr * k + row) * nr + m % nr] = u[j];
        }
      }
    }
  }
  return out;
}

size_t winograd_s2_tile_block(size_t channels, size_t out_channels_padded, size_t mr) {
  // The F(2,3) rule (f32-winograd-f23-pack.cc): 768 KB of the L2 for one block's V (25 C per tile) and products
  // (9 M per tile), more when U (25 x C x M floats, streamed once per block) outgrows it.
  const size_t u_bytes = kWinogradS2Positions * sizeof(float) * channels * out_channels_padded;
  const size_t budget = std::max<size_t>(768 * 1024, u_bytes / 2);
  size_t t = budget / (sizeof(float) * (kWinogradS2Positions * channels + kWinogradS2Groups * out_channels_padded));
  t = std::max<size_t>(t, 2 * mr);
  t = std::min<size_t>(t, 16 * mr);
  return t / mr * mr;
}

size_t winograd_s2_f32_workspace_floats(size_t channels, size_t out_channels_padded, size_t mr) {
  const size_t t = winograd_s2_tile_block(channels, out_channels_padded, mr);
  // V and products, the zero pixel (+16 spare), the discard row, and 16 floats of alignment slack.
  return t * (kWinogradS2Positions * channels + kWinogradS2Groups * out_channels_padded) + channels + 16 +
         out_channels_padded + 16;
}

}  // namespace sparq

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
  // dst = 16 x (Mpad/NR) x C x NR: one contiguous K x NR panel per distinct matrix and column block.
  out.u.assign(kWinogradS2Matrices * mp * channels, 0.f);
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
      for (size_t i = 0; i < 4; ++i) {
        float u[5];  // row i of (G g) Gᵀ; row 4 and column 4 repeat row 3 and column 3
        winograd_s2_filter_1d(gt[i], 1, u);
        for (size_t j = 0; j < 4; ++j) {
          const size_t matrix = winograd_s2_matrix_of(i, j);
          out.u[((matrix * panels + m / nr) * channels + c) * nr + m % nr] = u[j];
        }
      }
    }
  }
  return out;
}

size_t winograd_s2_tile_block(size_t channels, size_t out_channels_padded, size_t mr) {
  // The F(2,3) rule (f32-winograd-f23-pack.cc) with 25 positions: 768 KB of the 2 MB L2 for one block's V and
  // products, more when U (16 x C x M floats, streamed once per block) outgrows it.
  const size_t u_bytes = kWinogradS2Matrices * sizeof(float) * channels * out_channels_padded;
  const size_t budget = std::max<size_t>(768 * 1024, u_bytes / 2);
  size_t t = budget / (kWinogradS2Positions * sizeof(float) * (channels + out_channels_padded));
  t = std::max<size_t>(t, 2 * mr);
  t = std::min<size_t>(t, 16 * mr);
  return t / mr * mr;
}

size_t winograd_s2_f32_workspace_floats(size_t channels, size_t out_channels_padded, size_t mr) {
  const size_t t = winograd_s2_tile_block(channels, out_channels_padded, mr);
  // V and products, the zero pixel (+16 spare), the discard row, and 16 floats of alignment slack.
  return kWinogradS2Positions *
             (winograd_position_stride(t * channels) + winograd_position_stride(t * out_channels_padded)) +
         channels + 16 + out_channels_padded + 16;
}

}  // namespace sparq

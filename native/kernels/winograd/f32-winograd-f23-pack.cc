// Transforms 3x3 fp32 weights once (U = G g Gᵀ) and packs the 16 C x M matrices into GEMM panels.
#include <algorithm>

#include "kernels/winograd/winograd-f23.h"

namespace sparq {

WinogradF23F32Weights winograd_f23_f32_pack(const float* w, const float* bias, size_t channels, size_t out_channels,
                                            size_t nr) {
  WinogradF23F32Weights out;
  out.channels = channels;
  out.out_channels = out_channels;
  out.nr = nr;
  out.out_channels_padded = (out_channels + nr - 1) / nr * nr;
  const size_t mp = out.out_channels_padded, panels = mp / nr;
  // dst = 16 x (Mpad/NR) x C x NR: one contiguous K x NR panel per position and column block.
  out.u.assign(16 * mp * channels, 0.f);
  out.bias.assign(mp, 0.f);
  if (bias) std::copy(bias, bias + out_channels, out.bias.begin());
  for (size_t m = 0; m < out_channels; ++m) {
    for (size_t c = 0; c < channels; ++c) {
      const float* g = w + (m * channels + c) * 9;
      // G g: 4x3, G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]]
      float t[4][3];
      for (int j = 0; j < 3; ++j) {
        t[0][j] = g[j];
        t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
        t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
        t[3][j] = g[6 + j];
      }
      // (G g) Gᵀ: 4x4
      for (int i = 0; i < 4; ++i) {
        const float u[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]),
                            t[i][2]};
        for (int j = 0; j < 4; ++j) {
          const size_t pos = static_cast<size_t>(i * 4 + j);
          out.u[((pos * panels + m / nr) * channels + c) * nr + m % nr] = u[j];
        }
      }
    }
  }
  return out;
}

size_t winograd_f23_tile_block(size_t channels, size_t out_channels_padded, size_t mr) {
  // Bytes of the 2 MB L2 we let one block's V and M take. Every block streams all of U (16 x C x M floats) once,
  // so when U outgrows that (256+ channels: 4 MB at 256, 16 MB at 512) fewer, larger blocks win: at 256 channels
  // on 14x14 the 768 KB rule made 3 blocks of 24 tiles, reading U 3 times (12 MB) for 49 tiles.
  const size_t u_bytes = 16 * sizeof(float) * channels * out_channels_padded;
  const size_t budget = std::max<size_t>(768 * 1024, u_bytes / 2);
  size_t t = budget / (16 * sizeof(float) * (channels + out_channels_padded));
  t = std::max<size_t>(t, 2 * mr);
  t = std::min<size_t>(t, 16 * mr);
  return t / mr * mr;
}

size_t winograd_f23_f32_workspace_floats(size_t channels, size_t out_channels_padded, size_t mr) {
  const size_t t = winograd_f23_tile_block(channels, out_channels_padded, mr);
  // V and products, the zero pixel (+16 spare), the discard row, and 16 floats of alignment slack.
  return 16 * (winograd_position_stride(t * channels) + winograd_position_stride(t * out_channels_padded)) + channels +
         16 + out_channels_padded + 16;
}

void winograd_activate_span_portable(float* y, size_t n, const ActivationParams& act) { activate_span(y, n, act); }

}  // namespace sparq

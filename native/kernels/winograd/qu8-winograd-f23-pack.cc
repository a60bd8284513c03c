// Transforms 3x3 s8 weights once with the scaled 2G (U' = 4 G g Gᵀ, exact in int16) and packs them in channel pairs.
#include <algorithm>

#include "kernels/winograd/winograd-f23.h"

namespace sparq {

WinogradF23QU8Weights winograd_f23_qu8_pack(const int8_t* w, const int32_t* bias, size_t channels,
                                            size_t out_channels, size_t nr) {
  WinogradF23QU8Weights out;
  out.channels = channels;
  out.channels_padded = (channels + 1) / 2 * 2;
  out.out_channels = out_channels;
  out.nr = nr;
  out.out_channels_padded = (out_channels + nr - 1) / nr * nr;
  const size_t mp = out.out_channels_padded, cp = out.channels_padded, panels = mp / nr;
  // dst = 16 x (Mpad/NR) x (Cpad/2) x NR x 2
  out.u.assign(16 * mp * cp, 0);
  out.bias.assign(mp, 0);
  if (bias) std::copy(bias, bias + out_channels, out.bias.begin());
  for (size_t m = 0; m < out_channels; ++m) {
    for (size_t c = 0; c < channels; ++c) {
      const int8_t* g = w + (m * channels + c) * 9;
      // (2G) g with 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]], then times (2G)ᵀ
      int32_t t[4][3];
      for (int j = 0; j < 3; ++j) {
        t[0][j] = 2 * g[j];
        t[1][j] = g[j] + g[3 + j] + g[6 + j];
        t[2][j] = g[j] - g[3 + j] + g[6 + j];
        t[3][j] = 2 * g[6 + j];
      }
      for (int i = 0; i < 4; ++i) {
        const int32_t u[4] = {2 * t[i][0], t[i][0] + t[i][1] + t[i][2], t[i][0] - t[i][1] + t[i][2], 2 * t[i][2]};
        for (int j = 0; j < 4; ++j) {
          const size_t pos = static_cast<size_t>(i * 4 + j);
          out.u[(((pos * panels + m / nr) * (cp / 2) + c / 2) * nr + m % nr) * 2 + c % 2] = static_cast<int16_t>(u[j]);
        }
      }
    }
  }
  return out;
}

size_t winograd_f23_qu8_workspace_bytes(size_t channels, size_t out_channels_padded, size_t mr) {
  const size_t cp = (channels + 1) / 2 * 2;
  // The int16 V block is half the bytes of fp32; reuse the fp32 block size so the s32 products fit the same budget.
  const size_t t = winograd_f23_tile_block(cp, out_channels_padded, mr);
  return 16 * t * cp * sizeof(int16_t) + 16 * t * out_channels_padded * sizeof(int32_t) + (cp + 64) * sizeof(int16_t) +
         out_channels_padded * sizeof(uint8_t) + 256;
}

}  // namespace sparq

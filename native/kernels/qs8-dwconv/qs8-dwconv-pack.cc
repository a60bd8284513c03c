// Packs int8 depthwise weights into the s16 tap-pair layout every depthwise kernel reads (see qs8-dwconv.h).
#include <cstring>

#include "kernels/qs8-dwconv/qs8-dwconv.h"

namespace sparq {

void qs8_dwconv_pack_weights(size_t channels, size_t taps, size_t padded_channels, const int8_t* w, int16_t* packed) {
  const size_t pairs = (taps + 1) / 2;
  std::memset(packed, 0, qs8_dwconv_packed_size(taps, padded_channels) * sizeof(int16_t));
  for (size_t j = 0; j < pairs; ++j)
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = 0; i < 2; ++i) {
        const size_t t = 2 * j + i;
        if (t < taps) packed[(j * padded_channels + c) * 2 + i] = w[c * taps + t];
      }
}

}  // namespace sparq

// Packs int8 depthwise weights into the s16 layouts the depthwise kernels read (see qs8-dwconv.h).
#include <cstring>

#include "kernels/qs8-dwconv/qs8-dwconv.h"

namespace sparq {

void qs8_dwconv_pack_weights(Qs8DwconvLayout layout, size_t channels, size_t kernel_h, size_t kernel_w,
                             size_t padded_channels, const int8_t* w, int16_t* packed) {
  const size_t taps = kernel_h * kernel_w;
  std::memset(packed, 0, qs8_dwconv_packed_size(layout, kernel_h, kernel_w, padded_channels) * sizeof(int16_t));
  if (layout == Qs8DwconvLayout::kRowQuads) {
    int8_t* bytes = reinterpret_cast<int8_t*>(packed);
    for (size_t c = 0; c < channels; ++c)
      for (size_t ki = 0; ki < kernel_h; ++ki)
        for (size_t kj = 0; kj < kernel_w; ++kj)
          bytes[(((ki / 4) * kernel_w + kj) * padded_channels + c) * 4 + ki % 4] = w[c * taps + ki * kernel_w + kj];
    return;
  }
  for (size_t c = 0; c < channels; ++c)
    for (size_t t = 0; t < taps; ++t) {
      const size_t at = layout == Qs8DwconvLayout::kTapPairs
                            ? ((t / 2) * padded_channels + c) * 2 + t % 2
                            : ((t * (padded_channels / 32) + c / 32) * 2 + c % 2) * 32 + c % 32;
      packed[at] = w[c * taps + t];
    }
}

}  // namespace sparq

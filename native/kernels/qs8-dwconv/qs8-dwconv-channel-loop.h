// Body of the portable int8 depthwise microkernels: a fixed-width channel block per output pixel, tap pairs outer,
// channels inner. Each file instantiates it under its own ISA flags so the compiler vectorizes the channel loop.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/qs8-dwconv/qs8-dwconv-taps.h"

namespace sparq {
namespace {  // internal linkage: each ISA's instantiation must never be merged across translation units

template <size_t CB>
inline void qs8_dwconv_channel_blocks(const Qs8DwconvParams& p, size_t oh, const uint8_t* x, const int16_t* w,
                                      const int32_t* bias, int32_t* acc) {
  static_assert(kQs8DwconvChannelAlign % CB == 0, "channel block must divide the weight padding");
  const size_t channels = p.channels, cp = p.padded_channels;
  Qs8DwconvTaps taps(p);
  for (size_t ow = 0; ow < p.out_w; ++ow) {
    taps.fill(oh, ow, x);
    const uint8_t* const* ptr = taps.pointers();
    int32_t* out = acc + ow * channels;
    for (size_t c0 = 0; c0 < channels; c0 += CB) {
      const size_t n = std::min(CB, channels - c0);
      int32_t a[CB];
      for (size_t c = 0; c < CB; ++c) a[c] = bias[c0 + c];
      for (size_t j = 0; j < taps.pairs(); ++j) {
        const uint8_t* x0 = ptr[2 * j] + c0;
        const uint8_t* x1 = ptr[2 * j + 1] + c0;
        const int16_t* wj = w + (j * cp + c0) * 2;
        if (n == CB) {
          for (size_t c = 0; c < CB; ++c) a[c] += int32_t(x0[c]) * wj[2 * c] + int32_t(x1[c]) * wj[2 * c + 1];
        } else {
          for (size_t c = 0; c < n; ++c) a[c] += int32_t(x0[c]) * wj[2 * c] + int32_t(x1[c]) * wj[2 * c + 1];
        }
      }
      for (size_t c = 0; c < n; ++c) out[c0 + c] = a[c];
    }
  }
}

}  // namespace
}  // namespace sparq

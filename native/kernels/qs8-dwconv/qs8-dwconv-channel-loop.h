// Body of the int8 depthwise microkernels: a fixed-width channel block per output pixel, taps outer, channels inner.
// Each -<isa>.cc file instantiates it under its own ISA flags, so the channel loop becomes that ISA's widening
// multiply-adds (u8 and s8 widened to s32, exact for any data).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/qs8-dwconv/qs8-dwconv.h"

namespace sparq {
namespace {  // internal linkage: each ISA's instantiation must never be merged across translation units

template <size_t CB>
inline void qs8_dwconv_channel_blocks(const Qs8DwconvParams& p, size_t oh, const uint8_t* x, const int8_t* w,
                                      const int32_t* bias, int32_t* acc) {
  static_assert(kQs8DwconvChannelAlign % CB == 0, "channel block must divide the weight padding");
  const size_t c_total = p.channels, cp = p.padded_channels;
  const long ih0 = static_cast<long>(oh * p.stride_h) - static_cast<long>(p.pad_top);
  for (size_t ow = 0; ow < p.out_w; ++ow) {
    const long iw0 = static_cast<long>(ow * p.stride_w) - static_cast<long>(p.pad_left);
    int32_t* out = acc + ow * c_total;
    for (size_t c0 = 0; c0 < c_total; c0 += CB) {
      const size_t n = std::min(CB, c_total - c0);
      int32_t a[CB];
      for (size_t c = 0; c < CB; ++c) a[c] = bias[c0 + c];
      for (size_t ki = 0; ki < p.kernel_h; ++ki) {
        const long ih = ih0 + static_cast<long>(ki * p.dilation_h);
        const bool row_inside = ih >= 0 && ih < static_cast<long>(p.in_h);
        for (size_t kj = 0; kj < p.kernel_w; ++kj) {
          const long iw = iw0 + static_cast<long>(kj * p.dilation_w);
          const bool inside = row_inside && iw >= 0 && iw < static_cast<long>(p.in_w);
          const uint8_t* px = inside ? x + (static_cast<size_t>(ih) * p.in_w + static_cast<size_t>(iw)) * c_total + c0
                                     : p.zero_row + c0;
          const int8_t* wt = w + (ki * p.kernel_w + kj) * cp + c0;
          if (n == CB) {
            for (size_t c = 0; c < CB; ++c) a[c] += static_cast<int32_t>(px[c]) * static_cast<int32_t>(wt[c]);
          } else {
            for (size_t c = 0; c < n; ++c) a[c] += static_cast<int32_t>(px[c]) * static_cast<int32_t>(wt[c]);
          }
        }
      }
      for (size_t c = 0; c < n; ++c) out[c0 + c] = a[c];
    }
  }
}

}  // namespace
}  // namespace sparq

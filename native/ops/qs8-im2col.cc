// int8 im2col: memcpy of the taps inside the input (one per kernel row when possible), memset of the zero point
// for the taps outside it.
#include "ops/qs8-im2col.h"

#include <algorithm>
#include <cstring>

namespace sparq {

void qs8_im2col_rows(const ConvGeometry& g, const uint8_t* x, size_t channel_offset, uint8_t zero_point, size_t m0,
                     size_t rows, uint8_t* out, size_t out_stride) {
  const size_t cg = g.group_in(), pixels = g.out_h * g.out_w;
  for (size_t r = 0; r < rows; ++r) {
    const size_t m = m0 + r, b = m / pixels, p = m % pixels, oh = p / g.out_w, ow = p % g.out_w;
    const uint8_t* image = x + b * g.in_h * g.in_w * g.in_c + channel_offset;
    uint8_t* dst = out + r * out_stride;
    const long ih0 = static_cast<long>(oh * g.stride_h) - static_cast<long>(g.pad_top);
    const long iw0 = static_cast<long>(ow * g.stride_w) - static_cast<long>(g.pad_left);
    // Taps of one kernel row that fall inside the input are adjacent pixels when undilated, and then (one group)
    // one contiguous run of bytes: a single memcpy.
    const bool runs = g.dilation_w == 1 && cg == g.in_c;
    for (size_t ki = 0; ki < g.kernel_h; ++ki) {
      const long ih = ih0 + static_cast<long>(ki * g.dilation_h);
      if (ih < 0 || ih >= static_cast<long>(g.in_h)) {
        std::memset(dst, zero_point, g.kernel_w * cg);
        dst += g.kernel_w * cg;
        continue;
      }
      const uint8_t* in_row = image + static_cast<size_t>(ih) * g.in_w * g.in_c;
      if (runs) {
        const long first = std::max(0L, -iw0), last = std::min(static_cast<long>(g.kernel_w), static_cast<long>(g.in_w) - iw0);
        if (first < last) {
          std::memset(dst, zero_point, static_cast<size_t>(first) * cg);
          std::memcpy(dst + static_cast<size_t>(first) * cg, in_row + static_cast<size_t>(iw0 + first) * cg,
                      static_cast<size_t>(last - first) * cg);
          std::memset(dst + static_cast<size_t>(last) * cg, zero_point, (g.kernel_w - static_cast<size_t>(last)) * cg);
        } else {
          std::memset(dst, zero_point, g.kernel_w * cg);
        }
        dst += g.kernel_w * cg;
        continue;
      }
      for (size_t kj = 0; kj < g.kernel_w; ++kj, dst += cg) {
        const long iw = iw0 + static_cast<long>(kj * g.dilation_w);
        if (iw >= 0 && iw < static_cast<long>(g.in_w))
          std::memcpy(dst, in_row + static_cast<size_t>(iw) * g.in_c, cg);
        else
          std::memset(dst, zero_point, cg);
      }
    }
  }
}

}  // namespace sparq

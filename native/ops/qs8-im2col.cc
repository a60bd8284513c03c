// int8 im2col: one memcpy of group_in bytes per tap inside the input, one memset of the zero point outside it.
#include "ops/qs8-im2col.h"

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
    for (size_t ki = 0; ki < g.kernel_h; ++ki) {
      const long ih = ih0 + static_cast<long>(ki * g.dilation_h);
      const bool row_inside = ih >= 0 && ih < static_cast<long>(g.in_h);
      for (size_t kj = 0; kj < g.kernel_w; ++kj, dst += cg) {
        const long iw = iw0 + static_cast<long>(kj * g.dilation_w);
        if (row_inside && iw >= 0 && iw < static_cast<long>(g.in_w))
          std::memcpy(dst, image + (static_cast<size_t>(ih) * g.in_w + static_cast<size_t>(iw)) * g.in_c, cg);
        else
          std::memset(dst, zero_point, cg);
      }
    }
  }
}

}  // namespace sparq

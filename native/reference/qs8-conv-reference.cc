// Plain NHWC int8 convolution: seven nested loops, no packing, no tricks.
#include "reference/qs8-conv-reference.h"

#include <cstring>

namespace sparq {

void qs8_conv_reference(const Qs8ConvReferenceShape& s, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                        const int32_t* bias, int32_t* acc) {
  const size_t cg = s.in_c / s.group, mg = s.out_c / s.group;
  for (size_t b = 0; b < s.batch; ++b)
    for (size_t oh = 0; oh < s.out_h; ++oh)
      for (size_t ow = 0; ow < s.out_w; ++ow)
        for (size_t m = 0; m < s.out_c; ++m) {
          const size_t g = m / mg;
          int64_t sum = bias ? bias[m] : 0;
          for (size_t ki = 0; ki < s.kernel_h; ++ki) {
            const long ih = static_cast<long>(oh * s.stride_h + ki * s.dilation_h) - static_cast<long>(s.pad_top);
            if (ih < 0 || ih >= static_cast<long>(s.in_h)) continue;
            for (size_t kj = 0; kj < s.kernel_w; ++kj) {
              const long iw = static_cast<long>(ow * s.stride_w + kj * s.dilation_w) - static_cast<long>(s.pad_left);
              if (iw < 0 || iw >= static_cast<long>(s.in_w)) continue;
              const uint8_t* px = x + ((b * s.in_h + static_cast<size_t>(ih)) * s.in_w + static_cast<size_t>(iw)) * s.in_c;
              for (size_t c = 0; c < cg; ++c) {
                const int32_t xv = static_cast<int32_t>(px[g * cg + c]) - x_zero_point;
                sum += static_cast<int64_t>(xv) * w[((m * cg + c) * s.kernel_h + ki) * s.kernel_w + kj];
              }
            }
          }
          const uint32_t low = static_cast<uint32_t>(static_cast<uint64_t>(sum));
          std::memcpy(&acc[((b * s.out_h + oh) * s.out_w + ow) * s.out_c + m], &low, sizeof(low));
        }
}

}  // namespace sparq

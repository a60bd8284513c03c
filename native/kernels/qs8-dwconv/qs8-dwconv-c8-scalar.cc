// int8 depthwise convolution, 8-channel blocks, channel loop vectorized for scalar.
#include "kernels/qs8-dwconv/qs8-dwconv-channel-loop.h"

namespace sparq {

void qs8_dwconv_ukernel_c8__scalar(const Qs8DwconvParams& p, size_t oh, const uint8_t* x_image, const int16_t* w,
                                const int32_t* bias, int32_t* acc) {
  qs8_dwconv_channel_blocks<8>(p, oh, x_image, w, bias, acc);
}

}  // namespace sparq

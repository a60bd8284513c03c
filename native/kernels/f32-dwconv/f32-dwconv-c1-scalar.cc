// Portable depthwise-convolution row kernel: any kernel size, stride, dilation and padding.
#include <algorithm>

#include "kernels/f32-dwconv/f32-dwconv.h"

namespace sparq {

void f32_dwconv_ukernel_c1__scalar(const F32DwconvParams& p, size_t oh, const float* x, const float* w,
                                   const float* bias, const float* residual, float* y) {
  const size_t C = p.channels;
  const long ih0 = static_cast<long>(oh * p.stride_h) - static_cast<long>(p.pad_top);
  for (size_t ow = 0; ow < p.out_w; ++ow) {
    const long iw0 = static_cast<long>(ow * p.stride_w) - static_cast<long>(p.pad_left);
    float* yp = y + ow * C;
    for (size_t c = 0; c < C; ++c) yp[c] = bias[c] + (residual ? residual[ow * C + c] : 0.f);
    for (size_t ki = 0; ki < p.kernel_h; ++ki) {
      const long ih = ih0 + static_cast<long>(ki * p.dilation_h);
      if (ih < 0 || ih >= static_cast<long>(p.in_h)) continue;
      for (size_t kj = 0; kj < p.kernel_w; ++kj) {
        const long iw = iw0 + static_cast<long>(kj * p.dilation_w);
        if (iw < 0 || iw >= static_cast<long>(p.in_w)) continue;
        const float* xp = x + (static_cast<size_t>(ih) * p.in_w + static_cast<size_t>(iw)) * C;
        const float* wp = w + (ki * p.kernel_w + kj) * p.padded_channels;
        for (size_t c = 0; c < C; ++c) yp[c] += xp[c] * wp[c];
      }
    }
    if (p.clamp)
      for (size_t c = 0; c < C; ++c) yp[c] = std::min(std::max(yp[c], p.min), p.max);
  }
}

}  // namespace sparq

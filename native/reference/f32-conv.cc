// Plain NHWC convolution references (direct loops, double accumulation), independent of im2col and packing.
#include "reference/f32-conv.h"

#include <vector>

namespace sparq {

void f32_conv_reference(const F32ConvReferenceShape& s, const float* x, const float* w, const float* bias,
                        const float* residual, float* y, const ActivationParams& act) {
  const size_t cg = s.in_c / s.group, mg = s.out_c / s.group;
  for (size_t n = 0; n < s.batch; ++n)
    for (size_t oh = 0; oh < s.out_h; ++oh)
      for (size_t ow = 0; ow < s.out_w; ++ow)
        for (size_t m = 0; m < s.out_c; ++m) {
          const size_t g = m / mg;
          double acc = bias ? bias[m] : 0.0;
          for (size_t ki = 0; ki < s.kernel_h; ++ki) {
            const long ih = static_cast<long>(oh * s.stride_h + ki * s.dilation_h) - static_cast<long>(s.pad_top);
            if (ih < 0 || ih >= static_cast<long>(s.in_h)) continue;
            for (size_t kj = 0; kj < s.kernel_w; ++kj) {
              const long iw = static_cast<long>(ow * s.stride_w + kj * s.dilation_w) - static_cast<long>(s.pad_left);
              if (iw < 0 || iw >= static_cast<long>(s.in_w)) continue;
              for (size_t c = 0; c < cg; ++c) {
                const float xv = x[((n * s.in_h + ih) * s.in_w + iw) * s.in_c + g * cg + c];
                const float wv = w[((m * cg + c) * s.kernel_h + ki) * s.kernel_w + kj];
                acc += static_cast<double>(xv) * wv;
              }
            }
          }
          const size_t yi = ((n * s.out_h + oh) * s.out_w + ow) * s.out_c + m;
          if (residual) acc += residual[yi];
          y[yi] = activate(static_cast<float>(acc), act);
        }
}

void f32_conv_transpose_reference(const F32ConvReferenceShape& s, const float* x, const float* w, const float* bias,
                                  float* y, const ActivationParams& act) {
  const size_t cg = s.in_c / s.group, mg = s.out_c / s.group;
  std::vector<double> acc(s.batch * s.out_h * s.out_w * s.out_c, 0.0);
  for (size_t n = 0; n < s.batch; ++n)
    for (size_t ih = 0; ih < s.in_h; ++ih)
      for (size_t iw = 0; iw < s.in_w; ++iw)
        for (size_t ci = 0; ci < s.in_c; ++ci) {
          const size_t g = ci / cg;
          const double xv = x[((n * s.in_h + ih) * s.in_w + iw) * s.in_c + ci];
          for (size_t ki = 0; ki < s.kernel_h; ++ki) {
            const long oh = static_cast<long>(ih * s.stride_h + ki * s.dilation_h) - static_cast<long>(s.pad_top);
            if (oh < 0 || oh >= static_cast<long>(s.out_h)) continue;
            for (size_t kj = 0; kj < s.kernel_w; ++kj) {
              const long ow = static_cast<long>(iw * s.stride_w + kj * s.dilation_w) - static_cast<long>(s.pad_left);
              if (ow < 0 || ow >= static_cast<long>(s.out_w)) continue;
              for (size_t o = 0; o < mg; ++o) {
                const double wv = w[((ci * mg + o) * s.kernel_h + ki) * s.kernel_w + kj];
                acc[((n * s.out_h + oh) * s.out_w + ow) * s.out_c + g * mg + o] += xv * wv;
              }
            }
          }
        }
  for (size_t i = 0; i < acc.size(); ++i) {
    const double b = bias ? bias[i % s.out_c] : 0.0;
    y[i] = activate(static_cast<float>(acc[i] + b), act);
  }
}

}  // namespace sparq

// fp32 depthwise-convolution microkernel contract: one NHWC output row, vectorised over channels.
#pragma once
#include <cstddef>

namespace sparq {

struct F32DwconvParams {
  size_t in_h = 0, in_w = 0, channels = 0;  // one input image, H x W x C
  size_t kernel_h = 0, kernel_w = 0;
  size_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0;
  size_t out_w = 0;
  // Output columns [ow_begin, ow_end) read only in-bounds input columns for every tap.
  size_t ow_begin = 0, ow_end = 0;
  size_t padded_channels = 0;  // row stride of the packed weights
  bool clamp = false;          // clamp to [min, max] (relu, clip)
  float min = 0.f, max = 0.f;
};

// Computes output row `oh` of one image: y[ow * C + c] for every ow < out_w and c < C.
// x: the image (H x W x C). w: packed taps, w[(ki * kernel_w + kj) * padded_channels + c] (layout:
// f32-dwconv-pack in ops/conv.cc). bias: padded_channels values (zeros when the conv has none).
// residual: row `oh` of R laid out like y, or nullptr. Epilogue: clamp(acc + bias + residual).
using F32DwconvUkernel = void (*)(const F32DwconvParams& p, size_t oh, const float* x, const float* w,
                                  const float* bias, const float* residual, float* y);

void f32_dwconv_ukernel_c1__scalar(const F32DwconvParams& p, size_t oh, const float* x, const float* w,
                                   const float* bias, const float* residual, float* y);
#if defined(__x86_64__)
void f32_dwconv_ukernel_c8__avx2(const F32DwconvParams& p, size_t oh, const float* x, const float* w,
                                 const float* bias, const float* residual, float* y);
void f32_dwconv_ukernel_c16__avx512(const F32DwconvParams& p, size_t oh, const float* x, const float* w,
                                    const float* bias, const float* residual, float* y);
#endif

}  // namespace sparq

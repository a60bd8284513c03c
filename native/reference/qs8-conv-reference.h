// Plain NHWC int8 convolution (u8 activations x s8 weights -> s32): the oracle for the QConv op and its kernels.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

struct Qs8ConvReferenceShape {
  size_t batch = 1, in_h = 0, in_w = 0, in_c = 0, out_h = 0, out_w = 0, out_c = 0, group = 1;
  size_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0;
};

// acc[n, oh, ow, m] = bias[m] + sum (x[n, oh*sh - pt + ki*dh, ow*sw - pl + kj*dw, g*Cg + c] - x_zero_point) *
// w[m, c, ki, kj], with w in ONNX layout [M, C/group, kh, kw] and padding reading x_zero_point (adds nothing).
// bias may be null. Sums are exact (int64) and stored modulo 2^32 like the kernels' s32 arithmetic.
void qs8_conv_reference(const Qs8ConvReferenceShape& s, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                        const int32_t* bias, int32_t* acc);

}  // namespace sparq

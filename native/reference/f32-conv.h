// Plain NHWC convolution and transposed convolution with ONNX weight layouts: the oracle for the Conv ops.
#pragma once
#include <cstddef>

#include "ops/activation.h"

namespace sparq {

struct F32ConvReferenceShape {
  size_t batch = 1, in_h = 0, in_w = 0, in_c = 0, out_h = 0, out_w = 0, out_c = 0, group = 1;
  size_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0;
};

// y[n, oh, ow, m] = act(bias[m] + residual[...] + sum x[n, oh*sh - pt + ki*dh, ow*sw - pl + kj*dw, g*Cg + c] *
// w[m, c, ki, kj]) with w in ONNX layout [M, C/group, kh, kw]. bias / residual may be nullptr.
void f32_conv_reference(const F32ConvReferenceShape& s, const float* x, const float* w, const float* bias,
                        const float* residual, float* y, const ActivationParams& act);

// Transposed convolution: each x[n, ih, iw, g*Cg + c] adds x * w[g*Cg + c, o, ki, kj] to
// y[n, ih*sh - pt + ki*dh, iw*sw - pl + kj*dw, g*Mg + o]; w in ONNX layout [C, M/group, kh, kw].
void f32_conv_transpose_reference(const F32ConvReferenceShape& s, const float* x, const float* w, const float* bias,
                                  float* y, const ActivationParams& act);

}  // namespace sparq

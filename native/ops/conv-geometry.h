// The window attributes Conv and ConvTranspose share, read and validated once (native/ops/README.md).
#pragma once
#include "ops/im2col.h"
#include "runtime/plan-desc.h"

namespace sparq {

// X is NHWC; W is [*, *, kh, kw]. Fills batch, input H/W/C, group, kernel, strides, dilations and pads
// [top, left, bottom, right]; throws PlanError naming the node for any malformed or inconsistent value.
ConvGeometry read_conv_geometry(const OpDesc& desc, const TensorDesc& x, const TensorDesc& w);

// Copies the window of a depthwise conv into a depthwise kernel's parameters (F32DwconvParams, Qs8DwconvParams:
// the fp32 and int8 kernels take the same window fields).
template <typename DwconvParams>
void set_depthwise_window(DwconvParams& p, const ConvGeometry& g, size_t channels, size_t padded_channels) {
  p.in_h = g.in_h;
  p.in_w = g.in_w;
  p.channels = channels;
  p.kernel_h = g.kernel_h;
  p.kernel_w = g.kernel_w;
  p.stride_h = g.stride_h;
  p.stride_w = g.stride_w;
  p.dilation_h = g.dilation_h;
  p.dilation_w = g.dilation_w;
  p.pad_top = g.pad_top;
  p.pad_left = g.pad_left;
  p.out_w = g.out_w;
  p.padded_channels = padded_channels;
}

}  // namespace sparq

// The window attributes Conv and ConvTranspose share, read and validated once (native/ops/README.md).
#pragma once
#include "ops/im2col.h"
#include "runtime/plan-desc.h"

namespace sparq {

// X is NHWC; W is [*, *, kh, kw]. Fills batch, input H/W/C, group, kernel, strides, dilations and pads
// [top, left, bottom, right]; throws PlanError naming the node for any malformed or inconsistent value.
ConvGeometry read_conv_geometry(const OpDesc& desc, const TensorDesc& x, const TensorDesc& w);

}  // namespace sparq

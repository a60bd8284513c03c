// ConvTranspose factory (NHWC, fp32), registered by register_conv_ops in ops/conv.cc.
#pragma once
#include <memory>

#include "runtime/op.h"

namespace sparq {

std::unique_ptr<Op> make_conv_transpose(const OpDesc& desc, const BuildContext& ctx);

}  // namespace sparq

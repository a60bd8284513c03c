// The QGemm op factory (int8 MatMul / Gemm / fully connected), registered by register_qconv_ops in qconv.cc.
#pragma once
#include <memory>

#include "runtime/op.h"

namespace sparq {

std::unique_ptr<Op> make_qgemm(const OpDesc& desc, const BuildContext& ctx);

}  // namespace sparq

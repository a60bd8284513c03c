// The parts of the elementwise family, each in its own file, registered together by elementwise.cc.
#pragma once
#include "runtime/op.h"

namespace sparq {

void register_unary_ops(OpRegistry& r);    // ops/elementwise-unary.cc
void register_binary_ops(OpRegistry& r);   // ops/elementwise-binary.cc
void register_where_op(OpRegistry& r);     // ops/elementwise-where.cc
void register_cast_op(OpRegistry& r);      // ops/elementwise-cast.cc

}  // namespace sparq

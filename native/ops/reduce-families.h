// The parts of the reduction family, each in its own file, registered together by reduce.cc.
#pragma once
#include "runtime/op.h"

namespace sparq {

void register_argmax_op(OpRegistry& r);   // ops/argmax.cc
void register_softmax_ops(OpRegistry& r); // ops/softmax.cc

}  // namespace sparq

// The parts of the data-movement family, each in its own file, registered together by data-movement.cc.
#pragma once
#include "runtime/op.h"

namespace sparq {

void register_concat_split_ops(OpRegistry& r);  // ops/concat-split.cc
void register_pad_op(OpRegistry& r);            // ops/pad.cc
void register_gather_op(OpRegistry& r);         // ops/gather.cc

}  // namespace sparq

// STUB: the conv op family registers nothing yet (see native/ops/README.md for what belongs here).
#include "runtime/op.h"

namespace sparq {

void register_conv_ops(OpRegistry& r) { (void)r; }

}  // namespace sparq

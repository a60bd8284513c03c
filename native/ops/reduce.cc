// STUB: the reduce op family registers nothing yet (see native/ops/README.md for what belongs here).
#include "runtime/op.h"

namespace sparq {

void register_reduce_ops(OpRegistry& r) { (void)r; }

}  // namespace sparq

// STUB: the norm op family registers nothing yet (see native/ops/README.md for what belongs here).
#include "runtime/op.h"

namespace sparq {

void register_norm_ops(OpRegistry& r) { (void)r; }

}  // namespace sparq

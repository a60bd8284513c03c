// The elementwise op family: unary math/activations, broadcasting binary ops, Where, Cast.
#include "ops/elementwise-families.h"

namespace sparq {

void register_elementwise_ops(OpRegistry& r) {
  register_unary_ops(r);
  register_binary_ops(r);
  register_where_op(r);
  register_cast_op(r);
}

}  // namespace sparq

// The op registry knows every family and finds nothing for an unknown type.
#include "runtime/op.h"
#include "test/test-harness.h"

SPARQ_TEST(registry_unknown_type_is_null) {
  CHECK(sparq::OpRegistry::instance().find("NoSuchOp") == nullptr);
}

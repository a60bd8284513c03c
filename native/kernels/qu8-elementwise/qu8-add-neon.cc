// NEON QAdd u8 + u8 -> u8, 8 values per step: two separately rounded products, one add, relu, divide, requantize.
#include "kernels/qu8-elementwise/qu8-binary-neon.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {

void qu8_add_ukernel__neon(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QAddParams& p,
                           uint8_t* y) {
  const auto add = [](float32x4_t x, float32x4_t z) { return vaddq_f32(x, z); };
  if (b_stride == 0) qu8_binary_neon::run<true>(n, a, b, p, p.relu, add, qu8_add__reference, y);
  else qu8_binary_neon::run<false>(n, a, b, p, p.relu, add, qu8_add__reference, y);
}

}  // namespace sparq

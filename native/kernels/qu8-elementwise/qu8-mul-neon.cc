// NEON QMul u8 x u8 -> u8, 8 values per step: dequantize both, multiply, divide, requantize (scalar tail).
#include "kernels/qu8-elementwise/qu8-binary-neon.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {

void qu8_mul_ukernel__neon(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                           uint8_t* y) {
  const auto mul = [](float32x4_t x, float32x4_t z) { return vmulq_f32(x, z); };
  if (b_stride == 0) qu8_binary_neon::run<true>(n, a, b, p, false, mul, qu8_mul__reference, y);
  else qu8_binary_neon::run<false>(n, a, b, p, false, mul, qu8_mul__reference, y);
}

}  // namespace sparq

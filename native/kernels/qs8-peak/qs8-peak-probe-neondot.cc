// Peak probe for NEON dot product: 16 independent sdot chains (16 MACs each).
#include <arm_neon.h>

#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__neondot(size_t iterations, int32_t seed) {
  constexpr int kChains = 16;
  int32x4_t acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = vdupq_n_s32(seed + c);
  int8x16_t x = vdupq_n_s8(static_cast<int8_t>(seed * 3 + 1)), y = vdupq_n_s8(static_cast<int8_t>(seed * 7 + 2));
  asm volatile("" : "+w"(x), "+w"(y));
  for (size_t it = 0; it < iterations; ++it) {
    for (int c = 0; c < kChains; ++c) acc[c] = vdotq_s32(acc[c], x, y);
  }
  int32x4_t sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = veorq_s32(sum, acc[c]);
  return {static_cast<uint64_t>(iterations) * kChains * 16, static_cast<uint32_t>(vaddvq_s32(sum))};
}

}  // namespace sparq

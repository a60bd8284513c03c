// Peak probe for the exact AVX2 int8 step: vpmaddwd ymm (16 s16 MACs) + vpaddd into 8 independent accumulators.
// The 8 products use distinct operand pairs (2 x 4 registers) re-made opaque every round, so none can be hoisted.
#include <immintrin.h>

#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__avx2(size_t iterations, int32_t seed) {
  __m256i acc[8];
  for (int c = 0; c < 8; ++c) acc[c] = _mm256_set1_epi32(seed + c);
  __m256i a0 = _mm256_set1_epi32(seed + 11), a1 = _mm256_set1_epi32(seed + 13);
  __m256i b0 = _mm256_set1_epi32(seed + 17), b1 = _mm256_set1_epi32(seed + 19);
  __m256i b2 = _mm256_set1_epi32(seed + 23), b3 = _mm256_set1_epi32(seed + 29);
  for (size_t it = 0; it < iterations; ++it) {
    asm volatile("" : "+x"(a0), "+x"(a1), "+x"(b0), "+x"(b1), "+x"(b2), "+x"(b3));
    acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(a0, b0));
    acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(a0, b1));
    acc[2] = _mm256_add_epi32(acc[2], _mm256_madd_epi16(a0, b2));
    acc[3] = _mm256_add_epi32(acc[3], _mm256_madd_epi16(a0, b3));
    acc[4] = _mm256_add_epi32(acc[4], _mm256_madd_epi16(a1, b0));
    acc[5] = _mm256_add_epi32(acc[5], _mm256_madd_epi16(a1, b1));
    acc[6] = _mm256_add_epi32(acc[6], _mm256_madd_epi16(a1, b2));
    acc[7] = _mm256_add_epi32(acc[7], _mm256_madd_epi16(a1, b3));
  }
  __m256i sum = acc[0];
  for (int c = 1; c < 8; ++c) sum = _mm256_xor_si256(sum, acc[c]);
  alignas(32) uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sum);
  uint32_t sink = 0;
  for (uint32_t v : lanes) sink += v;
  return {static_cast<uint64_t>(iterations) * 8 * 16, sink};
}

}  // namespace sparq

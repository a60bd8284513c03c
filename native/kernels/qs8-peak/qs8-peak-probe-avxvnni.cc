// Peak probe for AVX-VNNI: 12 independent vpdpbusd ymm chains (16 ymm registers hold them and both inputs).
#include <immintrin.h>

#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__avxvnni(size_t iterations, int32_t seed) {
  constexpr int kChains = 12;
  __m256i acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_epi32(seed + c);
  __m256i x = _mm256_set1_epi32(seed * 3 + 1), y = _mm256_set1_epi32(seed * 7 + 2);
  asm volatile("" : "+x"(x), "+x"(y));
  for (size_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_dpbusd_avx_epi32(acc[c], x, y);
  }
  __m256i sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm256_xor_si256(sum, acc[c]);
  alignas(32) uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sum);
  uint32_t sink = 0;
  for (uint32_t v : lanes) sink += v;
  return {static_cast<uint64_t>(iterations) * kChains * 32, sink};
}

}  // namespace sparq

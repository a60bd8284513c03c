// Peak probe for AVX-512 VNNI: 16 independent vpdpbusd zmm chains (latency x throughput needs >= 10 in flight).
#include <immintrin.h>

#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__avx512vnni(size_t iterations, int32_t seed) {
  constexpr int kChains = 16;
  __m512i acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(seed + c);
  __m512i x = _mm512_set1_epi32(seed * 3 + 1), y = _mm512_set1_epi32(seed * 7 + 2);
  asm volatile("" : "+v"(x), "+v"(y));
  for (size_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], x, y);
  }
  __m512i sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm512_xor_si512(sum, acc[c]);
  alignas(64) uint32_t lanes[16];
  _mm512_store_si512(lanes, sum);
  uint32_t sink = 0;
  for (uint32_t v : lanes) sink += v;
  return {static_cast<uint64_t>(iterations) * kChains * 64, sink};
}

}  // namespace sparq

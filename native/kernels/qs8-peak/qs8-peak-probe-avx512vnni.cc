// Peak probe for AVX-512 VNNI: a loop of 16 independent vpdpbusd zmm chains (latency x throughput needs >= 10).
// Written in assembly so that the compiler cannot add moves or spills to the loop it is meant to time.
#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__avx512vnni(size_t iterations, int32_t seed) {
  size_t n = iterations;
  uint32_t sink = 0;
  asm volatile(
      "vpbroadcastd %[seed], %%zmm0\n\t"
      "vpaddd %%zmm0, %%zmm0, %%zmm1\n\t"
      "vmovdqa64 %%zmm0, %%zmm16\n\t"
      "vmovdqa64 %%zmm0, %%zmm17\n\t"
      "vmovdqa64 %%zmm0, %%zmm18\n\t"
      "vmovdqa64 %%zmm0, %%zmm19\n\t"
      "vmovdqa64 %%zmm0, %%zmm20\n\t"
      "vmovdqa64 %%zmm0, %%zmm21\n\t"
      "vmovdqa64 %%zmm0, %%zmm22\n\t"
      "vmovdqa64 %%zmm0, %%zmm23\n\t"
      "vmovdqa64 %%zmm0, %%zmm24\n\t"
      "vmovdqa64 %%zmm0, %%zmm25\n\t"
      "vmovdqa64 %%zmm0, %%zmm26\n\t"
      "vmovdqa64 %%zmm0, %%zmm27\n\t"
      "vmovdqa64 %%zmm0, %%zmm28\n\t"
      "vmovdqa64 %%zmm0, %%zmm29\n\t"
      "vmovdqa64 %%zmm0, %%zmm30\n\t"
      "vmovdqa64 %%zmm0, %%zmm31\n\t"
      "test %[n], %[n]\n\t"
      "jz 2f\n\t"
      ".p2align 6\n\t"
      "1:\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm16\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm17\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm18\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm19\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm20\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm21\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm22\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm23\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm24\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm25\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm26\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm27\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm28\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm29\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm30\n\t"
      "vpdpbusd %%zmm1, %%zmm0, %%zmm31\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "vpxord %%zmm17, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm18, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm19, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm20, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm21, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm22, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm23, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm24, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm25, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm26, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm27, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm28, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm29, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm30, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm31, %%zmm16, %%zmm16\n\t"
      "vmovd %%xmm16, %[sink]\n\t"
      : [n] "+r"(n), [sink] "=r"(sink)
      : [seed] "r"(seed)
      : "xmm0", "xmm1", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "cc");
  return {static_cast<uint64_t>(iterations) * 16 * 64, sink};
}

}  // namespace sparq

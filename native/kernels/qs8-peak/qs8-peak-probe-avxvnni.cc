// Peak probe for AVX-VNNI: a loop of 12 independent vpdpbusd ymm chains (16 ymm registers hold them and both inputs).
// Written in assembly so that the compiler cannot add moves or spills to the loop it is meant to time.
#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__avxvnni(size_t iterations, int32_t seed) {
  size_t n = iterations;
  uint32_t sink = 0;
  asm volatile(
      "vmovd %[seed], %%xmm0\n\t"
      "vpbroadcastd %%xmm0, %%ymm0\n\t"
      "vpaddd %%ymm0, %%ymm0, %%ymm1\n\t"
      "vmovdqa %%ymm0, %%ymm4\n\t"
      "vmovdqa %%ymm0, %%ymm5\n\t"
      "vmovdqa %%ymm0, %%ymm6\n\t"
      "vmovdqa %%ymm0, %%ymm7\n\t"
      "vmovdqa %%ymm0, %%ymm8\n\t"
      "vmovdqa %%ymm0, %%ymm9\n\t"
      "vmovdqa %%ymm0, %%ymm10\n\t"
      "vmovdqa %%ymm0, %%ymm11\n\t"
      "vmovdqa %%ymm0, %%ymm12\n\t"
      "vmovdqa %%ymm0, %%ymm13\n\t"
      "vmovdqa %%ymm0, %%ymm14\n\t"
      "vmovdqa %%ymm0, %%ymm15\n\t"
      "test %[n], %[n]\n\t"
      "jz 2f\n\t"
      ".p2align 6\n\t"
      "1:\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm4\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm5\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm6\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm7\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm8\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm9\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm10\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm11\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm12\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm13\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm14\n\t"
      "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm15\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "vpxor %%ymm5, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm6, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm7, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm8, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm9, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm10, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm11, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm12, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm13, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm14, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm15, %%ymm4, %%ymm4\n\t"
      "vmovd %%xmm4, %[sink]\n\t"
      "vzeroupper\n\t"
      : [n] "+r"(n), [sink] "=r"(sink)
      : [seed] "r"(seed)
      : "xmm0", "xmm1", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc");
  return {static_cast<uint64_t>(iterations) * 12 * 32, sink};
}

}  // namespace sparq

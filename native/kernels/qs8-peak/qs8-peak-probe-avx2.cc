// Peak probe for the exact AVX2 int8 step the AVX2 kernel is built on: vpmaddwd ymm (16 s16 MACs) + vpaddd, 10
// independent pairs per round into 10 accumulators. The pair is 2 vector uops for 16 MACs, so its peak is set by
// the 3 vector ALU ports, not by the 2 multiplier ports a bare vpmaddwd loop would measure. Written in assembly
// so that the compiler can neither hoist the loop-invariant products nor add moves or spills to the timed loop.
#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__avx2(size_t iterations, int32_t seed) {
  size_t n = iterations;
  uint32_t sink = 0;
  asm volatile(
      "vmovd %[seed], %%xmm1\n\t"
      "vpbroadcastd %%xmm1, %%ymm1\n\t"
      "vpaddd %%ymm1, %%ymm1, %%ymm12\n\t"
      "vpaddd %%ymm12, %%ymm1, %%ymm13\n\t"
      "vpxor %%ymm2, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm3, %%ymm3, %%ymm3\n\t"
      "vpxor %%ymm4, %%ymm4, %%ymm4\n\t"
      "vpxor %%ymm5, %%ymm5, %%ymm5\n\t"
      "vpxor %%ymm6, %%ymm6, %%ymm6\n\t"
      "vpxor %%ymm7, %%ymm7, %%ymm7\n\t"
      "vpxor %%ymm8, %%ymm8, %%ymm8\n\t"
      "vpxor %%ymm9, %%ymm9, %%ymm9\n\t"
      "vpxor %%ymm10, %%ymm10, %%ymm10\n\t"
      "vpxor %%ymm11, %%ymm11, %%ymm11\n\t"
      "test %[n], %[n]\n\t"
      "jz 2f\n\t"
      ".p2align 6\n\t"
      "1:\n\t"
      "vpmaddwd %%ymm12, %%ymm1, %%ymm14\n\t"
      "vpmaddwd %%ymm13, %%ymm1, %%ymm15\n\t"
      "vpaddd %%ymm14, %%ymm2, %%ymm2\n\t"
      "vpaddd %%ymm15, %%ymm3, %%ymm3\n\t"
      "vpmaddwd %%ymm12, %%ymm1, %%ymm14\n\t"
      "vpmaddwd %%ymm13, %%ymm1, %%ymm15\n\t"
      "vpaddd %%ymm14, %%ymm4, %%ymm4\n\t"
      "vpaddd %%ymm15, %%ymm5, %%ymm5\n\t"
      "vpmaddwd %%ymm12, %%ymm1, %%ymm14\n\t"
      "vpmaddwd %%ymm13, %%ymm1, %%ymm15\n\t"
      "vpaddd %%ymm14, %%ymm6, %%ymm6\n\t"
      "vpaddd %%ymm15, %%ymm7, %%ymm7\n\t"
      "vpmaddwd %%ymm12, %%ymm1, %%ymm14\n\t"
      "vpmaddwd %%ymm13, %%ymm1, %%ymm15\n\t"
      "vpaddd %%ymm14, %%ymm8, %%ymm8\n\t"
      "vpaddd %%ymm15, %%ymm9, %%ymm9\n\t"
      "vpmaddwd %%ymm12, %%ymm1, %%ymm14\n\t"
      "vpmaddwd %%ymm13, %%ymm1, %%ymm15\n\t"
      "vpaddd %%ymm14, %%ymm10, %%ymm10\n\t"
      "vpaddd %%ymm15, %%ymm11, %%ymm11\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "vpxor %%ymm3, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm4, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm5, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm6, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm7, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm8, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm9, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm10, %%ymm2, %%ymm2\n\t"
      "vpxor %%ymm11, %%ymm2, %%ymm2\n\t"
      "vmovd %%xmm2, %[sink]\n\t"
      "vzeroupper\n\t"
      : [n] "+r"(n), [sink] "=r"(sink)
      : [seed] "r"(seed)
      : "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc");
  return {static_cast<uint64_t>(iterations) * 10 * 16, sink};
}

}  // namespace sparq

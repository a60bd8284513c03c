// Rate probes for the 2:4 int8 kernel's inner step: 12 independent (byte shuffle zmm, vpdpbusd zmm) pairs per round.
// Each shuffle gathers, per 16 output channels, the 4 activation bytes their 2:4 indices select from two K groups,
// and the vpdpbusd multiplies them by the kept weights: one pair does the work of two dense vpdpbusd (8 dense K
// instead of 4). So 2 x (pair rate) / (vpdpbusd rate) bounds how much faster 2:4 int8 can be than dense int8 on
// this core, whatever the kernel around it. Two shuffles: vpermb (any of 64 bytes, what our kernel uses) and
// vpshufb (within 16-byte lanes: the activations broadcast to every lane, cheaper on some cores). Assembly, like
// the vpdpbusd probe, so the timed loop is exactly this.
#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

namespace {

// One pair: the shuffle (given as its mnemonic and source operands, AT&T order) into zmm<t>, then
// vpdpbusd zmm<t> x zmm1 into accumulator zmm<a>.
#define SPARQ_PAIR(shuffle, t, a) shuffle " %%zmm" #t "\n\tvpdpbusd %%zmm1, %%zmm" #t ", %%zmm" #a "\n\t"
#define SPARQ_PAIRS(shuffle)                                                                                      \
  SPARQ_PAIR(shuffle, 4, 16) SPARQ_PAIR(shuffle, 5, 17) SPARQ_PAIR(shuffle, 6, 18) SPARQ_PAIR(shuffle, 7, 19)     \
  SPARQ_PAIR(shuffle, 8, 20) SPARQ_PAIR(shuffle, 9, 21) SPARQ_PAIR(shuffle, 10, 22) SPARQ_PAIR(shuffle, 11, 23)   \
  SPARQ_PAIR(shuffle, 12, 24) SPARQ_PAIR(shuffle, 13, 25) SPARQ_PAIR(shuffle, 14, 26) SPARQ_PAIR(shuffle, 15, 27)

// zmm0: the activation bytes; zmm1: the weights; zmm2: the indices (any bytes work, the rate does not depend on
// them); zmm16-27: the accumulators, folded into the sink at the end.
#define SPARQ_PAIR_PROBE(shuffle)                                                                                  \
  asm volatile(                                                                                                    \
      "vpbroadcastd %[seed], %%zmm0\n\t"                                                                           \
      "vpaddd %%zmm0, %%zmm0, %%zmm1\n\t"                                                                          \
      "vpsrld $27, %%zmm1, %%zmm2\n\t"                                                                             \
      "vmovdqa64 %%zmm0, %%zmm16\n\tvmovdqa64 %%zmm0, %%zmm17\n\tvmovdqa64 %%zmm0, %%zmm18\n\t"                     \
      "vmovdqa64 %%zmm0, %%zmm19\n\tvmovdqa64 %%zmm0, %%zmm20\n\tvmovdqa64 %%zmm0, %%zmm21\n\t"                     \
      "vmovdqa64 %%zmm0, %%zmm22\n\tvmovdqa64 %%zmm0, %%zmm23\n\tvmovdqa64 %%zmm0, %%zmm24\n\t"                     \
      "vmovdqa64 %%zmm0, %%zmm25\n\tvmovdqa64 %%zmm0, %%zmm26\n\tvmovdqa64 %%zmm0, %%zmm27\n\t"                     \
      "test %[n], %[n]\n\t"                                                                                        \
      "jz 2f\n\t"                                                                                                  \
      ".p2align 6\n\t"                                                                                             \
      "1:\n\t" SPARQ_PAIRS(shuffle)                                                                                \
      "dec %[n]\n\t"                                                                                               \
      "jnz 1b\n\t"                                                                                                 \
      "2:\n\t"                                                                                                     \
      "vpxord %%zmm17, %%zmm16, %%zmm16\n\tvpxord %%zmm18, %%zmm16, %%zmm16\n\tvpxord %%zmm19, %%zmm16, %%zmm16\n\t" \
      "vpxord %%zmm20, %%zmm16, %%zmm16\n\tvpxord %%zmm21, %%zmm16, %%zmm16\n\tvpxord %%zmm22, %%zmm16, %%zmm16\n\t" \
      "vpxord %%zmm23, %%zmm16, %%zmm16\n\tvpxord %%zmm24, %%zmm16, %%zmm16\n\tvpxord %%zmm25, %%zmm16, %%zmm16\n\t" \
      "vpxord %%zmm26, %%zmm16, %%zmm16\n\tvpxord %%zmm27, %%zmm16, %%zmm16\n\t"                                    \
      "vmovd %%xmm16, %[sink]\n\t"                                                                                 \
      : [n] "+r"(n), [sink] "=r"(sink)                                                                             \
      : [seed] "r"(seed)                                                                                           \
      : "cc", "xmm0", "xmm1", "xmm2", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",   \
        "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",        \
        "xmm24", "xmm25", "xmm26", "xmm27")

}  // namespace

Qs8PeakProbeResult qs8_peak_probe__vpermb_dpbusd_avx512vbmi(size_t iterations, int32_t seed) {
  size_t n = iterations;
  uint32_t sink = 0;
  SPARQ_PAIR_PROBE("vpermb %%zmm0, %%zmm2,");
  return {static_cast<uint64_t>(iterations) * 12 * 64, sink};
}

Qs8PeakProbeResult qs8_peak_probe__vpshufb_dpbusd_avx512vbmi(size_t iterations, int32_t seed) {
  size_t n = iterations;
  uint32_t sink = 0;
  SPARQ_PAIR_PROBE("vpshufb %%zmm2, %%zmm0,");
  return {static_cast<uint64_t>(iterations) * 12 * 64, sink};
}

#undef SPARQ_PAIR_PROBE
#undef SPARQ_PAIRS
#undef SPARQ_PAIR

}  // namespace sparq

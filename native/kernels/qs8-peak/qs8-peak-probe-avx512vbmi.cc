// Rate probe for the 2:4 int8 kernel's inner step: 12 independent (vpermb zmm, vpdpbusd zmm) pairs per round. Each
// vpermb gathers, per 16 output channels, the 4 activation bytes their 2:4 indices select from two K groups, and the
// vpdpbusd multiplies them by the kept weights: one pair does the work of two dense vpdpbusd (8 dense K instead of
// 4). So 2 x (pair rate) / (vpdpbusd rate) bounds how much faster 2:4 int8 can be than dense int8 on this core,
// whatever the kernel around it. Assembly, like the vpdpbusd probe, so the timed loop is exactly this.
#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__vpermb_dpbusd_avx512vbmi(size_t iterations, int32_t seed) {
  size_t n = iterations;
  uint32_t sink = 0;
  asm volatile(
      "vpbroadcastd %[seed], %%zmm0\n\t"
      "vpaddd %%zmm0, %%zmm0, %%zmm1\n\t"
      "vpsrld $27, %%zmm1, %%zmm2\n\t"  // indices: any bytes work, the rate does not depend on them
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
      "test %[n], %[n]\n\t"
      "jz 2f\n\t"
      ".p2align 6\n\t"
      "1:\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm4\n\t"
      "vpdpbusd %%zmm1, %%zmm4, %%zmm16\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm5\n\t"
      "vpdpbusd %%zmm1, %%zmm5, %%zmm17\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm6\n\t"
      "vpdpbusd %%zmm1, %%zmm6, %%zmm18\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm7\n\t"
      "vpdpbusd %%zmm1, %%zmm7, %%zmm19\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm8\n\t"
      "vpdpbusd %%zmm1, %%zmm8, %%zmm20\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm9\n\t"
      "vpdpbusd %%zmm1, %%zmm9, %%zmm21\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm10\n\t"
      "vpdpbusd %%zmm1, %%zmm10, %%zmm22\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm11\n\t"
      "vpdpbusd %%zmm1, %%zmm11, %%zmm23\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm12\n\t"
      "vpdpbusd %%zmm1, %%zmm12, %%zmm24\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm13\n\t"
      "vpdpbusd %%zmm1, %%zmm13, %%zmm25\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm14\n\t"
      "vpdpbusd %%zmm1, %%zmm14, %%zmm26\n\t"
      "vpermb %%zmm0, %%zmm2, %%zmm15\n\t"
      "vpdpbusd %%zmm1, %%zmm15, %%zmm27\n\t"
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
      "vmovd %%xmm16, %[sink]\n\t"
      : [n] "+r"(n), [sink] "=r"(sink)
      : [seed] "r"(seed)
      : "cc", "xmm0", "xmm1", "xmm2", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24",
        "xmm25", "xmm26", "xmm27");
  return {static_cast<uint64_t>(iterations) * 12 * 64, sink};
}

}  // namespace sparq

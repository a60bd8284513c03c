// Peak probe for AMX-INT8: a loop of tdpbusd into 6 independent accumulator tiles (16 x 16 s32 each, 16384 MACs
// per instruction). Inline assembly like the AMX kernel; run it only where qs8_amx_available() said yes.
#include "kernels/qs8-gemm/qs8-gemm.h"
#include "kernels/qs8-peak/qs8-peak-probe.h"

namespace sparq {

Qs8PeakProbeResult qs8_peak_probe__amx(size_t iterations, int32_t seed) {
  qs8_gemm_amx_begin();  // every tile 16 rows x 64 bytes
  alignas(64) int32_t row[16];
  for (int i = 0; i < 16; ++i) row[i] = seed + i;
  const size_t zero_stride = 0;
  asm volatile("tileloadd (%0,%1,1), %%tmm6" ::"r"(row), "r"(zero_stride) : "memory");
  asm volatile("tileloadd (%0,%1,1), %%tmm7" ::"r"(row), "r"(zero_stride) : "memory");
  asm volatile("tilezero %tmm0\n\ttilezero %tmm1\n\ttilezero %tmm2\n\ttilezero %tmm3\n\ttilezero %tmm4\n\ttilezero %tmm5");
  size_t n = iterations;
  asm volatile(
      "test %[n], %[n]\n\t"
      "jz 2f\n\t"
      ".p2align 6\n\t"
      "1:\n\t"
      "tdpbusd %%tmm7, %%tmm6, %%tmm0\n\t"
      "tdpbusd %%tmm7, %%tmm6, %%tmm1\n\t"
      "tdpbusd %%tmm7, %%tmm6, %%tmm2\n\t"
      "tdpbusd %%tmm7, %%tmm6, %%tmm3\n\t"
      "tdpbusd %%tmm7, %%tmm6, %%tmm4\n\t"
      "tdpbusd %%tmm7, %%tmm6, %%tmm5\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      : [n] "+r"(n)
      :
      : "cc");
  alignas(64) int32_t out[16 * 16];
  const size_t stride = 64;
  asm volatile("tilestored %%tmm0, (%0,%1,1)" ::"r"(out), "r"(stride) : "memory");
  qs8_gemm_amx_end();
  return {static_cast<uint64_t>(iterations) * 6 * 16384, static_cast<uint32_t>(out[0] ^ out[255])};
}

}  // namespace sparq

// Peak-rate probes: tight loops of independent int8 multiply-accumulate instructions, the yardstick for GEMM GOPS.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

// Each runs `iterations` rounds of independent accumulator chains and returns the number of u8/s8 (or s16)
// multiply-accumulates performed; the caller times the call. `seed` keeps the inputs opaque to the compiler.
// The return value's low bits also depend on the accumulators, so nothing can be optimized away.
struct Qs8PeakProbeResult {
  uint64_t macs;
  uint32_t sink;
};
using Qs8PeakProbeFn = Qs8PeakProbeResult (*)(size_t iterations, int32_t seed);

#if defined(__x86_64__) || defined(_M_X64)
// vpmaddwd ymm + vpaddd ymm (the exact int8 step the AVX2 kernel uses): 16 MACs per pair.
Qs8PeakProbeResult qs8_peak_probe__avx2(size_t iterations, int32_t seed);
// vpdpbusd ymm: 32 MACs per instruction.
Qs8PeakProbeResult qs8_peak_probe__avxvnni(size_t iterations, int32_t seed);
// vpdpbusd zmm: 64 MACs per instruction.
Qs8PeakProbeResult qs8_peak_probe__avx512vnni(size_t iterations, int32_t seed);
// vpermb zmm + vpdpbusd zmm pairs, the 2:4 int8 kernel's step (AVX-512 VBMI + VNNI): 64 MACs per pair counted
// (the vpdpbusd's), each pair standing in for two dense vpdpbusd.
Qs8PeakProbeResult qs8_peak_probe__vpermb_dpbusd_avx512vbmi(size_t iterations, int32_t seed);
// The same pairs with vpshufb zmm (in-lane byte shuffle, AVX-512 BW) instead of vpermb.
Qs8PeakProbeResult qs8_peak_probe__vpshufb_dpbusd_avx512vbmi(size_t iterations, int32_t seed);
// tdpbusd (AMX-INT8): 16384 MACs per instruction; only where qs8_amx_available().
Qs8PeakProbeResult qs8_peak_probe__amx(size_t iterations, int32_t seed);
#endif
#if defined(__aarch64__)
// sdot (vector): 16 MACs per instruction.
Qs8PeakProbeResult qs8_peak_probe__neondot(size_t iterations, int32_t seed);
#endif

}  // namespace sparq

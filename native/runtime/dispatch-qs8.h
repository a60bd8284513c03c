// Dispatch table of the int8 GEMM: every microkernel with its tile, packing and epilogue, best first per CPU.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/qs8-dwconv/qs8-dwconv.h"
#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "kernels/qs8-gemm/qs8-gemm.h"
#include "kernels/qs8-pack/qs8-pack.h"
#include "kernels/qs8-peak/qs8-peak-probe.h"
#include "runtime/cpu.h"

namespace sparq {

struct Qs8GemmKernel {
  const char* name;             // e.g. "qs8-gemm-8x32c4-avx512vnni"
  const char* isa;              // the ISA level that introduces it
  Qs8GemmUkernelFn ukernel;     // MR rows
  Qs8GemmUkernelFn ukernel_1;   // 1 row, same packing (single-row remainders, GEMV)
  uint32_t mr;
  Qs8PackSpec pack;             // nr, kr, depth padding, weight width, activation offset
  bool widen_a;                 // activations widened to u16 (qs8_pack_a_u16) before the kernel
  Qs8EpilogueFn epilogue;
  Qs8PeakProbeFn peak_probe;    // the instruction this kernel is built on, or null
  const char* peak_instruction; // what the probe times, e.g. "vpdpbusd zmm"
  void (*begin)();              // called on a thread before its first tile (AMX tile configuration), or null
  void (*end)();                // called on that thread after its last tile, or null
  Qs8GemmSegUkernelFn ukernel_seg = nullptr;  // segmented-row variant (implicit im2col convs), or null
  bool narrow = false;          // a 16-column variant, chosen only for N <= 16 by select_qs8_gemm_kernel(f, n)
  Qs8GemmU8UkernelFn ukernel_u8 = nullptr;   // MR rows with the u8 fast epilogue fused, or null
  Qs8GemmSegU8UkernelFn ukernel_seg_u8 = nullptr;  // ukernel_seg with the u8 fast epilogue fused, or null
};

// Whether AMX-INT8 is usable: CPUID AMX-TILE + AMX-INT8, the OS saves tile state (XCR0 bits 17-18) and, on
// Linux, granted this process the tile data permission (arch_prctl ARCH_REQ_XCOMP_PERM, requested once here).
// SPARQ_QS8_AMX=0 turns it off. AMX rides on the avx512vnni ISA level (every AMX CPU has AVX-512 VNNI).
bool qs8_amx_available();

// Kernels usable with these features (built, present on the CPU, registers saved by the OS), best first.
// The scalar kernel is always last, so the list is never empty.
std::vector<const Qs8GemmKernel*> qs8_gemm_kernels(const CpuFeatures& features);

// The best kernel for these features (the first of qs8_gemm_kernels).
const Qs8GemmKernel& select_qs8_gemm_kernel(const CpuFeatures& features);

// The kernel for a GEMM with n output columns: the best kernel, or, when n <= 16 and the best kernel's panels are
// wider, a narrow variant of the same CPU family (AVX-512 VNNI 14x16 instead of 8x32 or the AMX 32x32) so that
// no arithmetic is spent on padding columns. Same packing rules, same results: every kernel is bit-exact.
const Qs8GemmKernel& select_qs8_gemm_kernel(const CpuFeatures& features, size_t n);

// Every kernel built into this binary, whatever the CPU has (for listing; check usability before running).
const std::vector<Qs8GemmKernel>& all_qs8_gemm_kernels();

// The int8 depthwise convolution kernels (one output row of s32 accumulators per call), best first per CPU.
struct Qs8DwconvKernel {
  const char* name;  // e.g. "qs8-dwconv-c64-avx512"
  const char* isa;
  Qs8DwconvUkernelFn ukernel;
  Qs8DwconvLayout layout;  // how the kernel wants its weights packed
  // Optional whole-rows 3x3 kernel with the u8 requantization fused in, reading the same packed weights (nullptr:
  // none; the op then runs `ukernel` and the GEMM epilogue row by row).
  const char* name_3x3_u8 = nullptr;
  Qs8Dwconv3x3U8Fn ukernel_3x3_u8 = nullptr;
};

// Depthwise kernels usable with these features, best first; the scalar one is always last.
std::vector<const Qs8DwconvKernel*> qs8_dwconv_kernels(const CpuFeatures& features);
const Qs8DwconvKernel& select_qs8_dwconv_kernel(const CpuFeatures& features);

}  // namespace sparq

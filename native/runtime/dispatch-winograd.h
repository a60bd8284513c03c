// Dispatch tables of the Winograd conv kernels (F(2,3) stride 1, polyphase stride 2; fp32 and int8), best first; an
// entry carries its kernel, tile and packing.
#pragma once
#include <vector>

#include "kernels/winograd/winograd-f23.h"
#include "kernels/winograd/winograd-s2.h"
#include "runtime/cpu.h"

namespace sparq {

// An fp32 Winograd kernel, F(2,3) or stride 2: the entry's pack and workspace functions are its algorithm's
// (winograd_f23_* or winograd_s2_*).
struct WinogradF32Kernel {
  const char* name;  // e.g. "f32-winograd-f23-8x32-avx512", "f32-winograd-s2-8x48-avx512"
  size_t mr, nr;     // GEMM tile: tiles x output channels; pack with winograd_{f23,s2}_f32_pack(..., nr)
  WinogradF23F32ConvFn conv;  // the transforms, built for the entry's ISA
  WinogradF32GemmFn gemm;     // the MR x NR microkernel conv multiplies with (also a plain dense GEMM over panels)
  bool (*supported)(const CpuFeatures&);
  WinogradF32Gemm gemm_tile() const { return {gemm, mr, nr}; }
};

// Every fp32 Winograd kernel the features allow, best ISA first (the last is always the portable one).
std::vector<WinogradF32Kernel> winograd_f32_kernels(const CpuFeatures& features);
// The best ISA's kernel for a conv with this many output channels (the GEMM tile that pads them least).
WinogradF32Kernel winograd_f32_kernel_for(const CpuFeatures& features, size_t out_channels);

// The stride-2 (polyphase) Winograd kernels: the same GEMM microkernels around the 5x5-tile transforms.
using WinogradS2F32Kernel = WinogradF32Kernel;
std::vector<WinogradS2F32Kernel> winograd_s2_f32_kernels(const CpuFeatures& features);
WinogradS2F32Kernel winograd_s2_f32_kernel_for(const CpuFeatures& features, size_t out_channels);

struct WinogradQU8Kernel {
  const char* name;  // e.g. "qu8-winograd-f23-8x32-avx512vnni"
  size_t mr, nr;     // pack with winograd_f23_qu8_pack(..., nr); workspace winograd_f23_qu8_workspace_bytes(.., mr)
  WinogradF23QU8ConvFn conv;
  bool (*supported)(const CpuFeatures&);
};
std::vector<WinogradQU8Kernel> winograd_qu8_kernels(const CpuFeatures& features);
WinogradQU8Kernel winograd_qu8_kernel(const CpuFeatures& features);

}  // namespace sparq

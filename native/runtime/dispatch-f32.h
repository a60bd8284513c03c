// fp32 dispatch tables: the best GEMM, direct-conv, few-channel-conv and depthwise-conv microkernels for a plan's CPU
// features.
#pragma once
#include <cstddef>
#include <vector>

#include "kernels/f32-conv-fewc/f32-conv-fewc.h"
#include "kernels/f32-dconv/f32-dconv.h"
#include "kernels/f32-dwconv/f32-dwconv.h"
#include "kernels/f32-gemm/f32-gemm.h"
#include "kernels/f32-gemv/f32-gemv.h"
#include "runtime/cpu.h"

namespace sparq {

struct F32GemmKernelInfo {
  const char* name;  // e.g. "f32-gemm-14x32-avx512"
  F32GemmUkernel ukernel;
  size_t mr, nr;
  // One row over the whole K on the same panels (memory-bound GEMV, weights streamed once), or nullptr.
  F32GemmUkernel gemv = nullptr;
};

struct F32DconvKernelInfo {
  const char* name;  // e.g. "f32-dconv-8x48-avx512"
  F32DconvUkernel ukernel;
  size_t mr, nr;  // output pixels x output channels per tile; weights packed in panels of nr
};

struct F32ConvFewcKernelInfo {
  const char* name;  // e.g. "f32-conv-fewc-16x24-avx512"
  F32ConvFewcUkernel ukernel;
  size_t mr, nr;  // output pixels (MR / 2 pairs) x output channels per tile; weights packed in panels of nr
};

struct F32DwconvKernelInfo {
  const char* name;  // e.g. "f32-dwconv-c16-avx512"
  F32DwconvUkernel ukernel;
  size_t channel_tile;  // weights and bias are packed padded to a multiple of this
};

// Entries best first; the first whose ISA the features allow is chosen (the scalar entry always is).
// With n (the GEMM's column count) given, a narrower-panel kernel of the same ISA is preferred when it
// computes clearly fewer padding columns (n = 16, 40, 48, 72 ...).
const F32GemmKernelInfo& f32_gemm_kernel_for(const CpuFeatures& features, size_t n = 0);
const F32DwconvKernelInfo& f32_dwconv_kernel_for(const CpuFeatures& features);

// Every entry the features allow, best first (tests sweep them all).
std::vector<const F32GemmKernelInfo*> f32_gemm_kernels_for(const CpuFeatures& features);
// The direct-conv tiles of the best ISA the features allow (ops/conv-algorithm.h picks one per shape), and every
// allowed tile of every ISA (tests sweep them all).
std::vector<const F32DconvKernelInfo*> f32_dconv_kernels_for(const CpuFeatures& features);
std::vector<const F32DconvKernelInfo*> f32_dconv_all_kernels_for(const CpuFeatures& features);
// The same two views of the few-channel conv tiles (ops/conv-few-channels.h picks one per shape).
std::vector<const F32ConvFewcKernelInfo*> f32_conv_fewc_kernels_for(const CpuFeatures& features);
std::vector<const F32ConvFewcKernelInfo*> f32_conv_fewc_all_kernels_for(const CpuFeatures& features);

}  // namespace sparq

// Dispatch table of the 2:4 sparse GEMM kernels, best first; an entry carries its kernel, tile and packing.
#pragma once
#include <vector>

#include "kernels/f32-gemv/f32-gemv.h"
#include "kernels/sparse24/sparse24-gemm.h"
#include "runtime/cpu.h"

namespace sparq {

struct F32Sparse24Kernel {
  const char* name;   // e.g. "f32-sparse24-gemm-6x64-avx512"
  size_t nr;          // output channels per block: pack with f32_sparse24_pack(..., nr)
  size_t block_rows;  // rows of X per block: workspace = f32_sparse24_workspace_floats(packed, block_rows)
  F32Sparse24GemmFn gemm;
  bool (*supported)(const CpuFeatures&);
};

// Every fp32 2:4 kernel the features allow, best first (the last is always the portable one).
std::vector<F32Sparse24Kernel> f32_sparse24_kernels(const CpuFeatures& features);
F32Sparse24Kernel f32_sparse24_kernel(const CpuFeatures& features);

// 2:4 GEMV for a few rows of A (one layout for all: pack with f32_gemv_sparse24_pack).
struct F32GemvSparse24Kernel {
  const char* name;  // e.g. "f32-sparse24-gemv-4x16-avx512"
  F32GemvSparse24Fn gemv;
  bool (*supported)(const CpuFeatures&);
};
std::vector<F32GemvSparse24Kernel> f32_sparse24_gemv_kernels(const CpuFeatures& features);
F32GemvSparse24Kernel f32_sparse24_gemv_kernel(const CpuFeatures& features);

struct QU8Sparse24Kernel {
  const char* name;  // e.g. "qu8-sparse24-gemm-4x32-avx512vbmi"; pack with qu8_sparse24_pack (one layout for all)
  QU8Sparse24GemmFn gemm;
  bool (*supported)(const CpuFeatures&);
};
std::vector<QU8Sparse24Kernel> qu8_sparse24_kernels(const CpuFeatures& features);
QU8Sparse24Kernel qu8_sparse24_kernel(const CpuFeatures& features);

}  // namespace sparq

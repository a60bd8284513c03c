// Dispatch table of the 2:4 sparse GEMM kernels, best first, filtered by what the CPU (or SPARQ_ISA) allows.
#include "runtime/dispatch-sparse24.h"

namespace sparq {

namespace {

bool always(const CpuFeatures&) { return true; }
#if defined(__x86_64__)
bool has_avx512(const CpuFeatures& f) { return f.avx512f; }
bool has_avx2(const CpuFeatures& f) { return f.avx2; }
bool has_avx512vbmi(const CpuFeatures& f) { return f.avx512vbmi && f.avx512vnni; }
#endif
#if defined(__aarch64__)
bool has_neon(const CpuFeatures& f) { return f.neon; }
#endif

const F32Sparse24Kernel kF32Table[] = {
#if defined(__x86_64__)
    {"f32-sparse24-gemm-6x64-avx512", 6, 64, f32_sparse24_gemm_6x64__avx512, has_avx512},
    {"f32-sparse24-gemm-3x32-avx2", 3, 32, f32_sparse24_gemm_3x32__avx2, has_avx2},
#endif
#if defined(__aarch64__)
    {"f32-sparse24-gemm-4x16-neon", 4, 16, f32_sparse24_gemm_4x16__neon, has_neon},
#endif
    {"f32-sparse24-gemm-4x16-scalar", 4, 16, f32_sparse24_gemm_4x16__scalar, always},
};

const F32GemvSparse24Kernel kF32GemvTable[] = {
#if defined(__x86_64__)
    {"f32-sparse24-gemv-4x16-avx512", f32_sparse24_gemv_ukernel_4x16__avx512, has_avx512},
    {"f32-sparse24-gemv-4x16-avx2", f32_sparse24_gemv_ukernel_4x16__avx2, has_avx2},
#endif
    {"f32-sparse24-gemv-4x16-scalar", f32_sparse24_gemv_ukernel_4x16__scalar, always},
};

const QU8Sparse24Kernel kQU8Table[] = {
#if defined(__x86_64__)
    {"qu8-sparse24-gemm-4x32-avx512vbmi", qu8_sparse24_gemm_4x32__avx512vbmi, has_avx512vbmi},
#endif
    {"qu8-sparse24-gemm-1x16-scalar", qu8_sparse24_gemm_1x16__scalar, always},
};

}  // namespace

std::vector<QU8Sparse24Kernel> qu8_sparse24_kernels(const CpuFeatures& features) {
  std::vector<QU8Sparse24Kernel> out;
  for (const auto& k : kQU8Table) {
    if (k.supported(features)) out.push_back(k);
  }
  return out;
}

QU8Sparse24Kernel qu8_sparse24_kernel(const CpuFeatures& features) { return qu8_sparse24_kernels(features).front(); }

std::vector<F32Sparse24Kernel> f32_sparse24_kernels(const CpuFeatures& features) {
  std::vector<F32Sparse24Kernel> out;
  for (const auto& k : kF32Table) {
    if (k.supported(features)) out.push_back(k);
  }
  return out;
}

F32Sparse24Kernel f32_sparse24_kernel(const CpuFeatures& features) { return f32_sparse24_kernels(features).front(); }

std::vector<F32GemvSparse24Kernel> f32_sparse24_gemv_kernels(const CpuFeatures& features) {
  std::vector<F32GemvSparse24Kernel> out;
  for (const auto& k : kF32GemvTable) {
    if (k.supported(features)) out.push_back(k);
  }
  return out;
}

F32GemvSparse24Kernel f32_sparse24_gemv_kernel(const CpuFeatures& features) {
  return f32_sparse24_gemv_kernels(features).front();
}

}  // namespace sparq

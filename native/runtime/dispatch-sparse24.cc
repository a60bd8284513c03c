// Dispatch table of the 2:4 sparse GEMM kernels, best first, filtered by what the CPU (or SPARQ_ISA) allows.
#include "runtime/dispatch-sparse24.h"

#include "runtime/dispatch-table.h"

namespace sparq {

namespace {

using namespace dispatch;

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
    {"qu8-sparse24-gemm-4x32-avx512vbmi", qu8_sparse24_gemm_4x32__avx512vbmi, has_avx512vbmi_vnni},
#endif
    {"qu8-sparse24-gemm-1x16-scalar", qu8_sparse24_gemm_1x16__scalar, always},
};

}  // namespace

std::vector<QU8Sparse24Kernel> qu8_sparse24_kernels(const CpuFeatures& features) {
  return dispatch::supported_entries(kQU8Table, features);
}

QU8Sparse24Kernel qu8_sparse24_kernel(const CpuFeatures& features) { return qu8_sparse24_kernels(features).front(); }

std::vector<F32Sparse24Kernel> f32_sparse24_kernels(const CpuFeatures& features) {
  return dispatch::supported_entries(kF32Table, features);
}

F32Sparse24Kernel f32_sparse24_kernel(const CpuFeatures& features) { return f32_sparse24_kernels(features).front(); }

std::vector<F32GemvSparse24Kernel> f32_sparse24_gemv_kernels(const CpuFeatures& features) {
  return dispatch::supported_entries(kF32GemvTable, features);
}

F32GemvSparse24Kernel f32_sparse24_gemv_kernel(const CpuFeatures& features) {
  return f32_sparse24_gemv_kernels(features).front();
}

}  // namespace sparq

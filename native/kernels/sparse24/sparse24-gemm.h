// 2:4 sparse GEMM: Y[M x N] = X[M x K] * Wᵀ with W [N x K] 2:4 along K, + bias, activation; packed layouts, kernels.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/sparse24/align64-allocator.h"
#include "kernels/sparse24/sparse24-format.h"
#include "ops/activation.h"

namespace sparq {

// fp32 weights packed for the row-vectorized kernels: X is transposed per block of rows so each SIMD lane is one row
// of X (one output pixel); a kept weight is broadcast and multiplies the X^T row its index selects.
// vals = [N/nr blocks][groups][nr][2] floats; idx = same shape, position 0..3 within the group (padded channels 0).
struct F32Sparse24Packed {
  size_t n = 0, k = 0, groups = 0, nr = 0, n_padded = 0;
  Aligned64Vector<float> vals;
  std::vector<uint8_t> idx;
  std::vector<float> bias;  // n_padded
};
F32Sparse24Packed f32_sparse24_pack(const Sparse24Matrix<float>& w, const float* bias, size_t nr);

// acc[nr][lanes] += sum over `groups` groups of vals * xt[4 g + idx][lane], for `lanes` = vectors * vector width rows;
// xt row stride and acc row stride are both `stride` floats.
using F32Sparse24UkernelFn = void (*)(size_t groups, size_t vectors, const float* xt, size_t stride,
                                      const float* vals, const uint8_t* idx, float* acc);

// Rows [row_begin, row_end) of Y; workspace holds f32_sparse24_workspace_floats() floats.
using F32Sparse24GemmFn = void (*)(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                   const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                   size_t row_begin, size_t row_end);
size_t f32_sparse24_workspace_floats(const F32Sparse24Packed& w, size_t rows_per_block);

// activate_span compiled once, portably, for kernel files built with ISA flags.
void sparse24_activate_span_portable(float* y, size_t n, const ActivationParams& act);

void f32_sparse24_ukernel_4x16__scalar(size_t, size_t, const float*, size_t, const float*, const uint8_t*, float*);
void f32_sparse24_gemm_4x16__scalar(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                    const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                    size_t row_begin, size_t row_end);
#if defined(__x86_64__)
void f32_sparse24_ukernel_3x32__avx2(size_t, size_t, const float*, size_t, const float*, const uint8_t*, float*);
void f32_sparse24_gemm_3x32__avx2(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                  const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                  size_t row_begin, size_t row_end);
void f32_sparse24_ukernel_6x64__avx512(size_t, size_t, const float*, size_t, const float*, const uint8_t*, float*);
void f32_sparse24_gemm_6x64__avx512(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                    const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                    size_t row_begin, size_t row_end);
#endif
#if defined(__aarch64__)
void f32_sparse24_ukernel_4x16__neon(size_t, size_t, const float*, size_t, const float*, const uint8_t*, float*);
void f32_sparse24_gemm_4x16__neon(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                  const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                  size_t row_begin, size_t row_end);
#endif

}  // namespace sparq

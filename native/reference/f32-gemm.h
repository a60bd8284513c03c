// Plain fp32 GEMM with the fused epilogue: the oracle for the f32-gemm microkernels and the Gemm/MatMul ops.
#pragma once
#include <cstddef>

#include "ops/activation.h"

namespace sparq {

// c[i * ldc + j] = act(sum_k a[i * lda + k] * b[k * ldb + j] + bias[j] + residual[i * ldr + j]),
// accumulated in double. bias / residual may be nullptr.
void f32_gemm_reference(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb,
                        const float* bias, const float* residual, size_t ldr, float* c, size_t ldc,
                        const ActivationParams& act);

}  // namespace sparq

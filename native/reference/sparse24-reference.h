// Dense references the 2:4 sparse kernels are checked against (run on the zero-filled dense weights).
#pragma once
#include <cstddef>
#include <cstdint>

#include "ops/activation.h"
#include "reference/winograd-reference.h"

namespace sparq {

// Y[M x N] = act(X[M x K] * Wᵀ + bias), W [N x K] row-major, accumulated in double; bias may be null.
void gemm_nt_f32_reference(size_t m, size_t n, size_t k, const float* x, size_t ldx, const float* w,
                           const float* bias, const ActivationParams& act, float* y, size_t ldy);

// u8 X (zero point) times s8 W [N x K] (symmetric per channel) + s32 bias -> s32 acc (optional) and requantized u8.
void gemm_nt_qu8_reference(size_t m, size_t n, size_t k, const uint8_t* x, size_t ldx, int32_t x_zero_point,
                           const int8_t* w, const int32_t* bias, const Requant8& rq, uint8_t* y, size_t ldy,
                           int32_t* acc_out);

}  // namespace sparq

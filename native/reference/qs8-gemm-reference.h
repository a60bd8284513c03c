// Plain C++ int8 GEMM and epilogue: the oracle every int8 microkernel is tested against.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/qs8-epilogue/qs8-epilogue.h"

namespace sparq {

// acc[m * acc_stride + n] = bias[n] + sum_k (a[m * a_stride + k] - a_zero_point) * W(k, n)   (mod 2^32)
// with W(k, n) = w[k * w_k_stride + n * w_n_stride]; bias may be null.
void qs8_gemm_reference(size_t m, size_t n, size_t k, const uint8_t* a, size_t a_stride, int32_t a_zero_point,
                        const int8_t* w, size_t w_k_stride, size_t w_n_stride, const int32_t* bias, int32_t* acc,
                        size_t acc_stride);

// One output value of the epilogue (see qs8-epilogue.h for the exact operations): the u8 result, or the f32 /
// s32 result written through `out`. `residual` is the u8 residual value (ignored unless p.residual).
void qs8_epilogue_reference_value(int32_t acc, size_t n, uint8_t residual, const Qs8EpilogueParams& p, void* out);

}  // namespace sparq

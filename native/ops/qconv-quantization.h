// The quantization attributes and constants QConv and QGemm share, read and validated once (native/ops/README.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/qs8-epilogue/qs8-requantization.h"
#include "runtime/op.h"

namespace sparq {

struct Qs8OpQuantization {
  Qs8QuantizedOutput output;  // everything the epilogue needs
  int32_t input_zero_point = 0;
};

// Reads <input>_scale, <input>_zero_point ("x" for QConv, "a" for QGemm), w_scales (1 or n values), y_scale and
// y_zero_point (u8 Y only), r_scale and r_zero_point (with a residual), activation, alpha, beta. Scales must be
// finite and > 0, zero points whole numbers in 0..255; throws PlanError naming the op and node otherwise.
Qs8OpQuantization read_qs8_op_quantization(const OpDesc& desc, const char* input, size_t n, DType y_dtype,
                                           bool residual);

// The bytes of a constant i8 tensor (W) or i32 tensor (B), checked against its dtype, kind and shape.
std::vector<int8_t> qs8_constant_weights(const OpDesc& desc, const TensorDesc& t, const char* what);
std::vector<int32_t> qs8_constant_bias(const OpDesc& desc, const TensorDesc& t, const char* what);

// Optional input 2, B (i32 constant [n]): its values, or n zeros when absent.
std::vector<int32_t> read_qs8_bias(const OpDesc& desc, const BuildContext& ctx, size_t n);
// Optional input 3, R (u8 of Y's shape): its tensor id, or -1 when absent.
int32_t read_qs8_residual(const OpDesc& desc, const BuildContext& ctx, const std::vector<int64_t>& y_shape);

// Per-column epilogue constants for columns [first, first + count) of `whole` (a group of a grouped conv).
inline Qs8EpilogueParams qs8_column_slice(const Qs8EpilogueParams& whole, size_t first) {
  Qs8EpilogueParams p = whole;
  p.scale = whole.scale + first;
  return p;
}

}  // namespace sparq

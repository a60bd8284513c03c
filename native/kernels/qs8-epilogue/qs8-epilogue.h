// The fused epilogue of the int8 GEMM: s32 tile -> (+residual, activation, requantization) -> u8, f32 or s32.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {

enum class Qs8Output : int32_t { kInt32, kFloat, kUint8 };
enum class Qs8Activation : int32_t { kNone, kRelu, kClip, kLeakyRelu, kHardSwish };

// Every ISA computes exactly these float operations in this order (so u8 and f32 results are bit-identical):
//
// kUint8, fast form (no residual, activation none/relu/clip folded into the integer bounds):
//   y = float(acc) * scale[n]                     (scale = a_scale * w_scale[n] / y_scale)
//   q = rne(min(max(y, lo), hi)) + zero_point     (lo/hi = quantized bounds minus zero_point, whole numbers)
// kUint8 / kFloat, general form:
//   x = float(acc) * scale[n]                     (scale = a_scale * w_scale[n], real units)
//   x = fma(float(r - residual_zero_point), residual_scale, x)        when there is a residual r (u8), unless
//                                                                    residual_after_requantization
//   x = act(x):  relu max(x, 0) | clip min(max(x, alpha), beta) | leaky_relu x < 0 ? x * alpha : x
//                hard_swish x * min(max(fma(x, 1/6, 0.5), 0), 1)
//   kFloat: out = x
//   kUint8: q = rne(min(max(x * inv_y_scale, lo), hi)) + zero_point  (lo = -zero_point, hi = 255 - zero_point)
// rne = round to nearest, ties to even (the default MXCSR/FPCR mode; cvtps2dq, fcvtns, nearbyint).
// kUint8 with residual_after_requantization (QConv fused with the QAdd that consumed its output): q as above, then
//   q = the QAdd recipe of reference/qu8-ops-reference.h on (q, r) with `add` (a = this output, b = r), computed by
//   the QAdd microkernel of the same ISA, so the result is bit-identical to QConv followed by QAdd.
// kInt32: out = acc.
struct Qs8EpilogueParams {
  Qs8Output output = Qs8Output::kInt32;
  bool fast = false;               // kUint8 fast form
  const float* scale = nullptr;    // per output column, indexed from column 0 of the whole output
  float lo = 0.f, hi = 0.f;        // kUint8 clamp bounds relative to zero_point
  int32_t zero_point = 0;
  float inv_y_scale = 1.f;
  Qs8Activation activation = Qs8Activation::kNone;
  float alpha = 0.f, beta = 0.f;
  bool residual = false;
  float residual_scale = 0.f;
  int32_t residual_zero_point = 0;
  bool residual_after_requantization = false;  // r goes through `add` after q, not through the fma
  QAddParams add;
};

// The u8 fast form (with or without a residual added after requantization), which the kernels with the epilogue
// fused (the int8 GEMM's ukernel_u8 / ukernel_seg_u8, the few-channel conv's ukernel_u8) requantize from registers.
inline bool qs8_fused_u8_form(const Qs8EpilogueParams& p) { return p.output == Qs8Output::kUint8 && p.fast; }

// Applies the epilogue to an mr x nc block of accumulators whose first column is output column n0.
// acc row stride `acc_stride`, out row stride `out_stride` and residual row stride in elements.
using Qs8EpilogueFn = void (*)(size_t mr, size_t nc, size_t n0, const int32_t* acc, size_t acc_stride,
                               const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                               size_t out_stride);

void qs8_epilogue__scalar(size_t, size_t, size_t, const int32_t*, size_t, const Qs8EpilogueParams&, const uint8_t*,
                          size_t, void*, size_t);
#if defined(__x86_64__) || defined(_M_X64)
void qs8_epilogue__avx2(size_t, size_t, size_t, const int32_t*, size_t, const Qs8EpilogueParams&, const uint8_t*,
                        size_t, void*, size_t);
void qs8_epilogue__avx512(size_t, size_t, size_t, const int32_t*, size_t, const Qs8EpilogueParams&, const uint8_t*,
                          size_t, void*, size_t);
#endif
#if defined(__aarch64__)
void qs8_epilogue__neon(size_t, size_t, size_t, const int32_t*, size_t, const Qs8EpilogueParams&, const uint8_t*,
                        size_t, void*, size_t);
#endif

}  // namespace sparq

// int8 elementwise microkernel contract (Quantize, Dequantize, QAdd, QMul, QLookup); the recipe is in reference/qu8-ops-reference.h.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace sparq {

// Output range relative to the zero point: u8 lo = -zp, hi = 255 - zp; i8 lo = -128 - zp, hi = 127 - zp.
struct QuantizeParams {
  float scale = 1.f;
  float lo = 0.f, hi = 255.f;
  int32_t zero_point = 0;
};

struct DequantizeParams {
  float scale = 1.f;
  int32_t zero_point = 0;
};

struct QAddParams {
  float a_scale = 1.f, b_scale = 1.f, y_scale = 1.f;
  int32_t a_zero_point = 0, b_zero_point = 0, y_zero_point = 0;
  float lo = 0.f, hi = 255.f;  // -y_zero_point, 255 - y_zero_point
  bool relu = false;
};

// QMul: y = quantize((float(a - a_zp) * a_scale) * (float(b - b_zp) * b_scale) / y_scale), the DQ, DQ, Mul, Q chain.
struct QMulParams {
  float a_scale = 1.f, b_scale = 1.f, y_scale = 1.f;
  int32_t a_zero_point = 0, b_zero_point = 0, y_zero_point = 0;
  float lo = 0.f, hi = 255.f;  // -y_zero_point, 255 - y_zero_point
};

// A product is NaN only as inf * 0, and a dequantized value is inf only when 255 * scale overflows float (|q - zp| <=
// 255 and rounding is monotonic); a finite product divided by a finite scale is never NaN. Kernels skip the NaN -> 0
// step when this is false. Internal linkage: each ISA's copy stays in its own translation unit.
namespace {
inline bool qmul_may_be_nan(const QMulParams& p) {
  return !(std::isfinite(255.f * p.a_scale) && std::isfinite(255.f * p.b_scale));
}
}  // namespace

using F32Qu8QuantizeFn = void (*)(size_t n, const float* x, const QuantizeParams& p, uint8_t* y);
using Qu8F32DequantizeFn = void (*)(size_t n, const uint8_t* x, const DequantizeParams& p, float* y);
// b_stride is 1 (same shape) or 0 (b is one value broadcast over the run).
using Qu8AddFn = void (*)(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QAddParams& p,
                          uint8_t* y);
// b_stride as for Qu8AddFn.
using Qu8MulFn = void (*)(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                          uint8_t* y);

// The per-channel broadcast [rows, channels] x [channels]: y[r*channels + c] = QMul(a[r*channels + c], b[c]).
using Qu8MulRowsFn = void (*)(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b, const QMulParams& p,
                              uint8_t* y);

// y[i] = table[x[i]] (table: 256 bytes).
using Qu8LookupFn = void (*)(size_t n, const uint8_t* x, const uint8_t* table, uint8_t* y);

#if defined(__x86_64__)
void qu8_lookup_ukernel__avx512vbmi(size_t n, const uint8_t* x, const uint8_t* table, uint8_t* y);
void f32_qu8_quantize_ukernel__avx2(size_t n, const float* x, const QuantizeParams& p, uint8_t* y);
void f32_qu8_quantize_ukernel__avx512(size_t n, const float* x, const QuantizeParams& p, uint8_t* y);
void qu8_f32_dequantize_ukernel__avx2(size_t n, const uint8_t* x, const DequantizeParams& p, float* y);
void qu8_f32_dequantize_ukernel__avx512(size_t n, const uint8_t* x, const DequantizeParams& p, float* y);
void qu8_add_ukernel__avx2(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QAddParams& p,
                           uint8_t* y);
void qu8_add_ukernel__avx512(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QAddParams& p,
                             uint8_t* y);
void qu8_mul_ukernel__avx2(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                           uint8_t* y);
void qu8_mul_ukernel__avx512(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                             uint8_t* y);
void qu8_mul_rows_ukernel__avx2(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b, const QMulParams& p,
                                uint8_t* y);
void qu8_mul_rows_ukernel__avx512(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b,
                                  const QMulParams& p, uint8_t* y);
#endif
#if defined(__aarch64__)
void f32_qu8_quantize_ukernel__neon(size_t n, const float* x, const QuantizeParams& p, uint8_t* y);
void qu8_f32_dequantize_ukernel__neon(size_t n, const uint8_t* x, const DequantizeParams& p, float* y);
void qu8_add_ukernel__neon(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QAddParams& p,
                           uint8_t* y);
void qu8_mul_ukernel__neon(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                           uint8_t* y);
#endif

}  // namespace sparq

// Scalar reference of the int8 elementwise ops (Quantize, Dequantize, QAdd, QMul, QLookup): the exact float recipe every ISA matches.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {

// GCC fuses a * b + c into one fma wherever the target has fma (always on aarch64, with -mfma on x86), even
// across statements; the empty asm makes the product a value the compiler must materialize, so it stays a
// separately rounded multiply on every ISA and compiler.
inline float unfused_product(float a, float b) {
  float p = a * b;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __asm__("" : "+x"(p));
#elif defined(__GNUC__) && defined(__aarch64__)
  __asm__("" : "+w"(p));
#endif
  return p;
}

// Round to nearest, ties to even, under the default rounding mode: what std::nearbyint returns. Baseline x86-64
// (SSE2, no roundss) compiles nearbyint to a libm call, which dominated small requantization loops such as the
// int8 global average pool's; cvtss2si is one instruction with the same result for values in int32 range.
inline int32_t round_to_int(float v) {
#if defined(__SSE2__)
  return _mm_cvtss_si32(_mm_set_ss(v));
#else
  return static_cast<int32_t>(std::nearbyint(v));
#endif
}

// v (a real value divided by the output scale) -> quantized integer: NaN -> 0, clamp to [lo, hi] (whole numbers:
// qmin - zero_point, qmax - zero_point), round to nearest even, + zero_point. Clamping first keeps the
// conversion in range, and because lo/hi are whole numbers it equals rounding first.
inline int32_t quantize_scaled(float v, float lo, float hi, int32_t zero_point) {
  if (!(v == v)) v = 0.f;
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return round_to_int(v) + zero_point;
}

// y[i] = low byte of quantize_scaled(x[i] / scale): u8 or two's-complement i8 depending on lo/hi/zero_point.
void f32_qu8_quantize__reference(size_t n, const float* x, const QuantizeParams& p, uint8_t* y);

// y[i] = float(x[i] - zero_point) * scale.
void qu8_f32_dequantize__reference(size_t n, const uint8_t* x, const DequantizeParams& p, float* y);
void qs8_f32_dequantize__reference(size_t n, const int8_t* x, const DequantizeParams& p, float* y);
void qs32_f32_dequantize__reference(size_t n, const int32_t* x, const DequantizeParams& p, float* y);

// y[i] = quantize_scaled(act(float(a[i] - a_zp) * a_scale + float(b[i*b_stride] - b_zp) * b_scale) / y_scale).
void qu8_add__reference(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QAddParams& p,
                        uint8_t* y);

// y[i] = quantize_scaled((float(a[i] - a_zp) * a_scale) * (float(b[i*b_stride] - b_zp) * b_scale) / y_scale):
// exactly DequantizeLinear, DequantizeLinear, Mul, QuantizeLinear, one rounding per float operation.
void qu8_mul__reference(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                        uint8_t* y);

void qu8_lookup__reference(size_t n, const uint8_t* x, const uint8_t* table, uint8_t* y);

}  // namespace sparq

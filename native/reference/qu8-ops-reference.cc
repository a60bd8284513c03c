// Scalar reference of the int8 elementwise ops: plain loops over the recipe in qu8-ops-reference.h.
#include "reference/qu8-ops-reference.h"

namespace sparq {

void f32_qu8_quantize__reference(size_t n, const float* x, const QuantizeParams& p, uint8_t* y) {
  for (size_t i = 0; i < n; ++i)
    y[i] = static_cast<uint8_t>(quantize_scaled(x[i] / p.scale, p.lo, p.hi, p.zero_point) & 0xFF);
}

void qu8_f32_dequantize__reference(size_t n, const uint8_t* x, const DequantizeParams& p, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - p.zero_point) * p.scale;
}

void qs8_f32_dequantize__reference(size_t n, const int8_t* x, const DequantizeParams& p, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - p.zero_point) * p.scale;
}

void qs32_f32_dequantize__reference(size_t n, const int32_t* x, const DequantizeParams& p, float* y) {
  for (size_t i = 0; i < n; ++i)
    y[i] = static_cast<float>(static_cast<int64_t>(x[i]) - p.zero_point) * p.scale;
}

void qu8_add__reference(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QAddParams& p,
                        uint8_t* y) {
  for (size_t i = 0; i < n; ++i) {
    const float ra = unfused_product(static_cast<float>(static_cast<int32_t>(a[i]) - p.a_zero_point), p.a_scale);
    const float rb =
        unfused_product(static_cast<float>(static_cast<int32_t>(b[i * b_stride]) - p.b_zero_point), p.b_scale);
    float sum = ra + rb;
    if (p.relu) sum = sum > 0.f ? sum : 0.f;
    y[i] = static_cast<uint8_t>(quantize_scaled(sum / p.y_scale, p.lo, p.hi, p.y_zero_point));
  }
}

void qu8_mul__reference(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                        uint8_t* y) {
  for (size_t i = 0; i < n; ++i) {
    const float ra = static_cast<float>(static_cast<int32_t>(a[i]) - p.a_zero_point) * p.a_scale;
    const float rb = static_cast<float>(static_cast<int32_t>(b[i * b_stride]) - p.b_zero_point) * p.b_scale;
    y[i] = static_cast<uint8_t>(quantize_scaled((ra * rb) / p.y_scale, p.lo, p.hi, p.y_zero_point));
  }
}

void qu8_lookup__reference(size_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) {
  for (size_t i = 0; i < n; ++i) y[i] = table[x[i]];
}

}  // namespace sparq

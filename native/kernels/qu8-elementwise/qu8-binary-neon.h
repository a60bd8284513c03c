// The NEON loop QAdd and QMul share, 8 values per step: both inputs dequantized (each product rounded on its own),
// combined (add or multiply), optionally relu'd, divided by the output scale and requantized; scalar reference tail.
// Included only by the -neon kernel files.
#pragma once
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

namespace sparq {
namespace qu8_binary_neon {

// float(q - zero_point) * scale. GCC contracts vmulq + vaddq into fmla on aarch64; the empty asm keeps each product
// rounded on its own, as DequantizeLinear's value is.
inline float32x4_t real4(uint16x4_t q, int32x4_t zero_point, float32x4_t scale) {
  float32x4_t r = vmulq_f32(vcvtq_f32_s32(vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(q)), zero_point)), scale);
  __asm__("" : "+w"(r));
  return r;
}

// Params: QAddParams or QMulParams (y_scale, y_zero_point, lo, hi).
template <class Params>
inline int16x4_t requantize4(float32x4_t value, bool relu, const Params& p) {
  if (relu) value = vmaxq_f32(value, vdupq_n_f32(0.f));
  float32x4_t v = vdivq_f32(value, vdupq_n_f32(p.y_scale));
  v = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), vceqq_f32(v, v)));  // NaN -> 0
  v = vminq_f32(vdupq_n_f32(p.hi), vmaxq_f32(vdupq_n_f32(p.lo), v));
  return vmovn_s32(vaddq_s32(vcvtnq_s32_f32(v), vdupq_n_s32(p.y_zero_point)));
}

// y[i] = requantize(combine(real(a[i]), real(b[kBroadcastB ? 0 : i]))); the last n % 8 values go to `tail` (the
// op's scalar reference, same recipe).
template <bool kBroadcastB, class Params, class Combine, class Tail>
void run(size_t n, const uint8_t* a, const uint8_t* b, const Params& p, bool relu, Combine combine, Tail tail,
         uint8_t* y) {
  const int32x4_t a_zp = vdupq_n_s32(p.a_zero_point), b_zp = vdupq_n_s32(p.b_zero_point);
  const float32x4_t a_scale = vdupq_n_f32(p.a_scale), b_scale = vdupq_n_f32(p.b_scale);
  const float32x4_t rb_splat = real4(vdup_n_u16(b[0]), b_zp, b_scale);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16x8_t va = vmovl_u8(vld1_u8(a + i));
    float32x4_t rb_low = rb_splat, rb_high = rb_splat;
    if (!kBroadcastB) {
      const uint16x8_t vb = vmovl_u8(vld1_u8(b + i));
      rb_low = real4(vget_low_u16(vb), b_zp, b_scale);
      rb_high = real4(vget_high_u16(vb), b_zp, b_scale);
    }
    const int16x4_t q_low = requantize4(combine(real4(vget_low_u16(va), a_zp, a_scale), rb_low), relu, p);
    const int16x4_t q_high = requantize4(combine(real4(vget_high_u16(va), a_zp, a_scale), rb_high), relu, p);
    vst1_u8(y + i, vqmovun_s16(vcombine_s16(q_low, q_high)));  // 0..255: exact
  }
  if (i < n) tail(n - i, a + i, kBroadcastB ? b : b + i, kBroadcastB ? 0 : 1, p, y + i);
}

}  // namespace qu8_binary_neon
}  // namespace sparq

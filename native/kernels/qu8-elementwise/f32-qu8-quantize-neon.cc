// NEON QuantizeLinear f32 -> u8/i8, 16 values per step: divide, NaN -> 0, clamp, fcvtns (ties to even), + zero point.
#include <arm_neon.h>

#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

inline int16x4_t quantize4(float32x4_t x, float32x4_t scale, float32x4_t lo, float32x4_t hi, int32x4_t zero_point) {
  float32x4_t v = vdivq_f32(x, scale);
  v = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), vceqq_f32(v, v)));
  v = vminq_f32(hi, vmaxq_f32(lo, v));
  return vmovn_s32(vaddq_s32(vcvtnq_s32_f32(v), zero_point));  // -128..255: the narrowing is exact
}

}  // namespace

void f32_qu8_quantize_ukernel__neon(size_t n, const float* x, const QuantizeParams& p, uint8_t* y) {
  const float32x4_t scale = vdupq_n_f32(p.scale), lo = vdupq_n_f32(p.lo), hi = vdupq_n_f32(p.hi);
  const int32x4_t zero_point = vdupq_n_s32(p.zero_point);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const int16x8_t q01 = vcombine_s16(quantize4(vld1q_f32(x + i), scale, lo, hi, zero_point),
                                       quantize4(vld1q_f32(x + i + 4), scale, lo, hi, zero_point));
    const int16x8_t q23 = vcombine_s16(quantize4(vld1q_f32(x + i + 8), scale, lo, hi, zero_point),
                                       quantize4(vld1q_f32(x + i + 12), scale, lo, hi, zero_point));
    // Keep the low byte of each lane: u8 or two's-complement i8.
    vst1q_u8(y + i, vcombine_u8(vmovn_u16(vreinterpretq_u16_s16(q01)), vmovn_u16(vreinterpretq_u16_s16(q23))));
  }
  for (; i < n; ++i) y[i] = static_cast<uint8_t>(quantize_scaled(x[i] / p.scale, p.lo, p.hi, p.zero_point) & 0xFF);
}

}  // namespace sparq

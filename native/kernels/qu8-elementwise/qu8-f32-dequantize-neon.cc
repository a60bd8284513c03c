// NEON DequantizeLinear u8 -> f32, 16 values per step: widen, subtract the zero point, convert, one multiply.
#include <arm_neon.h>

#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {

void qu8_f32_dequantize_ukernel__neon(size_t n, const uint8_t* x, const DequantizeParams& p, float* y) {
  const float32x4_t scale = vdupq_n_f32(p.scale);
  const int32x4_t zero_point = vdupq_n_s32(p.zero_point);
  auto dequantize4 = [&](uint16x4_t v, float* out) {
    const int32x4_t centered = vsubq_s32(vreinterpretq_s32_u32(vmovl_u16(v)), zero_point);
    vst1q_f32(out, vmulq_f32(vcvtq_f32_s32(centered), scale));
  };
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8x16_t v = vld1q_u8(x + i);
    const uint16x8_t low = vmovl_u8(vget_low_u8(v)), high = vmovl_u8(vget_high_u8(v));
    dequantize4(vget_low_u16(low), y + i);
    dequantize4(vget_high_u16(low), y + i + 4);
    dequantize4(vget_low_u16(high), y + i + 8);
    dequantize4(vget_high_u16(high), y + i + 12);
  }
  for (; i < n; ++i) y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - p.zero_point) * p.scale;
}

}  // namespace sparq

// NEON int8 GEMM epilogue: 4 output columns per step (a padded copy for the last < 4); the operations of qs8-epilogue.h.
#include <arm_neon.h>

#include <cstring>

#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {
namespace {

// Compare-and-select, not fmax/fmin, so that ties (-0 vs +0) resolve exactly like the scalar `x < lo ? lo : x`.
inline float32x4_t max4(float32x4_t lo, float32x4_t x) { return vbslq_f32(vcltq_f32(x, lo), lo, x); }
inline float32x4_t min4(float32x4_t hi, float32x4_t x) { return vbslq_f32(vcgtq_f32(x, hi), hi, x); }
inline float32x4_t clamp4(float32x4_t x, float32x4_t lo, float32x4_t hi) { return min4(hi, max4(lo, x)); }

inline float32x4_t activate4(float32x4_t x, const Qs8EpilogueParams& p) {
  const float32x4_t zero = vdupq_n_f32(0.f);
  switch (p.activation) {
    case Qs8Activation::kNone: return x;
    case Qs8Activation::kRelu: return max4(zero, x);
    case Qs8Activation::kClip: return clamp4(x, vdupq_n_f32(p.alpha), vdupq_n_f32(p.beta));
    case Qs8Activation::kLeakyRelu: return vbslq_f32(vcltq_f32(x, zero), vmulq_n_f32(x, p.alpha), x);
    case Qs8Activation::kHardSwish: {
      const float32x4_t gate = vfmaq_f32(vdupq_n_f32(0.5f), x, vdupq_n_f32(1.f / 6.f));
      return vmulq_f32(x, clamp4(gate, zero, vdupq_n_f32(1.f)));
    }
  }
  return x;
}

inline void epilogue4(const int32_t* acc, const float* scale, const uint8_t* residual, const Qs8EpilogueParams& p,
                      void* out) {
  float32x4_t x = vmulq_f32(vcvtq_f32_s32(vld1q_s32(acc)), vld1q_f32(scale));
  if (!(p.output == Qs8Output::kUint8 && p.fast)) {
    if (p.residual && !p.residual_after_requantization) {
      int32_t r[4];
      for (int t = 0; t < 4; ++t) r[t] = static_cast<int32_t>(residual[t]) - p.residual_zero_point;
      x = vfmaq_f32(x, vcvtq_f32_s32(vld1q_s32(r)), vdupq_n_f32(p.residual_scale));
    }
    x = activate4(x, p);
    if (p.output == Qs8Output::kFloat) {
      vst1q_f32(static_cast<float*>(out), x);
      return;
    }
    x = vmulq_n_f32(x, p.inv_y_scale);
  }
  const int32x4_t q = vaddq_s32(vcvtnq_s32_f32(clamp4(x, vdupq_n_f32(p.lo), vdupq_n_f32(p.hi))),
                                vdupq_n_s32(p.zero_point));
  int32_t lanes[4];
  vst1q_s32(lanes, q);
  uint8_t* bytes = static_cast<uint8_t*>(out);
  for (int t = 0; t < 4; ++t) bytes[t] = static_cast<uint8_t>(lanes[t]);
}

}  // namespace

void qs8_epilogue__neon(size_t mr, size_t nc, size_t n0, const int32_t* acc, size_t acc_stride,
                        const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                        size_t out_stride) {
  const size_t out_bytes = p.output == Qs8Output::kUint8 ? 1 : 4;
  if (p.output == Qs8Output::kInt32) {
    for (size_t i = 0; i < mr; ++i)
      std::memcpy(static_cast<int32_t*>(out) + i * out_stride, acc + i * acc_stride, nc * sizeof(int32_t));
    return;
  }
  for (size_t i = 0; i < mr; ++i) {
    const int32_t* acc_row = acc + i * acc_stride;
    const uint8_t* residual_row = p.residual ? residual + i * residual_stride : nullptr;
    uint8_t* out_row = static_cast<uint8_t*>(out) + i * out_stride * out_bytes;
    size_t j = 0;
    for (; j + 4 <= nc; j += 4)
      epilogue4(acc_row + j, p.scale + n0 + j, residual_row ? residual_row + j : nullptr, p, out_row + j * out_bytes);
    if (j < nc) {
      const size_t rest = nc - j;
      int32_t acc_tail[4] = {0};
      float scale_tail[4] = {0};
      uint8_t residual_tail[4] = {0};
      uint8_t out_tail[16];
      std::memcpy(acc_tail, acc_row + j, rest * sizeof(int32_t));
      std::memcpy(scale_tail, p.scale + n0 + j, rest * sizeof(float));
      if (residual_row) std::memcpy(residual_tail, residual_row + j, rest);
      epilogue4(acc_tail, scale_tail, residual_tail, p, out_tail);
      std::memcpy(out_row + j * out_bytes, out_tail, rest * out_bytes);
    }
    if (p.residual_after_requantization) qu8_add_ukernel__neon(nc, out_row, residual_row, 1, p.add, out_row);
  }
}

}  // namespace sparq

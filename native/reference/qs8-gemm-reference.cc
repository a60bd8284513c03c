// Plain C++ int8 GEMM and epilogue, also the scalar-level epilogue (qs8_epilogue__scalar).
#include "reference/qs8-gemm-reference.h"

#include <cmath>
#include <cstring>

#include "reference/qu8-ops-reference.h"

namespace sparq {

void qs8_gemm_reference(size_t m, size_t n, size_t k, const uint8_t* a, size_t a_stride, int32_t a_zero_point,
                        const int8_t* w, size_t w_k_stride, size_t w_n_stride, const int32_t* bias, int32_t* acc,
                        size_t acc_stride) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      int64_t sum = bias ? bias[j] : 0;
      for (size_t kk = 0; kk < k; ++kk)
        sum += static_cast<int64_t>(static_cast<int32_t>(a[i * a_stride + kk]) - a_zero_point) *
               w[kk * w_k_stride + j * w_n_stride];
      // keep the low 32 bits, as the kernels' wrapping s32 arithmetic does
      const uint32_t low = static_cast<uint32_t>(static_cast<uint64_t>(sum));
      std::memcpy(&acc[i * acc_stride + j], &low, sizeof(low));
    }
  }
}

namespace {

// Written as separate statements with explicit fma so that no compiler contracts a multiply into an add.
inline float clampf(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

inline float activate(float x, const Qs8EpilogueParams& p) {
  switch (p.activation) {
    case Qs8Activation::kNone: return x;
    case Qs8Activation::kRelu: return x < 0.f ? 0.f : x;
    case Qs8Activation::kClip: return clampf(x, p.alpha, p.beta);
    case Qs8Activation::kLeakyRelu: return x < 0.f ? x * p.alpha : x;
    case Qs8Activation::kHardSwish: {
      const float gate = clampf(std::fma(x, 1.f / 6.f, 0.5f), 0.f, 1.f);
      return x * gate;
    }
  }
  return x;
}

inline uint8_t round_to_u8(float y, const Qs8EpilogueParams& p) {
  const float clamped = clampf(y, p.lo, p.hi);
  return static_cast<uint8_t>(static_cast<int32_t>(std::nearbyint(clamped)) + p.zero_point);
}

}  // namespace

void qs8_epilogue_reference_value(int32_t acc, size_t n, uint8_t residual, const Qs8EpilogueParams& p, void* out) {
  if (p.output == Qs8Output::kInt32) {
    std::memcpy(out, &acc, sizeof(acc));
    return;
  }
  float x = static_cast<float>(acc) * p.scale[n];
  if (p.output == Qs8Output::kUint8 && p.fast) {
    uint8_t q = round_to_u8(x, p);
    if (p.residual_after_requantization) qu8_add__reference(1, &q, &residual, 1, p.add, &q);
    *static_cast<uint8_t*>(out) = q;
    return;
  }
  if (p.residual && !p.residual_after_requantization) {
    const float r = static_cast<float>(static_cast<int32_t>(residual) - p.residual_zero_point);
    x = std::fma(r, p.residual_scale, x);
  }
  x = activate(x, p);
  if (p.output == Qs8Output::kFloat) {
    std::memcpy(out, &x, sizeof(x));
    return;
  }
  const float y = x * p.inv_y_scale;
  uint8_t q = round_to_u8(y, p);
  if (p.residual_after_requantization) qu8_add__reference(1, &q, &residual, 1, p.add, &q);
  *static_cast<uint8_t*>(out) = q;
}

void qs8_epilogue__scalar(size_t mr, size_t nc, size_t n0, const int32_t* acc, size_t acc_stride,
                          const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                          size_t out_stride) {
  const size_t out_bytes = p.output == Qs8Output::kUint8 ? 1 : 4;
  for (size_t i = 0; i < mr; ++i) {
    uint8_t* out_row = static_cast<uint8_t*>(out) + i * out_stride * out_bytes;
    for (size_t j = 0; j < nc; ++j) {
      const uint8_t r = p.residual ? residual[i * residual_stride + j] : 0;
      qs8_epilogue_reference_value(acc[i * acc_stride + j], n0 + j, r, p, out_row + j * out_bytes);
    }
  }
}

}  // namespace sparq

// Activation post-pass of the fp32 GEMM/conv epilogue, written as branch-free loops the compiler vectorises
// (the microkernels clamp relu/clip themselves; this covers the rest on an L1-hot tile).
#pragma once
#include <cstddef>

#include "kernels/f32-activation/f32-hardswish.h"
#include "ops/activation.h"

namespace sparq {

inline void epilogue_activate(float* y, size_t n, const ActivationParams& p) {
  switch (p.kind) {
    case Activation::kNone: return;
    case Activation::kRelu:
      for (size_t i = 0; i < n; ++i) y[i] = y[i] > 0.f ? y[i] : 0.f;
      return;
    case Activation::kClip: {
      const float lo = p.alpha, hi = p.beta;
      for (size_t i = 0; i < n; ++i) {
        const float v = y[i] < lo ? lo : y[i];
        y[i] = v > hi ? hi : v;
      }
      return;
    }
    case Activation::kLeakyRelu: {
      const float a = p.alpha;
      for (size_t i = 0; i < n; ++i) y[i] = y[i] >= 0.f ? y[i] : y[i] * a;
      return;
    }
    case Activation::kHardSigmoid: {
      const float a = p.alpha, b = p.beta;
      for (size_t i = 0; i < n; ++i) {
        float v = a * y[i] + b;
        v = v < 0.f ? 0.f : v;
        y[i] = v > 1.f ? 1.f : v;
      }
      return;
    }
    case Activation::kHardSwish:
      if (const F32HardswishFn fn = f32_hardswish_kernel()) return fn(y, n);
      for (size_t i = 0; i < n; ++i) {
        float v = y[i] + 3.f;
        v = v < 0.f ? 0.f : v;
        v = v > 6.f ? 6.f : v;
        y[i] = y[i] * v * (1.f / 6.f);
      }
      return;
    default:
      for (size_t i = 0; i < n; ++i) y[i] = activate(y[i], p);
  }
}

}  // namespace sparq

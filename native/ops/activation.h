// Fused activations: the epilogue of Conv/Gemm/MatMul and the scalar definition unary ops share.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include "runtime/plan-desc.h"

namespace sparq {

enum class Activation { kNone, kRelu, kClip, kLeakyRelu, kSigmoid, kHardSigmoid, kHardSwish, kSilu, kTanh, kGelu };

struct ActivationParams {
  Activation kind = Activation::kNone;
  float alpha = 0.f;  // clip: min; leaky_relu: slope; hard_sigmoid: alpha
  float beta = 0.f;   // clip: max; hard_sigmoid: beta
};

// Reads `activation`, `alpha`, `beta` (see native/ops/README.md); throws PlanError for an unknown name.
inline ActivationParams parse_activation(const OpAttrs& attrs, const std::string& alpha_key = "alpha",
                                         const std::string& beta_key = "beta") {
  ActivationParams p;
  const std::string name = attrs.s("activation", "none");
  if (name == "none") p.kind = Activation::kNone;
  else if (name == "relu") p.kind = Activation::kRelu;
  else if (name == "clip") p.kind = Activation::kClip;
  else if (name == "leaky_relu") p.kind = Activation::kLeakyRelu;
  else if (name == "sigmoid") p.kind = Activation::kSigmoid;
  else if (name == "hard_sigmoid") p.kind = Activation::kHardSigmoid;
  else if (name == "hard_swish") p.kind = Activation::kHardSwish;
  else if (name == "silu") p.kind = Activation::kSilu;
  else if (name == "tanh") p.kind = Activation::kTanh;
  else if (name == "gelu") p.kind = Activation::kGelu;
  else throw PlanError("unknown fused activation '" + name + "'");
  const float default_alpha = p.kind == Activation::kClip ? -3.4028235e38f
                              : p.kind == Activation::kLeakyRelu ? 0.01f
                              : p.kind == Activation::kHardSigmoid ? 0.2f : 0.f;
  const float default_beta = p.kind == Activation::kClip ? 3.4028235e38f
                             : p.kind == Activation::kHardSigmoid ? 0.5f : 0.f;
  p.alpha = attrs.f(alpha_key, default_alpha);
  p.beta = attrs.f(beta_key, default_beta);
  return p;
}

inline float activate(float x, const ActivationParams& p) {
  switch (p.kind) {
    case Activation::kNone: return x;
    case Activation::kRelu: return x > 0.f ? x : 0.f;
    case Activation::kClip: return std::min(std::max(x, p.alpha), p.beta);
    case Activation::kLeakyRelu: return x >= 0.f ? x : x * p.alpha;
    case Activation::kSigmoid: return 1.f / (1.f + std::exp(-x));
    case Activation::kHardSigmoid: return std::min(std::max(p.alpha * x + p.beta, 0.f), 1.f);
    case Activation::kHardSwish: return x * std::min(std::max(x + 3.f, 0.f), 6.f) * (1.f / 6.f);
    case Activation::kSilu: return x / (1.f + std::exp(-x));
    case Activation::kTanh: return std::tanh(x);
    case Activation::kGelu: return 0.5f * x * (1.f + std::erf(x * 0.70710678118654752f));
  }
  return x;
}

// Applies the activation to n contiguous values in place (the compiler vectorizes the simple cases).
inline void activate_span(float* y, size_t n, const ActivationParams& p) {
  switch (p.kind) {
    case Activation::kNone: return;
    case Activation::kRelu:
      for (size_t i = 0; i < n; ++i) y[i] = y[i] > 0.f ? y[i] : 0.f;
      return;
    case Activation::kClip:
      for (size_t i = 0; i < n; ++i) y[i] = std::min(std::max(y[i], p.alpha), p.beta);
      return;
    default:
      for (size_t i = 0; i < n; ++i) y[i] = activate(y[i], p);
  }
}

}  // namespace sparq

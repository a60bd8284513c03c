// Epilogue constants from quantization parameters; the u8 "fast" form folds relu/clip into integer bounds.
#include "kernels/qs8-epilogue/qs8-requantization.h"

#include <cmath>
#include <string>

#include "runtime/plan-desc.h"

namespace sparq {
namespace {

bool positive_finite(float v) { return std::isfinite(v) && v > 0.f; }

// Quantized value of a real bound, clamped to 0..255 (computed once, in double, on every ISA alike).
int32_t quantize_bound(double real, double y_scale, int32_t zero_point) {
  double q = std::nearbyint(real / y_scale) + zero_point;
  if (!(q > 0.0)) q = 0.0;  // also catches -inf bounds
  if (q > 255.0) q = 255.0;
  return static_cast<int32_t>(q);
}

}  // namespace

Qs8Requantization::Qs8Requantization(const Qs8QuantizedOutput& q, size_t n) {
  if (!positive_finite(q.a_scale))
    throw PlanError("int8 GEMM: Expected a positive finite activation scale but received " + std::to_string(q.a_scale));
  if (q.w_scale.size() != 1 && q.w_scale.size() != n)
    throw PlanError("int8 GEMM: Expected 1 or " + std::to_string(n) + " weight scales but received " +
                    std::to_string(q.w_scale.size()));
  for (float s : q.w_scale)
    if (!positive_finite(s))
      throw PlanError("int8 GEMM: Expected positive finite weight scales but received " + std::to_string(s));
  const bool u8 = q.output == Qs8Output::kUint8;
  if (u8 && !positive_finite(q.y_scale))
    throw PlanError("int8 GEMM: Expected a positive finite output scale but received " + std::to_string(q.y_scale));
  if (u8 && (q.y_zero_point < 0 || q.y_zero_point > 255))
    throw PlanError("int8 GEMM: Expected an output zero point in 0..255 but received " +
                    std::to_string(q.y_zero_point));
  if (q.residual && (!positive_finite(q.residual_scale) || q.residual_zero_point < 0 || q.residual_zero_point > 255))
    throw PlanError("int8 GEMM: Expected a positive residual scale and a zero point in 0..255");

  if (q.residual_after_requantization &&
      (!u8 || !q.residual || !positive_finite(q.add_y_scale) || q.add_y_zero_point < 0 || q.add_y_zero_point > 255))
    throw PlanError("int8 GEMM: Expected a u8 output, a residual, a positive finite add output scale and an add "
                    "output zero point in 0..255 for a residual added after requantization");

  params_.output = q.output;
  params_.zero_point = q.y_zero_point;
  params_.activation = q.activation;
  params_.alpha = q.alpha;
  params_.beta = q.beta;
  params_.residual = q.residual;
  params_.residual_scale = q.residual_scale;
  params_.residual_zero_point = q.residual_zero_point;
  params_.residual_after_requantization = q.residual_after_requantization;
  if (q.residual_after_requantization) {
    QAddParams& a = params_.add;
    a.a_scale = q.y_scale;
    a.a_zero_point = q.y_zero_point;
    a.b_scale = q.residual_scale;
    a.b_zero_point = q.residual_zero_point;
    a.y_scale = q.add_y_scale;
    a.y_zero_point = q.add_y_zero_point;
    a.lo = static_cast<float>(-q.add_y_zero_point);
    a.hi = static_cast<float>(255 - q.add_y_zero_point);
    a.relu = q.add_relu;
  }
  params_.fast = u8 && (!q.residual || q.residual_after_requantization) &&
                 (q.activation == Qs8Activation::kNone || q.activation == Qs8Activation::kRelu ||
                  q.activation == Qs8Activation::kClip);
  scale_.resize(n);
  for (size_t j = 0; j < n; ++j) {
    const double real = static_cast<double>(q.a_scale) * q.w_scale[q.w_scale.size() == 1 ? 0 : j];
    scale_[j] = static_cast<float>(params_.fast ? real / q.y_scale : real);
  }
  if (u8) {
    int32_t qmin = 0, qmax = 255;
    if (params_.fast && q.activation == Qs8Activation::kRelu) qmin = q.y_zero_point;
    if (params_.fast && q.activation == Qs8Activation::kClip) {
      qmin = quantize_bound(q.alpha, q.y_scale, q.y_zero_point);
      qmax = quantize_bound(q.beta, q.y_scale, q.y_zero_point);
    }
    params_.lo = static_cast<float>(qmin - q.y_zero_point);
    params_.hi = static_cast<float>(qmax - q.y_zero_point);
    params_.inv_y_scale = static_cast<float>(1.0 / q.y_scale);
  }
  params_.scale = scale_.data();
}

}  // namespace sparq

// Turns quantization parameters (scales, zero points, fused activation, residual) into epilogue constants.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/qs8-epilogue/qs8-epilogue.h"

namespace sparq {

struct Qs8QuantizedOutput {
  Qs8Output output = Qs8Output::kUint8;
  float a_scale = 1.f;                 // activation (input) scale
  std::vector<float> w_scale;          // weight scale: one value, or one per output column
  float y_scale = 1.f;                 // kUint8 only
  int32_t y_zero_point = 0;            // kUint8 only, 0..255
  Qs8Activation activation = Qs8Activation::kNone;
  float alpha = 0.f, beta = 0.f;       // clip: min, max; leaky_relu: slope (real units)
  bool residual = false;               // u8 residual added before the activation
  float residual_scale = 1.f;
  int32_t residual_zero_point = 0;
  // The residual is added after requantization to u8, exactly as QAdd(Y, R) with these output parameters would
  // (Y's scale and zero point are y_scale / y_zero_point, R's residual_scale / residual_zero_point).
  bool residual_after_requantization = false;
  float add_y_scale = 1.f;
  int32_t add_y_zero_point = 0;
  bool add_relu = false;
};

// Owns the per-column scale array that Qs8EpilogueParams points at.
class Qs8Requantization {
 public:
  // Throws PlanError when a scale is not positive and finite, a zero point is outside 0..255, or w_scale has
  // neither 1 nor n values.
  Qs8Requantization(const Qs8QuantizedOutput& q, size_t n);
  Qs8Requantization(const Qs8Requantization& other) : scale_(other.scale_), params_(other.params_) {
    params_.scale = scale_.data();
  }
  Qs8Requantization& operator=(const Qs8Requantization&) = delete;

  const Qs8EpilogueParams& params() const { return params_; }

 private:
  std::vector<float> scale_;
  Qs8EpilogueParams params_;
};

}  // namespace sparq

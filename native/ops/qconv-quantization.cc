// Reads scales, zero points and the fused activation of QConv / QGemm; every message names the op and node.
#include "ops/qconv-quantization.h"

#include <cmath>
#include <cstring>
#include <string>

#include "ops/op-checks.h"

namespace sparq {
namespace {

std::string number_string(double v) {
  std::string s = std::to_string(v);
  return s;
}

float scale_attr(const OpDesc& desc, const std::string& name) {
  auto it = desc.attrs.numbers.find(name);
  if (it == desc.attrs.numbers.end() || it->second.size() != 1)
    plan_fail(desc, "expected one number for attribute " + name + " but received " +
                        (it == desc.attrs.numbers.end() ? std::string("none") : std::to_string(it->second.size())));
  const double v = it->second[0];
  const float f = attr_to_float(v);
  if (!(std::isfinite(f) && f > 0.f)) plan_fail(desc, "expected a finite " + name + " > 0 but received " + number_string(v));
  return f;
}

int32_t zero_point_attr(const OpDesc& desc, const std::string& name) {
  auto it = desc.attrs.numbers.find(name);
  if (it == desc.attrs.numbers.end() || it->second.empty()) return 0;
  const double v = it->second[0];
  if (it->second.size() != 1 || !(v >= 0.0 && v <= 255.0) || v != std::floor(v))
    plan_fail(desc, "expected " + name + " to be a whole number in 0..255 but received " + number_string(v));
  return static_cast<int32_t>(v);
}

}  // namespace

Qs8OpQuantization read_qs8_op_quantization(const OpDesc& desc, const char* input, size_t n, DType y_dtype,
                                           bool residual) {
  Qs8OpQuantization r;
  Qs8QuantizedOutput& q = r.output;
  q.output = y_dtype == DType::kUInt8 ? Qs8Output::kUint8 : Qs8Output::kFloat;
  q.a_scale = scale_attr(desc, std::string(input) + "_scale");
  r.input_zero_point = zero_point_attr(desc, std::string(input) + "_zero_point");
  q.w_scale = desc.attrs.floats("w_scales");
  if (q.w_scale.size() != 1 && q.w_scale.size() != n)
    plan_fail(desc, "expected 1 or " + std::to_string(n) + " w_scales but received " + std::to_string(q.w_scale.size()));
  for (float s : q.w_scale)
    if (!(std::isfinite(s) && s > 0.f)) plan_fail(desc, "expected finite w_scales > 0 but received " + number_string(s));
  if (desc.attrs.has("w_zero_point") && desc.attrs.i("w_zero_point", 0) != 0)
    plan_fail(desc, "expected weights with zero point 0 (symmetric) but received w_zero_point " +
                        std::to_string(desc.attrs.i("w_zero_point", 0)));
  if (q.output == Qs8Output::kUint8) {
    q.y_scale = scale_attr(desc, "y_scale");
    q.y_zero_point = zero_point_attr(desc, "y_zero_point");
  }
  q.residual = residual;
  if (residual) {
    q.residual_scale = scale_attr(desc, "r_scale");
    q.residual_zero_point = zero_point_attr(desc, "r_zero_point");
  }
  const std::string act = desc.attrs.s("activation", "none");
  if (act == "none") q.activation = Qs8Activation::kNone;
  else if (act == "relu") q.activation = Qs8Activation::kRelu;
  else if (act == "clip") q.activation = Qs8Activation::kClip;
  else if (act == "leaky_relu") q.activation = Qs8Activation::kLeakyRelu;
  else if (act == "hard_swish") q.activation = Qs8Activation::kHardSwish;
  else plan_fail(desc, "expected activation none, relu, clip, leaky_relu or hard_swish but received '" + act + "'");
  q.alpha = desc.attrs.f("alpha", q.activation == Qs8Activation::kClip        ? -3.4028235e38f
                                  : q.activation == Qs8Activation::kLeakyRelu ? 0.01f
                                                                              : 0.f);
  q.beta = desc.attrs.f("beta", q.activation == Qs8Activation::kClip ? 3.4028235e38f : 0.f);
  if (q.activation == Qs8Activation::kClip && !(q.alpha <= q.beta))
    plan_fail(desc, "expected clip alpha <= beta but received " + number_string(q.alpha) + " > " + number_string(q.beta));
  if (q.activation == Qs8Activation::kLeakyRelu && !std::isfinite(q.alpha))
    plan_fail(desc, "expected a finite leaky_relu alpha but received " + number_string(q.alpha));
  return r;
}

std::vector<int8_t> qs8_constant_weights(const OpDesc& desc, const TensorDesc& t, const char* what) {
  expect_dtype(desc, t, {DType::kInt8}, what);
  if (t.kind != TensorKind::kConstant) plan_fail(desc, std::string("expected a constant ") + what);
  if (t.data.size() != static_cast<size_t>(t.numel()))
    plan_fail(desc, std::string("constant ") + what + " holds " + std::to_string(t.data.size()) +
                        " bytes but its shape " + shape_string(t.shape) + " needs " + std::to_string(t.numel()));
  std::vector<int8_t> v(t.data.size());
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size());
  return v;
}

std::vector<int32_t> qs8_constant_bias(const OpDesc& desc, const TensorDesc& t, const char* what) {
  expect_dtype(desc, t, {DType::kInt32}, what);
  if (t.kind != TensorKind::kConstant) plan_fail(desc, std::string("expected a constant ") + what);
  if (t.data.size() != static_cast<size_t>(t.numel()) * sizeof(int32_t))
    plan_fail(desc, std::string("constant ") + what + " holds " + std::to_string(t.data.size()) +
                        " bytes but its shape " + shape_string(t.shape) + " needs " + std::to_string(t.numel() * 4));
  std::vector<int32_t> v(static_cast<size_t>(t.numel()));
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

std::vector<int32_t> read_qs8_bias(const OpDesc& desc, const BuildContext& ctx, size_t n) {
  const int32_t id = desc.inputs.size() > 2 ? desc.inputs[2] : -1;
  if (id < 0) return std::vector<int32_t>(n, 0);
  const TensorDesc& b = required_tensor(desc, ctx, id, "bias B");
  expect_shape(desc, b, {static_cast<int64_t>(n)}, "bias B");
  return qs8_constant_bias(desc, b, "bias B");
}

int32_t read_qs8_residual(const OpDesc& desc, const BuildContext& ctx, const std::vector<int64_t>& y_shape) {
  const int32_t id = desc.inputs.size() > 3 ? desc.inputs[3] : -1;
  if (id < 0) return -1;
  const TensorDesc& r = required_tensor(desc, ctx, id, "residual R");
  expect_dtype(desc, r, {DType::kUInt8}, "residual R");
  expect_shape(desc, r, y_shape, "residual R");
  return id;
}

}  // namespace sparq

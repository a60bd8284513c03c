// Factory-time checks shared by the fp32 GEMM-class ops (Conv, ConvTranspose, Gemm, MatMul): one error style.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/op.h"

namespace sparq {

inline std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

[[noreturn]] inline void throw_op_error(const OpDesc& desc, const std::string& message) {
  throw PlanError(desc.type + " node '" + desc.name + "': " + message);
}

// The f32 tensor at input/output id (must exist); `what` names it in the message.
inline const TensorDesc& f32_tensor(const OpDesc& desc, const BuildContext& ctx, int32_t id, const char* what) {
  if (id < 0) throw_op_error(desc, std::string("missing required ") + what);
  const TensorDesc& t = ctx.tensor(id);
  if (t.dtype != DType::kFloat32)
    throw_op_error(desc, std::string("expected f32 for ") + what + " but received dtype " +
                             std::to_string(static_cast<int>(t.dtype)));
  return t;
}

// A constant f32 tensor's values (checked against its shape).
inline std::vector<float> constant_floats(const OpDesc& desc, const TensorDesc& t, const char* what) {
  if (t.kind != TensorKind::kConstant) throw_op_error(desc, std::string("expected a constant ") + what);
  if (t.data.size() != static_cast<size_t>(t.numel()) * sizeof(float))
    throw_op_error(desc, std::string("constant ") + what + " holds " + std::to_string(t.data.size()) +
                             " bytes but its shape " + shape_string(t.shape) + " needs " +
                             std::to_string(t.numel() * 4));
  std::vector<float> v(static_cast<size_t>(t.numel()));
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

inline void expect_shape(const OpDesc& desc, const TensorDesc& t, const std::vector<int64_t>& expected,
                         const char* what) {
  if (t.shape != expected)
    throw_op_error(desc, std::string("expected shape ") + shape_string(expected) + " for " + what +
                             " but received " + shape_string(t.shape));
}

inline void check_inputs(const OpDesc& desc, size_t min_inputs, size_t max_inputs) {
  if (desc.inputs.size() < min_inputs || desc.inputs.size() > max_inputs)
    throw_op_error(desc, "expected " + std::to_string(min_inputs) + ".." + std::to_string(max_inputs) +
                             " inputs but received " + std::to_string(desc.inputs.size()));
  if (desc.outputs.size() != 1)
    throw_op_error(desc, "expected 1 output but received " + std::to_string(desc.outputs.size()));
}

inline int32_t optional_input(const OpDesc& desc, size_t index) {
  return index < desc.inputs.size() ? desc.inputs[index] : -1;
}

}  // namespace sparq

// Plan-time validation shared by the op factories: PlanError messages that name the op type and node.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/op.h"

namespace sparq {

inline std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "f32";
    case DType::kUInt8: return "u8";
    case DType::kInt8: return "i8";
    case DType::kInt32: return "i32";
    case DType::kInt64: return "i64";
    case DType::kBool: return "bool";
  }
  return "?";
}

[[noreturn]] inline void plan_fail(const OpDesc& desc, const std::string& problem) {
  throw PlanError(desc.type + " node '" + desc.name + "': " + problem);
}

// Checks the input/output counts; `max_inputs` < 0 means "no upper bound".
inline void expect_arity(const OpDesc& desc, int min_inputs, int max_inputs, int min_outputs, int max_outputs) {
  const int ni = static_cast<int>(desc.inputs.size()), no = static_cast<int>(desc.outputs.size());
  if (ni < min_inputs || (max_inputs >= 0 && ni > max_inputs))
    plan_fail(desc, "expected " + std::to_string(min_inputs) +
                        (max_inputs == min_inputs ? "" : max_inputs < 0 ? "+" : "-" + std::to_string(max_inputs)) +
                        " inputs but received " + std::to_string(ni));
  if (no < min_outputs || (max_outputs >= 0 && no > max_outputs))
    plan_fail(desc, "expected " + std::to_string(min_outputs) +
                        (max_outputs == min_outputs ? "" : max_outputs < 0 ? "+" : "-" + std::to_string(max_outputs)) +
                        " outputs but received " + std::to_string(no));
}

// The tensor behind input/output slot `slot`, which must be present.
inline const TensorDesc& required_tensor(const OpDesc& desc, const BuildContext& ctx, int32_t id,
                                        const char* what) {
  if (id < 0) plan_fail(desc, std::string("missing required ") + what);
  if (static_cast<size_t>(id) >= ctx.plan.tensors.size())
    plan_fail(desc, std::string(what) + " tensor id " + std::to_string(id) + " out of range");
  return ctx.plan.tensors[static_cast<size_t>(id)];
}

inline void expect_dtype(const OpDesc& desc, const TensorDesc& t, std::initializer_list<DType> allowed,
                         const char* what) {
  for (DType d : allowed)
    if (t.dtype == d) return;
  std::string names;
  for (DType d : allowed) names += (names.empty() ? "" : "/") + std::string(dtype_name(d));
  plan_fail(desc, std::string("expected ") + names + " " + what + " but received " + dtype_name(t.dtype));
}

inline void expect_same_dtype(const OpDesc& desc, const TensorDesc& a, const TensorDesc& b, const char* what) {
  if (a.dtype != b.dtype)
    plan_fail(desc, std::string("expected ") + what + " to have the same dtype but received " + dtype_name(a.dtype) +
                        " and " + dtype_name(b.dtype));
}

inline void expect_shape(const OpDesc& desc, const TensorDesc& t, const std::vector<int64_t>& expected,
                         const char* what) {
  if (t.shape != expected)
    plan_fail(desc, std::string("expected ") + what + " shape " + shape_string(expected) + " but received " +
                        shape_string(t.shape));
}

inline void expect_rank(const OpDesc& desc, const TensorDesc& t, size_t rank, const char* what) {
  if (t.shape.size() != rank)
    plan_fail(desc, std::string("expected rank-") + std::to_string(rank) + " " + what + " but received shape " +
                        shape_string(t.shape));
}

// Validates a non-negative axis attribute against `rank` (the compiler normalizes negative axes).
inline int64_t checked_axis(const OpDesc& desc, int64_t axis, size_t rank, const char* attr = "axis") {
  if (axis < 0 || axis >= static_cast<int64_t>(rank))
    plan_fail(desc, std::string("expected ") + attr + " in [0, " + std::to_string(rank) + ") but received " +
                        std::to_string(axis));
  return axis;
}

}  // namespace sparq

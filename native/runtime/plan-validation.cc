// Structural checks of a compiled plan: everything the executor relies on before an op factory runs.
#include "runtime/plan-validation.h"

#include <set>
#include <string>

namespace sparq {
namespace {

std::string tensor_name(size_t id) { return "plan.tensors[" + std::to_string(id) + "]"; }

void check_id(const PlanDesc& plan, int32_t id, bool optional, const std::string& where) {
  if (optional && id == -1) return;
  if (id < 0 || static_cast<size_t>(id) >= plan.tensors.size())
    throw PlanError("Expected a tensor id in [0, " + std::to_string(plan.tensors.size()) + ")" +
                    (optional ? " or -1" : "") + " for " + where + " but received " + std::to_string(id));
}

}  // namespace

uint64_t checked_tensor_bytes(const TensorDesc& t, size_t id) {
  uint64_t count = 1;
  // The product of the non-zero dims must fit too: ops compute strides from it even when another dim is 0
  // (shape [0, 2^62, 4] has no elements but its strides overflow int64; found by native/fuzz/plan-fuzz.cc).
  uint64_t nonzero = 1;
  for (size_t d = 0; d < t.shape.size(); ++d) {
    const int64_t dim = t.shape[d];
    if (dim < 0)
      throw PlanError("Expected a non-negative dimension for " + tensor_name(id) + ".shape[" + std::to_string(d) +
                      "] but received " + std::to_string(dim));
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(dim), &count) ||
        (dim != 0 && __builtin_mul_overflow(nonzero, static_cast<uint64_t>(dim), &nonzero)) ||
        nonzero > static_cast<uint64_t>(INT64_MAX) / 8)
      throw PlanError("Expected a shape whose size fits in memory for " + tensor_name(id) + ".shape");
  }
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(count, static_cast<uint64_t>(dtype_size(t.dtype)), &bytes) ||
      count > static_cast<uint64_t>(INT64_MAX))
    throw PlanError("Expected a shape whose size fits in memory for " + tensor_name(id) + ".shape");
  return bytes;
}

void validate_plan(const PlanDesc& plan) {
  if (plan.threads < 1 || plan.threads > kMaxThreads)
    throw PlanError("Expected a thread count in [1, " + std::to_string(kMaxThreads) + "] for plan.threads but received " +
                    std::to_string(plan.threads));

  for (size_t id = 0; id < plan.tensors.size(); ++id) {
    const TensorDesc& t = plan.tensors[id];
    if (!dtype_valid(static_cast<int32_t>(t.dtype)))
      throw PlanError("Expected a dtype code (1, 2, 3, 6, 7, 9) for " + tensor_name(id) + ".dtype but received " +
                      std::to_string(static_cast<int32_t>(t.dtype)));
    const int32_t kind = static_cast<int32_t>(t.kind);
    if (kind < 0 || kind > 3)
      throw PlanError("Expected a tensor kind (0 arena, 1 constant, 2 input, 3 output) for " + tensor_name(id) +
                      ".kind but received " + std::to_string(kind));
    const uint64_t bytes = checked_tensor_bytes(t, id);
    if (t.kind == TensorKind::kConstant) {
      if (t.data.size() != bytes)
        throw PlanError("Expected " + std::to_string(bytes) + " bytes of data for constant " + tensor_name(id) +
                        " but received " + std::to_string(t.data.size()));
      continue;
    }
    if (!t.data.empty())
      throw PlanError("Expected no data for non-constant " + tensor_name(id) + " but received " +
                      std::to_string(t.data.size()) + " bytes");
    if (t.offset % kArenaAlignment != 0)
      throw PlanError("Expected a 64-byte aligned arena offset for " + tensor_name(id) + ".offset but received " +
                      std::to_string(t.offset));
    uint64_t end = 0;
    if (__builtin_add_overflow(t.offset, bytes, &end) || end > plan.arena_bytes)
      throw PlanError("Expected " + tensor_name(id) + " (" + std::to_string(bytes) + " bytes at offset " +
                      std::to_string(t.offset) + ") to lie inside the arena of " + std::to_string(plan.arena_bytes) +
                      " bytes");
  }

  std::set<int32_t> seen_inputs;
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const int32_t id = plan.inputs[i];
    const std::string where = "plan.inputs[" + std::to_string(i) + "]";
    check_id(plan, id, false, where);
    if (plan.tensors[static_cast<size_t>(id)].kind != TensorKind::kInput)
      throw PlanError("Expected a tensor of kind input (2) for " + where + " but tensor " + std::to_string(id) +
                      " has kind " + std::to_string(static_cast<int32_t>(plan.tensors[static_cast<size_t>(id)].kind)));
    if (!seen_inputs.insert(id).second)
      throw PlanError("Expected distinct tensors for plan.inputs but tensor " + std::to_string(id) +
                      " is listed twice");
  }
  for (size_t id = 0; id < plan.tensors.size(); ++id)
    if (plan.tensors[id].kind == TensorKind::kInput && !seen_inputs.count(static_cast<int32_t>(id)))
      throw PlanError("Expected input " + tensor_name(id) + " to be listed in plan.inputs");
  for (size_t i = 0; i < plan.outputs.size(); ++i)
    check_id(plan, plan.outputs[i], false, "plan.outputs[" + std::to_string(i) + "]");

  for (size_t k = 0; k < plan.ops.size(); ++k) {
    const OpDesc& op = plan.ops[k];
    const std::string where = "plan.ops[" + std::to_string(k) + "] (" + op.type + " '" + op.name + "')";
    for (size_t i = 0; i < op.inputs.size(); ++i)
      check_id(plan, op.inputs[i], true, where + ".inputs[" + std::to_string(i) + "]");
    for (size_t i = 0; i < op.outputs.size(); ++i) {
      check_id(plan, op.outputs[i], true, where + ".outputs[" + std::to_string(i) + "]");
      if (op.outputs[i] >= 0 && plan.tensors[static_cast<size_t>(op.outputs[i])].kind == TensorKind::kConstant)
        throw PlanError("Expected a non-constant tensor for " + where + ".outputs[" + std::to_string(i) +
                        "] but tensor " + std::to_string(op.outputs[i]) + " is a constant");
    }
  }
}

}  // namespace sparq

// Checks a PlanDesc before anything is built from it: ids, dtypes, sizes, arena placement, constants.
#pragma once
#include <cstdint>

#include "runtime/plan-desc.h"

namespace sparq {

// Throws PlanError naming the offending tensor or op. After it returns, every tensor's byte size fits in
// uint64 (tensor_bytes below is safe), every non-constant tensor lies inside the arena at a 64-byte aligned
// offset, and every op names only valid tensor ids. Op types are checked by the executor against its registry.
void validate_plan(const PlanDesc& plan);

// Byte size of a tensor, or throws PlanError when it overflows.
uint64_t checked_tensor_bytes(const TensorDesc& t, size_t id);

constexpr uint64_t kArenaAlignment = 64;
constexpr int32_t kMaxThreads = 1024;

}  // namespace sparq

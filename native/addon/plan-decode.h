// Decodes the JS plan descriptor (lib/plan/plan-desc.ts) into sparq::PlanDesc, naming the field of any malformed value.
#pragma once
#include <napi.h>

#include "runtime/plan-desc.h"

namespace sparq_addon {

// Throws a Napi::TypeError such as "Expected an array of numbers for plan.tensors[3].shape but received ...".
// Checks types and integer ranges only; the executor validates the plan's meaning.
sparq::PlanDesc decode_plan(const Napi::Value& desc);

}  // namespace sparq_addon

// Describes a JS value for the house error style `Expected <what> for <name> but received <value>` (as lib/errors.ts).
#pragma once
#include <napi.h>

#include <string>

namespace sparq_addon {

std::string describe_value(const Napi::Value& value);

// Napi::TypeError with `Expected <what> for <name> but received <describe_value(value)>`.
Napi::Error expected_type(const Napi::Env& env, const std::string& what, const std::string& name,
                          const Napi::Value& value);

}  // namespace sparq_addon

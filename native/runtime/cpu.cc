// STUB (replaced by the runtime work): reports only the scalar level.
#include "runtime/cpu.h"

#include "runtime/plan-desc.h"

namespace sparq {

const std::vector<std::string>& isa_level_names() {
  static const std::vector<std::string> names = {"scalar"};
  return names;
}
const CpuFeatures& detected_features() {
  static CpuFeatures f;
  return f;
}
std::vector<std::string> available_levels() { return {"scalar"}; }
std::string default_level() { return "scalar"; }
CpuFeatures features_for_level(const std::string& level) {
  if (level != "scalar") throw PlanError("unknown ISA level " + level);
  return CpuFeatures{};
}

}  // namespace sparq

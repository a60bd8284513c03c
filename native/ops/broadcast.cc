// Plan-time collapse of numpy broadcasting (see broadcast.h).
#include "ops/broadcast.h"

#include <stdexcept>

#include "runtime/plan-desc.h"

namespace sparq {

bool broadcasts_to(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  if (in.size() > out.size()) return false;
  const size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] != out[lead + i] && in[i] != 1) return false;
  return true;
}

bool broadcast_shape(const std::vector<int64_t>& a, const std::vector<int64_t>& b, std::vector<int64_t>& out) {
  const size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

BroadcastPlan make_broadcast_plan(const std::vector<int64_t>& out, const std::vector<std::vector<int64_t>>& ins) {
  BroadcastPlan plan;
  plan.inputs = static_cast<int>(ins.size());
  if (plan.inputs > kMaxBroadcastInputs) throw PlanError("too many broadcast inputs");
  plan.numel = 1;
  for (int64_t d : out) plan.numel *= d;

  // Per-input contiguous strides of each output dim, innermost first (0 where the input broadcasts).
  const size_t rank = out.size();
  std::vector<std::vector<int64_t>> full(ins.size(), std::vector<int64_t>(rank, 0));
  for (size_t k = 0; k < ins.size(); ++k) {
    const size_t lead = rank - ins[k].size();
    int64_t stride = 1;
    for (size_t d = rank; d-- > lead;) {
      const int64_t dim = ins[k][d - lead];
      full[k][d] = dim == 1 ? 0 : stride;
      stride *= dim;
    }
  }
  // Walk from the innermost dim outwards, merging into the current collapsed dim when possible.
  std::vector<int64_t> dims;  // innermost first while building
  std::vector<std::vector<int64_t>> strides(ins.size());
  for (size_t d = rank; d-- > 0;) {
    if (out[d] == 1) continue;
    bool merge = !dims.empty();
    for (size_t k = 0; merge && k < ins.size(); ++k)
      merge = full[k][d] == strides[k].back() * dims.back();
    if (merge) {
      dims.back() *= out[d];
    } else {
      dims.push_back(out[d]);
      for (size_t k = 0; k < ins.size(); ++k) strides[k].push_back(full[k][d]);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    for (size_t k = 0; k < ins.size(); ++k) strides[k].push_back(0);
  }
  if (dims.size() > static_cast<size_t>(kMaxBroadcastRank)) throw PlanError("broadcast rank too large");
  plan.dims.assign(dims.rbegin(), dims.rend());
  for (size_t k = 0; k < ins.size(); ++k) plan.strides[k].assign(strides[k].rbegin(), strides[k].rend());
  return plan;
}

}  // namespace sparq

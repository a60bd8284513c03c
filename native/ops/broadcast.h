// Numpy broadcasting collapsed at plan time into a few dims with per-input strides, walked in contiguous runs.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace sparq {

constexpr int kMaxBroadcastInputs = 3;
constexpr int kMaxBroadcastRank = 16;

// Output dims after dropping size-1 dims and merging neighbours that every input walks the same way.
// strides[k][d] is input k's element stride along collapsed dim d (0 = broadcast). There is always at
// least one dim (a scalar output is one dim of size 1), so the innermost dim is dims.back().
struct BroadcastPlan {
  int inputs = 0;
  std::vector<int64_t> dims;
  std::vector<int64_t> strides[kMaxBroadcastInputs];
  int64_t numel = 0;
};

// True when `in` broadcasts to `out` numpy-style (right-aligned, each dim equal or 1, rank <= out rank).
bool broadcasts_to(const std::vector<int64_t>& in, const std::vector<int64_t>& out);

// numpy broadcast of two shapes; false when they are incompatible.
bool broadcast_shape(const std::vector<int64_t>& a, const std::vector<int64_t>& b, std::vector<int64_t>& out);

// Requires broadcasts_to(ins[k], out) for every k (callers validate first) and at most kMaxBroadcastInputs.
BroadcastPlan make_broadcast_plan(const std::vector<int64_t>& out, const std::vector<std::vector<int64_t>>& ins);

// Calls fn(offsets, out_offset, count) for every maximal contiguous run of the output within [begin, end):
// offsets[k] is input k's element offset at the run start; input k advances by plan.strides[k].back()
// (0 or 1) per element inside the run.
template <int N, typename Fn>
inline void for_each_broadcast_run(const BroadcastPlan& plan, int64_t begin, int64_t end, Fn&& fn) {
  const int rank = static_cast<int>(plan.dims.size());
  const int64_t* dims = plan.dims.data();
  int64_t index[kMaxBroadcastRank];
  int64_t offset[N];
  int64_t rest = begin;
  for (int k = 0; k < N; ++k) offset[k] = 0;
  for (int d = rank - 1; d >= 0; --d) {
    index[d] = rest % dims[d];
    rest /= dims[d];
    for (int k = 0; k < N; ++k) offset[k] += index[d] * plan.strides[k][d];
  }
  const int inner = rank - 1;
  int64_t pos = begin;
  while (pos < end) {
    const int64_t count = std::min(dims[inner] - index[inner], end - pos);
    fn(static_cast<const int64_t*>(offset), pos, count);
    pos += count;
    if (pos >= end) break;
    // Advance the odometer past the run: the inner dim wraps to 0, carrying into outer dims.
    for (int k = 0; k < N; ++k) offset[k] += count * plan.strides[k][inner];
    index[inner] += count;
    for (int d = inner; d > 0 && index[d] == dims[d]; --d) {
      for (int k = 0; k < N; ++k) offset[k] += plan.strides[k][d - 1] - dims[d] * plan.strides[k][d];
      index[d] = 0;
      ++index[d - 1];
    }
  }
}

}  // namespace sparq

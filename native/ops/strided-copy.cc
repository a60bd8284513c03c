// Strided gather into a contiguous output: memcpy for unit-stride runs, typed loads otherwise.
#include "ops/strided-copy.h"

#include <cstring>

#include "ops/parallel-elements.h"
#include "runtime/plan-desc.h"

namespace sparq {

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * shape[d];
  return s;
}

StridedCopyPlan make_strided_copy(const std::vector<int64_t>& out_shape, const std::vector<int64_t>& in_strides,
                                  int64_t in_offset, size_t element_bytes) {
  StridedCopyPlan plan;
  plan.element_bytes = element_bytes;
  plan.in_offset = in_offset;
  BroadcastPlan& w = plan.walk;
  w.inputs = 1;
  w.numel = 1;
  for (int64_t d : out_shape) w.numel *= d;
  std::vector<int64_t> dims, strides;  // innermost first while building
  for (size_t d = out_shape.size(); d-- > 0;) {
    if (out_shape[d] == 1) continue;
    if (!dims.empty() && in_strides[d] == strides.back() * dims.back()) {
      dims.back() *= out_shape[d];
    } else {
      dims.push_back(out_shape[d]);
      strides.push_back(in_strides[d]);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    strides.push_back(1);
  }
  if (dims.size() > static_cast<size_t>(kMaxBroadcastRank)) throw PlanError("strided copy rank too large");
  w.dims.assign(dims.rbegin(), dims.rend());
  w.strides[0].assign(strides.rbegin(), strides.rend());
  return plan;
}

namespace {

template <typename T>
void copy_runs(const StridedCopyPlan& plan, const T* src, T* dst, int64_t begin, int64_t end) {
  const int64_t inner = plan.walk.strides[0].back();
  for_each_broadcast_run<1>(plan.walk, begin, end, [&](const int64_t* off, int64_t pos, int64_t n) {
    const T* s = src + off[0];
    T* d = dst + pos;
    if (inner == 1) {
      std::memcpy(d, s, static_cast<size_t>(n) * sizeof(T));
    } else if (inner == 0) {
      const T v = *s;
      for (int64_t i = 0; i < n; ++i) d[i] = v;
    } else {
      for (int64_t i = 0; i < n; ++i) d[i] = s[i * inner];
    }
  });
}


}  // namespace

void run_strided_copy(const StridedCopyPlan& plan, const void* src, void* dst, ThreadPool* pool) {
  const size_t n = static_cast<size_t>(plan.walk.numel);
  const size_t eb = plan.element_bytes;
  const uint8_t* base = static_cast<const uint8_t*>(src) + plan.in_offset * static_cast<int64_t>(eb);
  for_element_chunks(pool, n, [&](size_t begin, size_t end) {
    const int64_t b = static_cast<int64_t>(begin), e = static_cast<int64_t>(end);
    switch (eb) {
      case 1: copy_runs(plan, reinterpret_cast<const uint8_t*>(base), static_cast<uint8_t*>(dst), b, e); break;
      case 2: copy_runs(plan, reinterpret_cast<const uint16_t*>(base), static_cast<uint16_t*>(dst), b, e); break;
      case 4: copy_runs(plan, reinterpret_cast<const uint32_t*>(base), static_cast<uint32_t*>(dst), b, e); break;
      case 8: copy_runs(plan, reinterpret_cast<const uint64_t*>(base), static_cast<uint64_t*>(dst), b, e); break;
      default: break;  // every dtype is 1, 4 or 8 bytes (runtime/dtype.h)
    }
  });
}

}  // namespace sparq

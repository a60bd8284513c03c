// Copies a strided view of a tensor into a contiguous output: the engine behind Transpose, Slice and Expand.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ops/broadcast.h"
#include "runtime/thread-pool.h"

namespace sparq {

// walk.strides[0] holds the (signed) input element stride per collapsed output dim.
struct StridedCopyPlan {
  size_t element_bytes = 0;
  int64_t in_offset = 0;  // input element offset of output element 0
  BroadcastPlan walk;
};

// out_shape: the output's shape; in_strides: input element stride for each output dim (0 repeats,
// negative walks backwards); in_offset: input element offset of output index 0.
StridedCopyPlan make_strided_copy(const std::vector<int64_t>& out_shape, const std::vector<int64_t>& in_strides,
                                  int64_t in_offset, size_t element_bytes);

void run_strided_copy(const StridedCopyPlan& plan, const void* src, void* dst, ThreadPool* pool);

// Row-major element strides of `shape`.
std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape);

}  // namespace sparq

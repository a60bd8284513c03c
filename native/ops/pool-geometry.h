// The window attributes MaxPool / AveragePool and their int8 forms share, read and validated once.
#pragma once
#include <algorithm>
#include <cstdint>

#include "runtime/plan-desc.h"

namespace sparq {

struct PoolGeometry {
  int64_t n, h, w, c, oh, ow;
  int64_t kh, kw, sh, sw, dh, dw;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
};

// X and Y are NHWC (rank checked here, dtypes by the caller). Reads kernel_shape, strides, dilations, pads
// [top, left, bottom, right] and checks Y's size is the floor or ceil_mode size; throws PlanError naming the node.
PoolGeometry read_pool_geometry(const OpDesc& desc, const TensorDesc& x, const TensorDesc& y);

// X and Y of a pool (window or global) are rank-4 NHWC tensors of `dtype`; throws PlanError naming the node.
void expect_pool_tensors(const OpDesc& desc, const TensorDesc& x, const TensorDesc& y, DType dtype);

// Taps [begin, end) of a window starting at input coordinate `start` (may be negative) that land inside [0, size).
struct PoolTaps {
  int64_t begin, end;
};
inline PoolTaps pool_taps(int64_t start, int64_t size, int64_t kernel, int64_t dilation) {
  const int64_t begin = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  const int64_t end = std::min(kernel, start < size ? (size - start + dilation - 1) / dilation : int64_t{0});
  return {begin, std::max(begin, end)};
}

// Taps of the same window inside the padded extent [-pad_before, size + pad_after): count_include_pad's count.
inline int64_t pool_padded_taps(int64_t start, int64_t size, int64_t kernel, int64_t dilation, int64_t pad_before,
                                int64_t pad_after) {
  int64_t count = 0;
  for (int64_t k = 0; k < kernel; ++k) {
    const int64_t i = start + k * dilation;
    count += i >= -pad_before && i < size + pad_after;
  }
  return count;
}

}  // namespace sparq

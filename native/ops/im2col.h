// NHWC convolution geometry and the im2col row source that feeds the fp32 GEMM block by block.
#pragma once
#include <cstddef>

#include "ops/f32-gemm-driver.h"

namespace sparq {

struct ConvGeometry {
  size_t batch = 1, in_h = 0, in_w = 0, in_c = 0;
  size_t out_h = 0, out_w = 0, out_c = 0;
  size_t group = 1;
  size_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;

  size_t group_in() const { return in_c / group; }
  size_t group_out() const { return out_c / group; }
  size_t taps() const { return kernel_h * kernel_w; }
};

// Row m of A is output pixel m (batch folded in) with K = kernel_h x kernel_w x group_in values ordered
// (ki, kj, c); padding reads as zero. rows() copies an mc x kc block into a per-thread buffer.
class F32Im2colRows : public F32GemmRows {
 public:
  F32Im2colRows(const ConvGeometry& g, const float* x, size_t channel_offset)
      : g_(g), x_(x), channel_offset_(channel_offset) {}
  const float* rows(size_t m0, size_t mc, size_t k0, size_t kc, size_t* stride) override;

 private:
  const ConvGeometry& g_;
  const float* x_;
  size_t channel_offset_;
};

}  // namespace sparq

// Plain reference of the f32-dconv microkernel contract (pixel pointers + tap offsets): the oracle its tests use.
#pragma once
#include <cstddef>

namespace sparq {

// c[i * c_stride + n] = clamp(bias[n] + residual[i * residual_stride + n] +
//   sum_t sum_ch a[i][tap_offsets[t] + ch] * w[(t * channels + ch) * n_total + n]), accumulated in double;
// w is K x N row-major (unpacked); bias / residual may be nullptr; clamp only when `clamp`.
void f32_dconv_reference(size_t mr, size_t n_total, size_t channels, size_t taps, const float* const* a,
                         const size_t* tap_offsets, const float* w, const float* bias, const float* residual,
                         size_t residual_stride, bool clamp, float min, float max, float* c, size_t c_stride);

}  // namespace sparq

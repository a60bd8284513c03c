// Plain reference of the f32-conv-fewc microkernel contract (rows of adjacent pixels + tap offsets): the oracle its
// tests use.
#pragma once
#include <cstddef>

namespace sparq {

// output[r * output_row_stride + p * output_stride + n] = clamp(bias[n] + residual[same index]
//   + sum_t input[r * input_row_stride + tap_offsets[t] + p] * w[t * channels + n]), accumulated in double;
// w is taps x channels row-major (unpacked); bias / residual may be nullptr; clamp only when `clamp`.
void f32_conv_fewc_reference(const float* input, size_t input_row_stride, const size_t* tap_offsets, size_t taps,
                             size_t rows, size_t pixels, const float* w, const float* bias, const float* residual,
                             float* output, size_t output_stride, size_t output_row_stride, size_t channels, bool clamp,
                             float min, float max);

}  // namespace sparq

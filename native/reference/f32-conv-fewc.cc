// Plain reference of the f32-conv-fewc microkernel contract, in double.
#include "reference/f32-conv-fewc.h"

#include <algorithm>

namespace sparq {

void f32_conv_fewc_reference(const float* input, size_t input_row_stride, const size_t* tap_offsets, size_t taps,
                             size_t rows, size_t pixels, const float* w, const float* bias, const float* residual,
                             float* output, size_t output_stride, size_t output_row_stride, size_t channels, bool clamp,
                             float min, float max) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t p = 0; p < pixels; ++p) {
      const size_t at = r * output_row_stride + p * output_stride;
      for (size_t n = 0; n < channels; ++n) {
        double acc = bias ? bias[n] : 0.0;
        if (residual) acc += residual[at + n];
        for (size_t t = 0; t < taps; ++t)
          acc += static_cast<double>(input[r * input_row_stride + tap_offsets[t] + p]) * w[t * channels + n];
        float y = static_cast<float>(acc);
        if (clamp) y = std::min(std::max(y, min), max);
        output[at + n] = y;
      }
    }
  }
}

}  // namespace sparq

// Plain reference of the f32-dconv microkernel contract, in double.
#include "reference/f32-dconv.h"

#include <algorithm>

namespace sparq {

void f32_dconv_reference(size_t mr, size_t n_total, size_t channels, size_t taps, const float* const* a,
                         const size_t* tap_offsets, const float* w, const float* bias, const float* residual,
                         size_t residual_stride, bool clamp, float min, float max, float* c, size_t c_stride) {
  for (size_t i = 0; i < mr; ++i) {
    for (size_t n = 0; n < n_total; ++n) {
      double acc = bias ? bias[n] : 0.0;
      if (residual) acc += residual[i * residual_stride + n];
      for (size_t t = 0; t < taps; ++t)
        for (size_t ch = 0; ch < channels; ++ch)
          acc += static_cast<double>(a[i][tap_offsets[t] + ch]) * w[(t * channels + ch) * n_total + n];
      float y = static_cast<float>(acc);
      if (clamp) y = std::min(std::max(y, min), max);
      c[i * c_stride + n] = y;
    }
  }
}

}  // namespace sparq

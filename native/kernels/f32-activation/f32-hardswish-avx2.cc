// AVX2 fp32 hard_swish: 8 floats per step, the tail through the portable formula. Only an add, min/max and two
// separate multiplies, so no fma contraction can change the rounding.
#include <immintrin.h>

#include <algorithm>

#include "kernels/f32-activation/f32-hardswish.h"

namespace sparq {

void f32_hardswish__avx2(float* y, size_t n) {
  const __m256 three = _mm256_set1_ps(3.f), six = _mm256_set1_ps(6.f), zero = _mm256_setzero_ps();
  const __m256 sixth = _mm256_set1_ps(1.f / 6.f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(y + i);
    const __m256 gate = _mm256_min_ps(six, _mm256_max_ps(zero, _mm256_add_ps(x, three)));
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(x, gate), sixth));
  }
  for (; i < n; ++i) y[i] = y[i] * std::min(std::max(y[i] + 3.f, 0.f), 6.f) * (1.f / 6.f);
}

}  // namespace sparq

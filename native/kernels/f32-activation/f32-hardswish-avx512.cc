// AVX-512 fp32 hard_swish: 16 floats per step, the last partial step masked. Only an add, min/max and two separate
// multiplies, so no fma contraction can change the rounding.
#include <immintrin.h>

#include "kernels/f32-activation/f32-hardswish.h"

namespace sparq {

void f32_hardswish__avx512(float* y, size_t n) {
  const __m512 three = _mm512_set1_ps(3.f), six = _mm512_set1_ps(6.f), zero = _mm512_setzero_ps();
  const __m512 sixth = _mm512_set1_ps(1.f / 6.f);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 mask = n - i >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 x = _mm512_maskz_loadu_ps(mask, y + i);
    // max_ps / min_ps return their second operand when either is NaN or both are equal: with v second, NaN stays
    // NaN and ties pick v, exactly like std::max(v, 0.f) and std::min(v, 6.f).
    const __m512 gate = _mm512_min_ps(six, _mm512_max_ps(zero, _mm512_add_ps(x, three)));
    _mm512_mask_storeu_ps(y + i, mask, _mm512_mul_ps(_mm512_mul_ps(x, gate), sixth));
  }
}

}  // namespace sparq

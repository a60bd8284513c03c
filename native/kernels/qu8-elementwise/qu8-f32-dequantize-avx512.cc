// AVX-512 DequantizeLinear u8 -> f32, 16 values per step (masked tail): widen, subtract, convert, one multiply.
#include <immintrin.h>
// GCC 12's own AVX-512 headers trip -Wmaybe-uninitialized (their _mm512_undefined_* placeholders).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {

void qu8_f32_dequantize_ukernel__avx512(size_t n, const uint8_t* x, const DequantizeParams& p, float* y) {
  const __m512 scale = _mm512_set1_ps(p.scale);
  const __m512i zero_point = _mm512_set1_epi32(p.zero_point);
  for (size_t i = 0; i < n; i += 16) {
    const size_t rest = n - i;
    const __mmask16 mask = rest >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << rest) - 1);
    const __m512i v = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask, x + i));
    _mm512_mask_storeu_ps(y + i, mask, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, zero_point)), scale));
  }
}

}  // namespace sparq

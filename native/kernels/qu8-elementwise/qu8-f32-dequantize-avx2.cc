// AVX2 DequantizeLinear u8 -> f32, 32 values per step: widen, subtract the zero point, convert, one multiply.
#include <immintrin.h>

#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {

void qu8_f32_dequantize_ukernel__avx2(size_t n, const uint8_t* x, const DequantizeParams& p, float* y) {
  const __m256 scale = _mm256_set1_ps(p.scale);
  const __m256i zero_point = _mm256_set1_epi32(p.zero_point);
  auto dequantize8 = [&](const uint8_t* in, float* out) {
    const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(in)));
    _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, zero_point)), scale));
  };
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    dequantize8(x + i, y + i);
    dequantize8(x + i + 8, y + i + 8);
    dequantize8(x + i + 16, y + i + 16);
    dequantize8(x + i + 24, y + i + 24);
  }
  for (; i + 8 <= n; i += 8) dequantize8(x + i, y + i);
  for (; i < n; ++i) y[i] = static_cast<float>(static_cast<int32_t>(x[i]) - p.zero_point) * p.scale;
}

}  // namespace sparq

// AVX2 QMul u8 x u8 -> u8, 8 values per step: dequantize both, multiply, divide, requantize (scalar tail).
#include <immintrin.h>

#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

// float(q - zero_point) * scale: DequantizeLinear's value (it only feeds a multiply, so no fma can form).
inline __m256 real8(const uint8_t* q, __m256i zero_point, __m256 scale) {
  const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q)));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, zero_point)), scale);
}

template <bool kBroadcastB>
void mul(size_t n, const uint8_t* a, const uint8_t* b, const QMulParams& p, uint8_t* y) {
  const __m256i a_zp = _mm256_set1_epi32(p.a_zero_point), b_zp = _mm256_set1_epi32(p.b_zero_point);
  const __m256 a_scale = _mm256_set1_ps(p.a_scale), b_scale = _mm256_set1_ps(p.b_scale);
  const __m256 y_scale = _mm256_set1_ps(p.y_scale), lo = _mm256_set1_ps(p.lo), hi = _mm256_set1_ps(p.hi);
  const __m256i y_zp = _mm256_set1_epi32(p.y_zero_point);
  uint8_t b_splat[8];
  for (int k = 0; k < 8; ++k) b_splat[k] = b[0];
  const __m256 rb_splat = real8(b_splat, b_zp, b_scale);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 rb = kBroadcastB ? rb_splat : real8(b + i, b_zp, b_scale);
    __m256 v = _mm256_div_ps(_mm256_mul_ps(real8(a + i, a_zp, a_scale), rb), y_scale);
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));  // NaN -> 0
    v = _mm256_min_ps(hi, _mm256_max_ps(lo, v));
    const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), y_zp);  // 0..255
    const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), _mm_packus_epi16(q16, q16));
  }
  if (i < n) qu8_mul__reference(n - i, a + i, kBroadcastB ? b : b + i, kBroadcastB ? 0 : 1, p, y + i);
}

}  // namespace

void qu8_mul_ukernel__avx2(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                           uint8_t* y) {
  if (b_stride == 0) mul<true>(n, a, b, p, y);
  else mul<false>(n, a, b, p, y);
}

}  // namespace sparq

// The AVX2 pieces QAdd and QMul share, 8 values at a time: dequantize (each product rounded on its own) and
// requantize to u8. Included only by the -avx2 kernel files.
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace sparq {
namespace qu8_binary_avx2 {

// float(q - zero_point) * scale, DequantizeLinear's value. The empty asm keeps the product out of an fma (these
// files are built with -mfma), like unfused_product().
inline __m256 real8(const uint8_t* q, __m256i zero_point, __m256 scale) {
  const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q)));
  __m256 r = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, zero_point)), scale);
  __asm__("" : "+x"(r));
  return r;
}

// QuantizeLinear of a real value to 8 u8 bytes; Params: QAddParams or QMulParams (y_scale, y_zero_point, lo, hi).
struct Requantize8 {
  __m256 y_scale, lo, hi;
  __m256i y_zp;
  template <typename Params>
  explicit Requantize8(const Params& p)
      : y_scale(_mm256_set1_ps(p.y_scale)), lo(_mm256_set1_ps(p.lo)), hi(_mm256_set1_ps(p.hi)),
        y_zp(_mm256_set1_epi32(p.y_zero_point)) {}

  // Divide, NaN -> 0 (only when kMayBeNaN), clamp, round to nearest even, + zero point.
  template <bool kMayBeNaN>
  void store(__m256 value, uint8_t* y) const {
    __m256 v = _mm256_div_ps(value, y_scale);
    if (kMayBeNaN) v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
    v = _mm256_min_ps(hi, _mm256_max_ps(lo, v));
    const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), y_zp);  // 0..255
    const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y), _mm_packus_epi16(q16, q16));
  }
};

}  // namespace qu8_binary_avx2
}  // namespace sparq

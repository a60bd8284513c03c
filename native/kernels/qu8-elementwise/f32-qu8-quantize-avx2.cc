// AVX2 QuantizeLinear f32 -> u8/i8, 32 values per step: divide, NaN -> 0, clamp, cvtps2dq (ties to even), + zero point.
#include <immintrin.h>

#include <cstring>

#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {
namespace {

inline __m256i quantize8(__m256 x, __m256 scale, __m256 lo, __m256 hi, __m256i zero_point) {
  __m256 v = _mm256_div_ps(x, scale);
  v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
  v = _mm256_min_ps(hi, _mm256_max_ps(lo, v));
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), zero_point);
}

}  // namespace

void f32_qu8_quantize_ukernel__avx2(size_t n, const float* x, const QuantizeParams& p, uint8_t* y) {
  const __m256 scale = _mm256_set1_ps(p.scale), lo = _mm256_set1_ps(p.lo), hi = _mm256_set1_ps(p.hi);
  const __m256i zero_point = _mm256_set1_epi32(p.zero_point);
  const __m256i low_byte = _mm256_set1_epi16(0xFF);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  auto quantize32 = [&](const float* in, uint8_t* out) {
    const __m256i q0 = quantize8(_mm256_loadu_ps(in), scale, lo, hi, zero_point);
    const __m256i q1 = quantize8(_mm256_loadu_ps(in + 8), scale, lo, hi, zero_point);
    const __m256i q2 = quantize8(_mm256_loadu_ps(in + 16), scale, lo, hi, zero_point);
    const __m256i q3 = quantize8(_mm256_loadu_ps(in + 24), scale, lo, hi, zero_point);
    // Values are in -128..255: s16 packing is exact; keeping the low byte then gives u8 or two's-complement i8.
    const __m256i s01 = _mm256_and_si256(_mm256_packs_epi32(q0, q1), low_byte);
    const __m256i s23 = _mm256_and_si256(_mm256_packs_epi32(q2, q3), low_byte);
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(s01, s23), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), bytes);
  };
  size_t i = 0;
  for (; i + 32 <= n; i += 32) quantize32(x + i, y + i);
  // The tail goes through the same vector steps on a padded copy: no scalar code of this file's ISA is shared
  // (an inline helper compiled here could be picked by the linker for portable callers on a CPU without AVX).
  if (i < n) {
    float in[32] = {0};
    uint8_t out[32];
    std::memcpy(in, x + i, (n - i) * sizeof(float));
    quantize32(in, out);
    std::memcpy(y + i, out, n - i);
  }
}

}  // namespace sparq

// AVX-512 QMul u8 x u8 -> u8, 16 values per step (masked tail): dequantize both, multiply, divide, requantize.
#include <immintrin.h>
// GCC 12's own AVX-512 headers trip -Wmaybe-uninitialized (their _mm512_undefined_* placeholders).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/qu8-elementwise/qu8-elementwise.h"
#include "kernels/store-u8-avx512.h"

namespace sparq {
namespace {

// float(q - zero_point) * scale: DequantizeLinear's value. Products only feed a multiply here, never an add, so no
// fma can form and no barrier is needed.
inline __m512 real16(__m128i q, __m512i zero_point, __m512 scale) {
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(q), zero_point)), scale);
}

template <bool kBroadcastB>
void mul(size_t n, const uint8_t* a, const uint8_t* b, const QMulParams& p, uint8_t* y) {
  const __m512i a_zp = _mm512_set1_epi32(p.a_zero_point), b_zp = _mm512_set1_epi32(p.b_zero_point);
  const __m512 a_scale = _mm512_set1_ps(p.a_scale), b_scale = _mm512_set1_ps(p.b_scale);
  const __m512 y_scale = _mm512_set1_ps(p.y_scale), lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  const __m512i y_zp = _mm512_set1_epi32(p.y_zero_point);
  const __m512 rb_splat = real16(_mm_set1_epi8(static_cast<char>(b[0])), b_zp, b_scale);
  for (size_t i = 0; i < n; i += 16) {
    const size_t rest = n - i;
    const __mmask16 mask = rest >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << rest) - 1);
    const __m512 rb = kBroadcastB ? rb_splat : real16(_mm_maskz_loadu_epi8(mask, b + i), b_zp, b_scale);
    const __m512 product = _mm512_mul_ps(real16(_mm_maskz_loadu_epi8(mask, a + i), a_zp, a_scale), rb);
    __m512 v = _mm512_div_ps(product, y_scale);
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);  // NaN -> 0
    v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
    store_u8x16(y + i, mask, _mm512_add_epi32(_mm512_cvtps_epi32(v), y_zp));
  }
}

}  // namespace

void qu8_mul_ukernel__avx512(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                             uint8_t* y) {
  if (b_stride == 0) mul<true>(n, a, b, p, y);
  else mul<false>(n, a, b, p, y);
}

}  // namespace sparq

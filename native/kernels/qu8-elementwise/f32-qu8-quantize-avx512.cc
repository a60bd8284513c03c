// AVX-512 QuantizeLinear f32 -> u8/i8, 16 values per step (masked tail): the steps of the AVX2 kernel, vpmovdb store.
#include <immintrin.h>
// GCC 12's own AVX-512 headers trip -Wmaybe-uninitialized (their _mm512_undefined_* placeholders).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/qu8-elementwise/qu8-elementwise.h"
#include "kernels/store-u8-avx512.h"

namespace sparq {

void f32_qu8_quantize_ukernel__avx512(size_t n, const float* x, const QuantizeParams& p, uint8_t* y) {
  const __m512 scale = _mm512_set1_ps(p.scale), lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  const __m512i zero_point = _mm512_set1_epi32(p.zero_point);
  for (size_t i = 0; i < n; i += 16) {
    const size_t rest = n - i;
    const __mmask16 mask = rest >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << rest) - 1);
    __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(mask, x + i), scale);
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);  // NaN -> 0
    v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), zero_point);
    store_u8x16(y + i, mask, q);  // truncating: the low byte, u8 or two's-complement i8
  }
}

}  // namespace sparq

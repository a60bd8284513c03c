// AVX-512 VBMI QLookup, 64 bytes per step (masked tail): two 128-entry vpermi2b lookups, the index's top bit picks one.
#include <immintrin.h>

#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {

void qu8_lookup_ukernel__avx512vbmi(size_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  for (size_t i = 0; i < n; i += 64) {
    const size_t rest = n - i;
    const __mmask64 mask = rest >= 64 ? ~__mmask64(0) : (__mmask64(1) << rest) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(mask, x + i);
    // vpermi2b reads the low 7 bits of each index: bit 6 picks the first or second table half.
    const __m512i low = _mm512_permutex2var_epi8(t0, v, t1);
    const __m512i high = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_mask_storeu_epi8(y + i, mask, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high));
  }
}

}  // namespace sparq

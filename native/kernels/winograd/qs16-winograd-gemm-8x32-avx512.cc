// AVX-512BW 8x32 int16-pair GEMM microkernel for the int8 Winograd products: vpmaddwd + vpaddd (wrapping).
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "kernels/winograd/winograd-f23.h"

namespace sparq {

void qs16_winograd_gemm_ukernel_8x32__avx512(size_t rows, size_t k, const int16_t* a, size_t lda,
                                                 const int16_t* b, int32_t* c, size_t ldc) {
  const int16_t* ar[8];
  for (size_t r = 0; r < 8; ++r) ar[r] = a + (r < rows ? r : rows - 1) * lda;
  __m512i acc[8][2];
#pragma GCC unroll 8
  for (int r = 0; r < 8; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
  for (size_t kk = 0; kk < k; kk += 2) {
    const __m512i b0 = _mm512_load_si512(b + kk * 32), b1 = _mm512_load_si512(b + kk * 32 + 32);
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      int32_t pair;
      std::memcpy(&pair, ar[r] + kk, 4);
      const __m512i av = _mm512_set1_epi32(pair);
      acc[r][0] = _mm512_add_epi32(acc[r][0], _mm512_madd_epi16(av, b0));
      acc[r][1] = _mm512_add_epi32(acc[r][1], _mm512_madd_epi16(av, b1));
    }
  }
#pragma GCC unroll 8
  for (size_t r = 0; r < 8; ++r) {
    if (r >= rows) break;
    _mm512_storeu_si512(c + r * ldc, acc[r][0]);
    _mm512_storeu_si512(c + r * ldc + 16, acc[r][1]);
  }
}

}  // namespace sparq
#endif

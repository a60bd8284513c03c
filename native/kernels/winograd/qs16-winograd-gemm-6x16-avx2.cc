// AVX2 6x16 int16-pair GEMM microkernel for the int8 Winograd products: vpmaddwd + vpaddd (wrapping).
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "kernels/winograd/winograd-f23.h"

namespace sparq {

void qs16_winograd_gemm_ukernel_6x16__avx2(size_t rows, size_t k, const int16_t* a, size_t lda, const int16_t* b,
                                           int32_t* c, size_t ldc) {
  const int16_t* ar[6];
  for (size_t r = 0; r < 6; ++r) ar[r] = a + (r < rows ? r : rows - 1) * lda;
  __m256i acc[6][2];
#pragma GCC unroll 8
  for (int r = 0; r < 6; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (size_t kk = 0; kk < k; kk += 2) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + kk * 16));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + kk * 16 + 16));
#pragma GCC unroll 8
    for (int r = 0; r < 6; ++r) {
      int32_t pair;
      std::memcpy(&pair, ar[r] + kk, 4);
      const __m256i av = _mm256_set1_epi32(pair);
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, b0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, b1));
    }
  }
#pragma GCC unroll 8
  for (size_t r = 0; r < 6; ++r) {
    if (r >= rows) break;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc + 8), acc[r][1]);
  }
}

}  // namespace sparq
#endif

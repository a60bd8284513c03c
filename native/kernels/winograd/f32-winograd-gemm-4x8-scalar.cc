// Portable 4x8 fp32 GEMM microkernel for the Winograd batched products: C = A * B panel (no accumulation into C).
#include "kernels/winograd/winograd-f23.h"

namespace sparq {

void f32_winograd_gemm_ukernel_4x8__scalar(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                           float* c, size_t ldc) {
  float acc[4][8] = {};
  const float* ar[4];
  #pragma GCC unroll 8
  for (size_t r = 0; r < 4; ++r) ar[r] = a + (r < rows ? r : rows - 1) * lda;
  for (size_t kk = 0; kk < k; ++kk) {
    const float* bk = b + kk * 8;
    #pragma GCC unroll 8
    for (size_t r = 0; r < 4; ++r) {
      const float av = ar[r][kk];
      #pragma GCC unroll 8
      for (size_t j = 0; j < 8; ++j) acc[r][j] += av * bk[j];
    }
  }
  #pragma GCC unroll 8
  for (size_t r = 0; r < 4; ++r) {
    if (r >= rows) break;
    #pragma GCC unroll 8
    for (size_t j = 0; j < 8; ++j) c[r * ldc + j] = acc[r][j];
  }
}

}  // namespace sparq

// Portable 4x8 int16-pair GEMM microkernel for the int8 Winograd products: s32 sums wrapping modulo 2^32.
#include "kernels/winograd/winograd-f23.h"

namespace sparq {

void qs16_winograd_gemm_ukernel_4x8__scalar(size_t rows, size_t k, const int16_t* a, size_t lda, const int16_t* b,
                                            int32_t* c, size_t ldc) {
  uint32_t acc[4][8] = {};
  const int16_t* ar[4];
  for (size_t r = 0; r < 4; ++r) ar[r] = a + (r < rows ? r : rows - 1) * lda;
  for (size_t kk = 0; kk < k; kk += 2) {
    const int16_t* bk = b + kk * 8;  // [8 columns][2]
    for (size_t r = 0; r < 4; ++r) {
      const int32_t a0 = ar[r][kk], a1 = ar[r][kk + 1];
      for (size_t j = 0; j < 8; ++j)
        acc[r][j] += static_cast<uint32_t>(a0 * bk[2 * j] + a1 * bk[2 * j + 1]);
    }
  }
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < 8; ++j) c[r * ldc + j] = static_cast<int32_t>(acc[r][j]);
}

}  // namespace sparq

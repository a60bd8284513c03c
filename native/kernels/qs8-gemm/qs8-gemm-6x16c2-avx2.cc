// AVX2 int8 GEMM microkernel, 6 rows x 16 columns, u16 activations x s16 weights packed c2 (vpmaddwd, exact).
#include "kernels/qs8-gemm/qs8-gemm-c2-avx2.h"
#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {

void qs8_gemm_ukernel_6x16c2__avx2(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                    int32_t* acc) {
  qs8_gemm_c2_avx2<6, 2>(mr, k, a, a_stride, packed_w, acc);
}

}  // namespace sparq

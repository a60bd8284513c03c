// NEON i8mm int8 GEMM microkernel, 4 rows x 16 columns, weights packed c4 (sudot).
#include "kernels/qs8-gemm/qs8-gemm-c4-neondot.h"
#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {

void qs8_gemm_ukernel_4x16c4__neoni8mm(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                      int32_t* acc) {
  qs8_gemm_c4_dot<true, 4>(mr, k, a, a_stride, packed_w, acc);
}

}  // namespace sparq

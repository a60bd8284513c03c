// Portable int8 GEMM microkernel, 4 rows x 8 columns, weights packed c4: the fallback when no SIMD level is usable.
#include "kernels/qs8-gemm/qs8-gemm-c4-scalar.h"
#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {

void qs8_gemm_ukernel_4x8c4__scalar(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                    int32_t* acc) {
  qs8_gemm_c4_scalar<4, 8>(mr, k, a, a_stride, packed_w, acc);
}

}  // namespace sparq

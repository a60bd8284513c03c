// NEON int8 GEMM microkernel, 1 row x 16 columns, weights packed c1 (widening smlal by lane).
#include "kernels/qs8-gemm/qs8-gemm-mlal-neon.h"
#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {

void qs8_gemm_ukernel_1x16__neon(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                  int32_t* acc) {
  qs8_gemm_mlal_neon<1>(mr, k, a, a_stride, packed_w, acc);
}

}  // namespace sparq

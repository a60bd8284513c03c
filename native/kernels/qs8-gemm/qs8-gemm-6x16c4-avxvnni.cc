// AVX-VNNI int8 GEMM microkernel, 6 rows x 16 columns, weights packed c4 (vpdpbusd ymm).
#include "kernels/qs8-gemm/qs8-gemm-c4-avxvnni.h"
#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {

void qs8_gemm_ukernel_6x16c4__avxvnni(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                       int32_t* acc) {
  qs8_gemm_c4_avxvnni<6, 2>(mr, k, a, a_stride, packed_w, acc);
}

}  // namespace sparq

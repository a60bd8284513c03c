// AVX-512 VNNI int8 GEMM microkernel, 14 rows x 16 columns, weights packed c4 (vpdpbusd zmm): the narrow variant
// for layers with at most 16 output columns (the 16-channel convs of small CNNs), where the 8x32 kernel would
// spend half its vpdpbusd on padding columns. One weight load feeds 14 rows.
#include "kernels/qs8-gemm/qs8-gemm-c4-avx512vnni.h"
#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {

void qs8_gemm_ukernel_14x16c4__avx512vnni(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                           int32_t* acc) {
  qs8_gemm_c4_avx512vnni<14, 1>(mr, k, a, a_stride, packed_w, acc);
}

void qs8_gemm_ukernel_1x16c4__avx512vnni(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                          int32_t* acc) {
  qs8_gemm_c4_avx512vnni<1, 1>(mr, k, a, a_stride, packed_w, acc);
}

void qs8_gemm_seg_ukernel_14x16c4__avx512vnni(size_t mr, size_t segs, size_t seg_len, size_t seg_stride,
                                              const uint8_t* const* rows, const void* packed_w, int32_t* acc) {
  qs8_gemm_c4seg_avx512vnni<14, 1>(mr, segs, seg_len, seg_stride, rows, packed_w, acc);
}

void qs8_gemm_u8_ukernel_14x16c4__avx512vnni(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                             size_t nc, const float* scale, const Qs8EpilogueParams& p,
                                             const uint8_t* residual, size_t residual_stride, uint8_t* out,
                                             size_t out_stride) {
  qs8_gemm_c4_u8_avx512vnni<14, 1>(mr, k, a, a_stride, packed_w, nc, scale, p, residual, residual_stride, out,
                                   out_stride);
}

void qs8_gemm_seg_u8_ukernel_14x16c4__avx512vnni(size_t mr, size_t segs, size_t seg_len, size_t seg_stride,
                                                 const uint8_t* const* rows, const void* packed_w, size_t nc,
                                                 const float* scale, const Qs8EpilogueParams& p,
                                                 const uint8_t* residual, size_t residual_stride, uint8_t* out,
                                                 size_t out_stride) {
  qs8_gemm_c4seg_u8_avx512vnni<14, 1>(mr, segs, seg_len, seg_stride, rows, packed_w, nc, scale, p, residual,
                                      residual_stride, out, out_stride);
}

}  // namespace sparq

// zmm operations for the few-channel direct conv body (vpdpbusd zmm). Include only from -avx512vnni.cc files.
#pragma once
#include <immintrin.h>

#include "kernels/qs8-conv-fewc/qs8-conv-fewc-body.h"
#include "kernels/qs8-gemm/qs8-gemm-c4-avx512vnni.h"

namespace sparq {
namespace {

struct FewcZmm {
  using Vec = __m512i;
  static constexpr size_t kLanes = 16;
  static Vec load(const void* p) { return _mm512_loadu_si512(p); }
  static Vec broadcast(int32_t v) { return _mm512_set1_epi32(v); }
  static Vec dot(Vec acc, Vec a, Vec w) { return _mm512_dpbusd_epi32(acc, a, w); }
  static void store(void* p, Vec v) { _mm512_storeu_si512(p, v); }
};

// The tiles requantized to u8 from their registers by the GEMM kernels' fused epilogue (c4_finish_u8).
template <size_t MR, size_t NV>
inline void qs8_conv_fewc_u8_body(const Qs8FewcRowArgs& args, const Qs8FewcU8Out& o) {
  qs8_conv_fewc_tiles<MR, NV, FewcZmm>(args, [&o](size_t p0, size_t mr, const __m512i (&vacc)[MR][NV]) {
    const uint8_t* residual = o.residual ? o.residual + p0 * o.residual_stride : nullptr;
    c4_finish_u8<MR, NV>(vacc, mr, o.nc, o.scale, *o.p, residual, o.residual_stride, o.out + p0 * o.out_stride,
                         o.out_stride);
  });
}

}  // namespace
}  // namespace sparq

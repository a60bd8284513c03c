// fp32 GEMM microkernel contract: C[mr x nc] (+)= A[mr x kc] * packed B panels, with a fused epilogue.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

// flags of one microkernel call: a K range is split into blocks, the first initialises the
// accumulators from bias (+ residual), later ones accumulate onto C, the last one clamps.
enum : uint32_t {
  kF32GemmFirstK = 1u,  // acc = bias (+ residual) instead of acc = C
  kF32GemmLastK = 2u,   // this call finishes C: apply the clamp when kF32GemmClamp is set
  kF32GemmClamp = 4u,   // clamp to [min, max] on the last K block (relu, clip)
};

struct F32GemmEpilogue {
  // Column 0 of this call; padded so that whole NR panels may be read. nullptr = zeros.
  const float* bias = nullptr;
  // Row 0 / column 0 of this call, row stride residual_stride (floats). nullptr = none. Read on the
  // first K block, before C is written, so the residual may alias C.
  const float* residual = nullptr;
  size_t residual_stride = 0;
  float min = 0.f;
  float max = 0.f;
};

// a: mr rows at stride a_stride (floats), kc values each.
// w: the packed panels of this call's first column, each panel holds kc x NR floats with a row
//    stride of NR; consecutive panels are w_panel_stride floats apart (packing: f32-gemm-pack.h).
// c: mr rows at stride c_stride, nc columns (nc may be any count; the last panel is partial).
using F32GemmUkernel = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* w,
                                size_t w_panel_stride, float* c, size_t c_stride, const F32GemmEpilogue& ep,
                                uint32_t flags);

void f32_gemm_ukernel_4x8__scalar(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* w,
                                  size_t w_panel_stride, float* c, size_t c_stride, const F32GemmEpilogue& ep,
                                  uint32_t flags);
#if defined(__x86_64__)
void f32_gemm_ukernel_6x16__avx2(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* w,
                                 size_t w_panel_stride, float* c, size_t c_stride, const F32GemmEpilogue& ep,
                                 uint32_t flags);
void f32_gemm_ukernel_14x16__avx512(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                    const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                    const F32GemmEpilogue& ep, uint32_t flags);
void f32_gemm_ukernel_14x32__avx512(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                    const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                    const F32GemmEpilogue& ep, uint32_t flags);
#endif

}  // namespace sparq

// fp32 direct-convolution microkernel contract: a tile of output pixels x output channels of an NHWC conv summed
// over every tap and input channel in registers, reading the (zero-padded) input in place: no im2col, no partial
// sums through memory between kernel rows.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/f32-gemm/f32-gemm.h"

namespace sparq {

// C[i, n] = clamp(bias[n] + residual[i, n] + sum_t sum_ch a[i][tap_offsets[t] + ch] * W[t * channels + ch, n])
// for the tile's mr output pixels i (mr <= the kernel's MR) and nc output channels n (any count).
// a: one pointer per pixel, at its receptive field's first tap in a zero-padded NHWC input;
// tap_offsets: per tap, floats from that pointer to the tap's first channel (the same for every pixel);
// w: packed like the GEMM's B (f32_gemm_pack_b with K = taps * channels ordered (tap, channel), panels of NR
//    columns, the last zero-padded), consecutive panels w_panel_stride floats apart;
// c: pixel i at c + i * c_stride; ep.bias padded to whole panels; ep.residual may alias c;
// flags: kF32GemmClamp clamps to [ep.min, ep.max] (relu, clip). Always the whole K in one call.
using F32DconvUkernel = void (*)(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                 const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c,
                                 size_t c_stride, const F32GemmEpilogue& ep, uint32_t flags);

void f32_dconv_ukernel_4x8__scalar(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                   const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                   const F32GemmEpilogue& ep, uint32_t flags);
#if defined(__x86_64__)
void f32_dconv_ukernel_6x16__avx2(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                  const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                  const F32GemmEpilogue& ep, uint32_t flags);
void f32_dconv_ukernel_14x16__avx512(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                     const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                     const F32GemmEpilogue& ep, uint32_t flags);
void f32_dconv_ukernel_12x32__avx512(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                     const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                     const F32GemmEpilogue& ep, uint32_t flags);
void f32_dconv_ukernel_8x48__avx512(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                    const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                    const F32GemmEpilogue& ep, uint32_t flags);
void f32_dconv_ukernel_6x64__avx512(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                    const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                    const F32GemmEpilogue& ep, uint32_t flags);
#endif
#if defined(__aarch64__)
void f32_dconv_ukernel_6x16__neon(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                  const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c, size_t c_stride,
                                  const F32GemmEpilogue& ep, uint32_t flags);
#endif

}  // namespace sparq

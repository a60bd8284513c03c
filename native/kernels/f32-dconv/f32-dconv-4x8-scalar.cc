// Portable 4x8 fp32 direct-conv microkernel: the fallback on every CPU and the shape of the SIMD kernels in plain C++.
#include <algorithm>

#include "kernels/f32-dconv/f32-dconv.h"

namespace sparq {

void f32_dconv_ukernel_4x8__scalar(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                   const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c,
                                   size_t c_stride, const F32GemmEpilogue& ep, uint32_t flags) {
  constexpr size_t MR = 4, NR = 8;
  for (size_t n0 = 0; n0 < nc; n0 += NR, w += w_panel_stride) {
    const size_t nr = std::min(NR, nc - n0);
    float acc[MR][NR];
    for (size_t i = 0; i < mr; ++i) {
      for (size_t j = 0; j < NR; ++j) {
        float v = ep.bias ? ep.bias[n0 + j] : 0.f;
        if (ep.residual && j < nr) v += ep.residual[i * ep.residual_stride + n0 + j];
        acc[i][j] = v;
      }
    }
    const float* wp = w;
    for (size_t t = 0; t < taps; ++t) {
      for (size_t ch = 0; ch < channels; ++ch, wp += NR) {
        for (size_t i = 0; i < mr; ++i) {
          const float av = a[i][tap_offsets[t] + ch];
          for (size_t j = 0; j < NR; ++j) acc[i][j] += av * wp[j];
        }
      }
    }
    const bool clamp = (flags & kF32GemmClamp) != 0;
    for (size_t i = 0; i < mr; ++i) {
      for (size_t j = 0; j < nr; ++j) {
        float v = acc[i][j];
        if (clamp) v = std::min(std::max(v, ep.min), ep.max);
        c[i * c_stride + n0 + j] = v;
      }
    }
  }
}

}  // namespace sparq

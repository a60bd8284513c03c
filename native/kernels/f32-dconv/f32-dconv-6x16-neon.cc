// NEON 6x16 fp32 direct-conv microkernel: 6 output pixels x 16 output channels in 24 q accumulators.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/dispatch-rows.h"
#include "kernels/f32-dconv/f32-dconv.h"

namespace sparq {
namespace {

constexpr size_t kNR = 16;

template <int MR>
struct Tile {
  static void run(size_t nc, size_t channels, size_t taps, const float* const* a, const size_t* tap_offsets,
                  const float* w, size_t w_panel_stride, float* c, size_t c_stride, const F32GemmEpilogue& ep,
                  uint32_t flags) {
    const bool clamp = (flags & kF32GemmClamp) != 0;
    const float32x4_t vmin = vdupq_n_f32(ep.min), vmax = vdupq_n_f32(ep.max);
    for (size_t n0 = 0; n0 < nc; n0 += kNR, w += w_panel_stride) {
      const size_t nr = nc - n0 < kNR ? nc - n0 : kNR;
      float32x4_t acc[MR][4];
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) {
        const float32x4_t b = ep.bias ? vld1q_f32(ep.bias + n0 + 4 * v) : vdupq_n_f32(0.f);
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i) acc[i][v] = b;
      }
      if (ep.residual) {
        // Only the nr valid columns of the residual may be read.
        for (int i = 0; i < MR; ++i) {
          float r[kNR] = {};
          for (size_t j = 0; j < nr; ++j) r[j] = ep.residual[i * ep.residual_stride + n0 + j];
          for (int v = 0; v < 4; ++v) acc[i][v] = vaddq_f32(acc[i][v], vld1q_f32(r + 4 * v));
        }
      }
      const float* wp = w;
      for (size_t t = 0; t < taps; ++t) {
        const float* ap[MR];
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i) ap[i] = a[i] + tap_offsets[t];
        for (size_t ch = 0; ch < channels; ++ch, wp += kNR) {
          const float32x4_t b0 = vld1q_f32(wp), b1 = vld1q_f32(wp + 4), b2 = vld1q_f32(wp + 8), b3 = vld1q_f32(wp + 12);
#pragma GCC unroll 8
          for (int i = 0; i < MR; ++i) {
            const float av = ap[i][ch];
            acc[i][0] = vfmaq_n_f32(acc[i][0], b0, av);
            acc[i][1] = vfmaq_n_f32(acc[i][1], b1, av);
            acc[i][2] = vfmaq_n_f32(acc[i][2], b2, av);
            acc[i][3] = vfmaq_n_f32(acc[i][3], b3, av);
          }
        }
      }
      for (int i = 0; i < MR; ++i) {
        float* y = c + i * c_stride + n0;
        if (clamp)
          for (int v = 0; v < 4; ++v) acc[i][v] = vminq_f32(vmaxq_f32(acc[i][v], vmin), vmax);
        if (nr == kNR) {
          for (int v = 0; v < 4; ++v) vst1q_f32(y + 4 * v, acc[i][v]);
        } else {
          float out[kNR];
          for (int v = 0; v < 4; ++v) vst1q_f32(out + 4 * v, acc[i][v]);
          for (size_t j = 0; j < nr; ++j) y[j] = out[j];
        }
      }
    }
  }
};

}  // namespace

void f32_dconv_ukernel_6x16__neon(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                  const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c,
                                  size_t c_stride, const F32GemmEpilogue& ep, uint32_t flags) {
  dispatch_rows<6>(mr, [&](auto rows) {
    Tile<decltype(rows)::value>::run(nc, channels, taps, a, tap_offsets, w, w_panel_stride, c, c_stride, ep,
                                     flags);
  });
}

}  // namespace sparq
#endif  // __aarch64__

// Portable 4x8 fp32 few-channel conv microkernel: the fallback on every CPU and the pair layout of the SIMD kernels
// in plain C++ (2 pixel pairs x 8 channels per tile).
#include <algorithm>

#include "kernels/f32-conv-fewc/f32-conv-fewc.h"

namespace sparq {

void f32_conv_fewc_ukernel_4x8__scalar(const F32ConvFewcArgs& args) {
  constexpr size_t MR = 4, NR = 8;
  for (size_t r = 0; r < args.rows; ++r) {
    const float* x_row = args.input + r * args.input_row_stride;
    for (size_t p0 = 0; p0 < args.pixels; p0 += MR) {
      const size_t mr = std::min(MR, args.pixels - p0);
      const size_t offset = r * args.output_row_stride + p0 * args.output_stride;
      const float* w = args.weights;
      for (size_t n0 = 0, panel = 0; n0 < args.channels; n0 += NR, ++panel, w += args.taps * 2 * NR) {
        const size_t nr = std::min(NR, args.channels - n0);
        const float* bias = args.bias + panel * 2 * NR;
        float acc[MR][NR];
        for (size_t i = 0; i < MR; ++i)
          for (size_t j = 0; j < NR; ++j) acc[i][j] = bias[2 * j + i % 2];
        for (size_t t = 0; t < args.taps; ++t) {
          // The packed tap holds each channel twice, once per pixel of a pair.
          const float* x = x_row + args.tap_offsets[t] + p0;
          const float* wt = w + t * 2 * NR;
          for (size_t i = 0; i < mr; ++i)
            for (size_t j = 0; j < NR; ++j) acc[i][j] += x[i] * wt[2 * j + i % 2];
        }
        for (size_t i = 0; i < mr; ++i) {
          float* c = args.output + offset + i * args.output_stride + n0;
          const float* res = args.residual ? args.residual + offset + i * args.output_stride + n0 : nullptr;
          for (size_t j = 0; j < nr; ++j) {
            float v = acc[i][j] + (res ? res[j] : 0.f);
            if (args.clamp) v = std::min(std::max(v, args.min), args.max);
            c[j] = v;
          }
        }
      }
    }
  }
}

}  // namespace sparq

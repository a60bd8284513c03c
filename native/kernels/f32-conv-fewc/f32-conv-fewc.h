// fp32 direct-conv microkernel contract for inputs with few channels (stems): the output pixels of a row go in
// pairs, so one 64-bit broadcast of two adjacent inputs feeds 2 pixels x (lanes / 2) channels per FMA and no lane
// is padding when the output channels are a multiple of the channel group (8 on AVX-512; 24-channel stems waste a
// quarter of a 32-wide channel tile).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

// `rows` output rows of `pixels` consecutive output pixels each, all `channels` output channels:
//   output[r * output_row_stride + p * output_stride + n] = clamp(bias[n] + residual[same index]
//       + sum_t input[r * input_row_stride + tap_offsets[t] + p] * W[t, n])
// for r < rows, p < pixels (any count) and n < channels (any count, panels of the kernel's NR).
// input: the pixels' inputs for a tap are adjacent floats; the kernel reads them in pairs (2i, 2i + 1), so with an odd
//        pixel count it also reads input[r * input_row_stride + tap_offsets[t] + pixels] (any finite value, unused).
// weights: f32_conv_fewc_pack_weights for the kernel's NR; bias: f32_conv_fewc_pack_bias (never null).
// residual (or nullptr) has the output's layout and may alias it. clamp: to [min, max] (relu, clip).
struct F32ConvFewcArgs {
  const float* input;
  size_t input_row_stride;
  const size_t* tap_offsets;
  size_t taps;
  size_t rows;
  size_t pixels;
  const float* weights;
  const float* bias;
  const float* residual;
  float* output;
  size_t output_stride;
  size_t output_row_stride;
  size_t channels;
  bool clamp;
  float min, max;
};

using F32ConvFewcUkernel = void (*)(const F32ConvFewcArgs& args);

// Packed weights: ceil(N / nr) panels x taps x nr channel pairs; channel n of a tap is stored twice, at 2n and 2n+1
// (one copy per pixel of a pair), channels past N are zero.
// src = W[t * n_total + n] (taps x N row-major), dst = ceil(N/nr) x taps x 2nr.
inline size_t f32_conv_fewc_packed_size(size_t taps, size_t n, size_t nr) { return (n + nr - 1) / nr * taps * 2 * nr; }
inline void f32_conv_fewc_pack_weights(const float* src, size_t taps, size_t n, size_t nr, float* dst) {
  for (size_t p = 0; p < (n + nr - 1) / nr; ++p)
    for (size_t t = 0; t < taps; ++t)
      for (size_t j = 0; j < nr; ++j) {
        const size_t c = p * nr + j;
        const float v = c < n ? src[t * n + c] : 0.f;
        dst[((p * taps + t) * nr + j) * 2] = v;
        dst[((p * taps + t) * nr + j) * 2 + 1] = v;
      }
}
// Packed bias: the weights' layout with one tap (bias may be nullptr: zeros).
inline void f32_conv_fewc_pack_bias(const float* bias, size_t n, size_t nr, float* dst) {
  for (size_t c = 0; c < (n + nr - 1) / nr * nr; ++c) dst[2 * c] = dst[2 * c + 1] = bias && c < n ? bias[c] : 0.f;
}

// Portable: 4 pixels x 8 channels, the fallback and the shape of the SIMD kernels in plain C++.
void f32_conv_fewc_ukernel_4x8__scalar(const F32ConvFewcArgs& args);
#if defined(__x86_64__)
// AVX2: 12 pixels x 8 channels (6 pairs x 2 ymm of 2 pixels x 4 channels).
void f32_conv_fewc_ukernel_12x8__avx2(const F32ConvFewcArgs& args);
// AVX-512: pixel pairs x zmm of 2 pixels x 8 channels; tiles of 48x8, 24x16, 16x24 and 12x32.
void f32_conv_fewc_ukernel_48x8__avx512(const F32ConvFewcArgs& args);
void f32_conv_fewc_ukernel_24x16__avx512(const F32ConvFewcArgs& args);
void f32_conv_fewc_ukernel_16x24__avx512(const F32ConvFewcArgs& args);
void f32_conv_fewc_ukernel_12x32__avx512(const F32ConvFewcArgs& args);
#endif

}  // namespace sparq

// The int8 depthwise convolution microkernel interface (NHWC, u8 x s8 -> s32 row of accumulators) and its variants.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/qs8-epilogue/qs8-epilogue.h"

namespace sparq {

struct Qs8DwconvParams {
  size_t in_h = 0, in_w = 0, channels = 0;
  size_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0, out_w = 0;
  size_t padded_channels = 0;        // channels rounded up to kQs8DwconvChannelAlign: row stride of w and bias
  // max(padded_channels, in_w * channels) bytes of the activation zero point, read by padding taps (a whole input row
  // long, so that a kernel can read a padding row like an input row)
  const uint8_t* zero_row = nullptr;
};

// Weights and bias are padded to a multiple of this many channels (the widest channel block of any variant).
constexpr size_t kQs8DwconvChannelAlign = 64;

// How a kernel wants its weights (its dispatch entry says which), widened to s16, channels padded with zeros:
//  kTapPairs: taps t = ki * kernel_w + kj in pairs (2j, 2j + 1; a missing last tap has weight 0), interleaved per
//             channel so one vpmaddwd / multiply-add pair adds two taps of one channel:
//             dst[(j * padded_channels + c) * 2 + i] = W(c, 2j + i)
//  kEvenOdd:  per tap and 32-channel block b, two 32-value vectors: the even channels' weights at even positions
//             (odd positions 0), then the odd channels' at odd positions, so vpmaddwd with 32 widened activations
//             yields each channel's product alone: dst[((t * blocks + b) * 2 + (i & 1)) * 32 + i] = W(32b + i, t)
//  kRowQuads: s8 bytes (two per int16_t slot), window rows in groups of four, one dword per channel and kernel column
//             so that one vpdpbusd adds four rows of a column: bytes[((g * kw + kj) * padded_channels + c) * 4 + i] =
//             W(c, 4g + i, kj), 0 for rows past kh
// src = C x kh x kw s8 (ONNX [C, 1, kh, kw]). Sizes count int16_t elements.
enum class Qs8DwconvLayout : int32_t { kTapPairs, kEvenOdd, kRowQuads };
inline size_t qs8_dwconv_packed_size(Qs8DwconvLayout layout, size_t kernel_h, size_t kernel_w,
                                     size_t padded_channels) {
  const size_t taps = kernel_h * kernel_w;
  switch (layout) {
    case Qs8DwconvLayout::kTapPairs: return (taps + 1) / 2 * 2 * padded_channels;
    case Qs8DwconvLayout::kEvenOdd: return taps * 2 * padded_channels;
    case Qs8DwconvLayout::kRowQuads: return (kernel_h + 3) / 4 * kernel_w * 2 * padded_channels;
  }
  return 0;
}
void qs8_dwconv_pack_weights(Qs8DwconvLayout layout, size_t channels, size_t kernel_h, size_t kernel_w,
                             size_t padded_channels, const int8_t* w, int16_t* packed);

// One output row oh of one image: for every ow < out_w and c < channels
//   acc[ow * channels + c] = bias[c] + sum_{ki, kj} X(oh * sh - pt + ki * dh, ow * sw - pl + kj * dw, c) * W(c, ki, kj)
// where X reads x_image (NHWC, one image) inside the input and zero_row outside it, W packed as the kernel wants. The caller
// folds -zero_point * sum_t W(c, t) into bias, so a padding tap adds its real value 0. s32 arithmetic wraps.
using Qs8DwconvUkernelFn = void (*)(const Qs8DwconvParams& p, size_t oh, const uint8_t* x_image, const int16_t* w,
                                    const int32_t* bias, int32_t* acc);

// Output rows [oh_begin, oh_end) of one image of a 3x3 undilated depthwise conv (any strides and padding; see
// qs8_dwconv_3x3_applies), requantized in the kernel with the u8 fast form of qs8-epilogue.h (e.output == kUint8,
// e.fast, no residual): y_image[(oh * out_w + ow) * channels + c] = the byte qs8_epilogue makes of the accumulator the
// row ukernel computes. Weights packed as the kernel's dispatch entry says, bias folded the same way.
using Qs8Dwconv3x3U8Fn = void (*)(const Qs8DwconvParams& p, size_t oh_begin, size_t oh_end, const uint8_t* x_image,
                                  const int16_t* w, const int32_t* bias, const Qs8EpilogueParams& e,
                                  uint8_t* y_image);
inline bool qs8_dwconv_3x3_applies(const Qs8DwconvParams& p, const Qs8EpilogueParams& e) {
  return p.kernel_h == 3 && p.kernel_w == 3 && p.dilation_h == 1 && p.dilation_w == 1 &&
         e.output == Qs8Output::kUint8 && e.fast && !e.residual && !e.residual_after_requantization;
}

void qs8_dwconv_ukernel_c8__scalar(const Qs8DwconvParams&, size_t, const uint8_t*, const int16_t*, const int32_t*,
                                int32_t*);
#if defined(__x86_64__) || defined(_M_X64)
void qs8_dwconv_ukernel_c32__avx2(const Qs8DwconvParams&, size_t, const uint8_t*, const int16_t*, const int32_t*,
                              int32_t*);
void qs8_dwconv_ukernel_c32__avx512(const Qs8DwconvParams&, size_t, const uint8_t*, const int16_t*, const int32_t*,
                                int32_t*);
void qs8_dwconv_ukernel_c64__avx512vnni(const Qs8DwconvParams&, size_t, const uint8_t*, const int16_t*,
                                        const int32_t*, int32_t*);
void qs8_dwconv_ukernel_3x3c16__avx512vnni(const Qs8DwconvParams&, size_t, size_t, const uint8_t*, const int16_t*,
                                           const int32_t*, const Qs8EpilogueParams&, uint8_t*);
#endif
#if defined(__aarch64__)
void qs8_dwconv_ukernel_c32__neon(const Qs8DwconvParams&, size_t, const uint8_t*, const int16_t*, const int32_t*,
                              int32_t*);
#endif

}  // namespace sparq

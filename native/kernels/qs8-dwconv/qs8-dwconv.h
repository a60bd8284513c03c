// The int8 depthwise convolution microkernel interface (NHWC, u8 x s8 -> s32 row of accumulators) and its variants.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

struct Qs8DwconvParams {
  size_t in_h = 0, in_w = 0, channels = 0;
  size_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0, out_w = 0;
  size_t padded_channels = 0;        // channels rounded up to kQs8DwconvChannelAlign: row stride of w and bias
  const uint8_t* zero_row = nullptr; // padded_channels bytes of the activation zero point, read by padding taps
};

// Weights and bias are padded to a multiple of this many channels (the widest channel block of any variant).
constexpr size_t kQs8DwconvChannelAlign = 64;

// One output row oh of one image: for every ow < out_w and c < channels
//   acc[ow * channels + c] = bias[c] + sum_{ki, kj} X(oh * sh - pt + ki * dh, ow * sw - pl + kj * dw, c) *
//                                                   w[(ki * kernel_w + kj) * padded_channels + c]
// where X reads x_image (NHWC, one image) inside the input and zero_row outside it. The caller folds
// -zero_point * sum_t w[t][c] into bias, so a padding tap adds its real value 0. s32 arithmetic wraps.
using Qs8DwconvUkernelFn = void (*)(const Qs8DwconvParams& p, size_t oh, const uint8_t* x_image, const int8_t* w,
                                    const int32_t* bias, int32_t* acc);

void qs8_dwconv_ukernel_c8__scalar(const Qs8DwconvParams&, size_t, const uint8_t*, const int8_t*, const int32_t*,
                                int32_t*);
#if defined(__x86_64__) || defined(_M_X64)
void qs8_dwconv_ukernel_c32__avx2(const Qs8DwconvParams&, size_t, const uint8_t*, const int8_t*, const int32_t*,
                              int32_t*);
void qs8_dwconv_ukernel_c64__avx512(const Qs8DwconvParams&, size_t, const uint8_t*, const int8_t*, const int32_t*,
                                int32_t*);
#endif
#if defined(__aarch64__)
void qs8_dwconv_ukernel_c32__neon(const Qs8DwconvParams&, size_t, const uint8_t*, const int8_t*, const int32_t*,
                              int32_t*);
#endif

}  // namespace sparq

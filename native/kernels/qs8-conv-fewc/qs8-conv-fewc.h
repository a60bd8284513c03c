// Interface of the direct int8 convolution kernels for inputs with few channels (stems): one output row of s32
// accumulators read straight from zero-point-padded input rows, no im2col.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/qs8-epilogue/qs8-epilogue.h"

namespace sparq {

// Depth of a kernel row: kernel_w x C input bytes, contiguous in a padded NHWC row, read as `dwords` groups of 4
// (the last group may run up to 3 bytes past the window; the packed weights are zero there).
// Output pixel p (0 <= p < pixels) of kernel row ki reads rows[ki] + p * pixel_step + 4 * d, d < dwords.
// packed: one panel of NR output channels as qs8_pack_gemm_weights writes it with {nr = NR, kr = 4, k_align = 4,
// the kernel's a_offset} over K' = kernel_h x dwords x 4 (int32 bias[NR] with the zero point folded in, then c4
// weights).
// acc[p * acc_stride + j] = bias[j] + sum over (ki, d, t) of rows[ki][p * pixel_step + 4d + t] * w, j < NR.
struct Qs8FewcRowArgs {
  const uint8_t* const* rows;  // kernel_h pointers
  size_t kernel_h;
  size_t dwords;
  size_t pixel_step;
  size_t pixels;
  const void* packed;
  int32_t* acc;
  size_t acc_stride;  // elements
};

using Qs8FewcRowFn = void (*)(const Qs8FewcRowArgs& args);

// Where a row call with the u8 fast epilogue fused puts its bytes: out[p * out_stride + j] for j < nc is the u8 fast
// form (qs8-epilogue.h) of what acc[p * acc_stride + j] would hold, with scale[j] (already offset to the panel's first
// column) and the residual residual[p * residual_stride + j] added after requantization when
// p->residual_after_requantization (residual unread otherwise). Bit-identical to the s32 kernel followed by the
// epilogue of the same ISA; args.acc is unused.
struct Qs8FewcU8Out {
  size_t nc;
  const float* scale;
  const Qs8EpilogueParams* p;
  const uint8_t* residual;
  size_t residual_stride;
  uint8_t* out;
  size_t out_stride;
};

using Qs8FewcRowU8Fn = void (*)(const Qs8FewcRowArgs& args, const Qs8FewcU8Out& out);

#if defined(__x86_64__) || defined(_M_X64)
// AVX-512 VNNI: 14 pixels x 16 channels, 12 pixels x 32 channels and 6 pixels x 64 channels per register tile
// (vpdpbusd zmm).
void qs8_conv_fewc_ukernel_14x16c4__avx512vnni(const Qs8FewcRowArgs& args);
void qs8_conv_fewc_ukernel_12x32c4__avx512vnni(const Qs8FewcRowArgs& args);
void qs8_conv_fewc_ukernel_6x64c4__avx512vnni(const Qs8FewcRowArgs& args);
// The same tiles with the u8 fast epilogue fused (qs8_epilogue__avx512 from the accumulator registers).
void qs8_conv_fewc_u8_ukernel_14x16c4__avx512vnni(const Qs8FewcRowArgs& args, const Qs8FewcU8Out& out);
void qs8_conv_fewc_u8_ukernel_12x32c4__avx512vnni(const Qs8FewcRowArgs& args, const Qs8FewcU8Out& out);
void qs8_conv_fewc_u8_ukernel_6x64c4__avx512vnni(const Qs8FewcRowArgs& args, const Qs8FewcU8Out& out);
// AVX-VNNI: 6 pixels x 16 channels (vpdpbusd ymm).
void qs8_conv_fewc_ukernel_6x16c4__avxvnni(const Qs8FewcRowArgs& args);
#endif

#if defined(__aarch64__)
// NEON dot product: 4 pixels x 16 channels (sdot by lane on x - 128; packed with a_offset = 128).
void qs8_conv_fewc_ukernel_4x16c4__neondot(const Qs8FewcRowArgs& args);
#endif

}  // namespace sparq

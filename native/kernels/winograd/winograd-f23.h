// Winograd F(2x2, 3x3) convolution for 3x3 stride-1 dilation-1 conv on NHWC: problem, packed weights, kernel entry points.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/sparse24/align64-allocator.h"
#include "ops/activation.h"

namespace sparq {

// int8 Winograd is exact while 4 * |direct sum| < 2^31 with |x - zp| <= 255 and |w| <= 128:
// 4 * 9 * C * 255 * 128 < 2^31  <=>  C <= 1827. Beyond it the conv must use a non-Winograd algorithm.
constexpr size_t kWinogradQu8MaxChannels = 1827;

// One 3x3 stride-1 conv: X [batch, in_h, in_w, channels] NHWC, Y [batch, out_h, out_w, out_channels] NHWC.
// out_h = in_h + pad_top + pad_bottom - 2 (the caller derives it from its pads).
struct WinogradF23Problem {
  size_t batch = 1, in_h = 0, in_w = 0, channels = 0, out_channels = 0;
  size_t pad_top = 0, pad_left = 0, out_h = 0, out_w = 0;

  size_t tiles_h() const { return (out_h + 1) / 2; }
  size_t tiles_w() const { return (out_w + 1) / 2; }
  size_t tiles() const { return batch * tiles_h() * tiles_w(); }
};

// Transformed weights U = G g Gᵀ, one C x M matrix per position of the 4x4 tile, packed for the GEMM microkernel.
// u = [16 positions][out_channels_padded / nr panels][channels][nr]; padded columns are zero.
struct WinogradF23F32Weights {
  size_t channels = 0, out_channels = 0, out_channels_padded = 0, nr = 0;
  Aligned64Vector<float> u;
  std::vector<float> bias;  // out_channels_padded, zero when the conv has none
};

// w = OIHW [out_channels, channels, 3, 3]; bias may be null.
WinogradF23F32Weights winograd_f23_f32_pack(const float* w, const float* bias, size_t channels, size_t out_channels,
                                            size_t nr);

// Tiles transformed, multiplied and inverse-transformed together: chosen so the block's transformed input and
// products (16 x tiles x (C + M) floats) stay in the L2 cache; a multiple of mr.
size_t winograd_f23_tile_block(size_t channels, size_t out_channels_padded, size_t mr);

// activate_span compiled once, portably: kernel files built with ISA flags call this instead of the inline one.
void winograd_activate_span_portable(float* y, size_t n, const ActivationParams& act);

// Floats of workspace one call needs (per thread).
size_t winograd_f23_f32_workspace_floats(size_t channels, size_t out_channels_padded, size_t mr);

// C[rows x nr] = A[rows x k] (row stride lda) * B panel [k x nr]; rows <= MR; C row stride ldc.
using WinogradF32GemmFn = void (*)(size_t rows, size_t k, const float* a, size_t lda, const float* b, float* c,
                                   size_t ldc);

// Computes the output tiles [tile_begin, tile_end) (tile index = (n * tiles_h + th) * tiles_w + tw), adding bias and
// applying the activation. workspace holds winograd_f23_f32_workspace_floats() floats.
using WinogradF23F32ConvFn = void (*)(const WinogradF23Problem& p, const float* x, const WinogradF23F32Weights& w,
                                      const ActivationParams& act, float* y, float* workspace, size_t tile_begin,
                                      size_t tile_end);

void f32_winograd_gemm_ukernel_4x8__scalar(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                           float* c, size_t ldc);
void f32_winograd_f23_conv__scalar(const WinogradF23Problem& p, const float* x, const WinogradF23F32Weights& w,
                                   const ActivationParams& act, float* y, float* workspace, size_t tile_begin,
                                   size_t tile_end);
#if defined(__x86_64__)
void f32_winograd_gemm_ukernel_6x16__avx2(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                          float* c, size_t ldc);
void f32_winograd_f23_conv__avx2(const WinogradF23Problem& p, const float* x, const WinogradF23F32Weights& w,
                                 const ActivationParams& act, float* y, float* workspace, size_t tile_begin,
                                 size_t tile_end);
void f32_winograd_gemm_ukernel_8x32__avx512(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                            float* c, size_t ldc);
void f32_winograd_f23_conv__avx512(const WinogradF23Problem& p, const float* x, const WinogradF23F32Weights& w,
                                   const ActivationParams& act, float* y, float* workspace, size_t tile_begin,
                                   size_t tile_end);
#endif
#if defined(__aarch64__)
void f32_winograd_gemm_ukernel_8x8__neon(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                         float* c, size_t ldc);
void f32_winograd_f23_conv__neon(const WinogradF23Problem& p, const float* x, const WinogradF23F32Weights& w,
                                 const ActivationParams& act, float* y, float* workspace, size_t tile_begin,
                                 size_t tile_end);
#endif

}  // namespace sparq

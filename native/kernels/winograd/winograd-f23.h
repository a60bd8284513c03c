// Winograd F(2x2, 3x3) convolution for 3x3 stride-1 dilation-1 conv on NHWC: problem, packed weights, kernel entry points.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/sparse24/align64-allocator.h"
#include "kernels/sparse24/requant-u8.h"
#include "ops/activation.h"

namespace sparq {

// int8 Winograd is exact while 4 * |direct sum| < 2^31 with |x - zp| <= 255 and |w| <= 128:
// 4 * 9 * C * 255 * 128 < 2^31  <=>  C <= 1827. Beyond it the conv must use a non-Winograd algorithm.
constexpr size_t kWinogradQu8MaxChannels = 1827;

// One 3x3 conv computed in 2x2 output tiles: X [batch, in_h, in_w, channels] NHWC, Y [batch, out_h, out_w,
// out_channels] NHWC. At stride 1 (F(2,3)) out_h = in_h + pad_top + pad_bottom - 2; the stride-2 form (winograd-s2.h)
// uses the same struct. The caller derives out_h from its pads.
struct WinogradF23Problem {
  size_t batch = 1, in_h = 0, in_w = 0, channels = 0, out_channels = 0;
  size_t pad_top = 0, pad_left = 0, out_h = 0, out_w = 0;
  // fp32 only: Y-shaped NHWC tensor added before the activation (a fused residual); nullptr = none.
  const float* residual = nullptr;

  size_t tiles_h() const { return (out_h + 1) / 2; }
  size_t tiles_w() const { return (out_w + 1) / 2; }
  size_t tiles() const { return batch * tiles_h() * tiles_w(); }
};

// Transformed weights U = G g Gᵀ, one C x M matrix per position of the 4x4 tile, packed for the GEMM microkernel.
// u = [16 positions][out_channels_padded / nr panels][channels][nr]; padded columns are zero. (The stride-2 form packs
// its own layout into the same holder: winograd-s2.h.)
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

// Floats between the per-position matrices of V and of the products in a workspace: `floats` rounded up to whole
// cache lines, and to an odd number of them, so the 16 (25) positions one tile writes fall in different L1 sets. A
// stride that is a multiple of 4 KB (64 tiles x 48 channels) put them all in one set and doubled the input transform.
inline size_t winograd_position_stride(size_t floats) {
  size_t lines = (floats + 15) / 16;
  if (lines % 2 == 0) ++lines;
  return lines * 16;
}

// activate_span compiled once, portably: kernel files built with ISA flags call this instead of the inline one.
void winograd_activate_span_portable(float* y, size_t n, const ActivationParams& act);

// Floats of workspace one call needs (per thread).
size_t winograd_f23_f32_workspace_floats(size_t channels, size_t out_channels_padded, size_t mr);

// C[rows x nr] = A[rows x k] (row stride lda) * B panel [k x nr]; rows <= MR; C row stride ldc.
using WinogradF32GemmFn = void (*)(size_t rows, size_t k, const float* a, size_t lda, const float* b, float* c,
                                   size_t ldc);

// The GEMM microkernel a conv call multiplies with: its tile (tiles x output channels) and function. The weights
// must have been packed with the same nr.
struct WinogradF32Gemm {
  WinogradF32GemmFn fn;
  size_t mr, nr;
};

// Computes the output tiles [tile_begin, tile_end) (tile index = (n * tiles_h + th) * tiles_w + tw), adding bias and
// applying the activation. workspace holds winograd_f23_f32_workspace_floats(.., gemm.mr) floats. The conv file's
// ISA vectorizes the transforms; the GEMM tile is the caller's choice (any microkernel the CPU runs).
using WinogradF23F32ConvFn = void (*)(const WinogradF23Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                      const WinogradF23F32Weights& w, const ActivationParams& act, float* y,
                                      float* workspace, size_t tile_begin, size_t tile_end);

void f32_winograd_gemm_ukernel_4x8__scalar(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                           float* c, size_t ldc);
void f32_winograd_f23_conv__scalar(const WinogradF23Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                   const WinogradF23F32Weights& w, const ActivationParams& act, float* y,
                                   float* workspace, size_t tile_begin, size_t tile_end);
#if defined(__x86_64__)
void f32_winograd_gemm_ukernel_6x16__avx2(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                          float* c, size_t ldc);
void f32_winograd_f23_conv__avx2(const WinogradF23Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                 const WinogradF23F32Weights& w, const ActivationParams& act, float* y,
                                 float* workspace, size_t tile_begin, size_t tile_end);
void f32_winograd_gemm_ukernel_8x32__avx512(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                            float* c, size_t ldc);
void f32_winograd_gemm_ukernel_8x48__avx512(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                            float* c, size_t ldc);
void f32_winograd_f23_conv__avx512(const WinogradF23Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                   const WinogradF23F32Weights& w, const ActivationParams& act, float* y,
                                   float* workspace, size_t tile_begin, size_t tile_end);
#endif
#if defined(__aarch64__)
void f32_winograd_gemm_ukernel_8x8__neon(size_t rows, size_t k, const float* a, size_t lda, const float* b,
                                         float* c, size_t ldc);
void f32_winograd_f23_conv__neon(const WinogradF23Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                 const WinogradF23F32Weights& w, const ActivationParams& act, float* y,
                                 float* workspace, size_t tile_begin, size_t tile_end);
#endif

// ---- int8: u8 X (zero point) x s8 W -> exact s32 -> requantized u8 -------------------------------------------

// U' = (2G) g (2G)ᵀ = 4 G g Gᵀ as int16 (|U'| <= 9 * 128), packed for the int16-pair GEMM:
// u = [16 positions][out_channels_padded / nr panels][channels_padded / 2 pairs][nr][2] (channel pairs adjacent so a
// 32-bit lane holds (c, c + 1) for vpmaddwd / vpdpwssd); channels_padded = channels rounded up to even.
struct WinogradF23QU8Weights {
  size_t channels = 0, channels_padded = 0, out_channels = 0, out_channels_padded = 0, nr = 0;
  Aligned64Vector<int16_t> u;
  std::vector<int32_t> bias;  // out_channels_padded, zero when the conv has none
};
// w = OIHW s8 [out_channels, channels, 3, 3]; bias may be null.
WinogradF23QU8Weights winograd_f23_qu8_pack(const int8_t* w, const int32_t* bias, size_t channels,
                                            size_t out_channels, size_t nr);

// Bytes of workspace one call needs (per thread).
size_t winograd_f23_qu8_workspace_bytes(size_t channels, size_t out_channels_padded, size_t mr);

// C[rows x nr] (s32) = A[rows x k pairs] (int16 pairs, row stride lda int16) * B panel [k/2][nr][2]; rows <= MR.
// k is even. Arithmetic wraps modulo 2^32 (the output transform's exact division relies on it).
using WinogradQs16GemmFn = void (*)(size_t rows, size_t k, const int16_t* a, size_t lda, const int16_t* b, int32_t* c,
                                    size_t ldc);

// Output tiles [tile_begin, tile_end); requantization per output channel (Requant8). Callers must keep
// channels <= kWinogradQu8MaxChannels.
using WinogradF23QU8ConvFn = void (*)(const WinogradF23Problem& p, const uint8_t* x, int32_t x_zero_point,
                                      const WinogradF23QU8Weights& w, const Requant8& rq, uint8_t* y, void* workspace,
                                      size_t tile_begin, size_t tile_end);

void qs16_winograd_gemm_ukernel_4x8__scalar(size_t, size_t, const int16_t*, size_t, const int16_t*, int32_t*, size_t);
void qu8_winograd_f23_conv__scalar(const WinogradF23Problem&, const uint8_t*, int32_t, const WinogradF23QU8Weights&,
                                   const Requant8&, uint8_t*, void*, size_t, size_t);
#if defined(__x86_64__)
void qs16_winograd_gemm_ukernel_6x16__avx2(size_t, size_t, const int16_t*, size_t, const int16_t*, int32_t*, size_t);
void qu8_winograd_f23_conv__avx2(const WinogradF23Problem&, const uint8_t*, int32_t, const WinogradF23QU8Weights&,
                                 const Requant8&, uint8_t*, void*, size_t, size_t);
void qs16_winograd_gemm_ukernel_8x32__avx512(size_t, size_t, const int16_t*, size_t, const int16_t*, int32_t*,
                                             size_t);
void qu8_winograd_f23_conv__avx512(const WinogradF23Problem&, const uint8_t*, int32_t, const WinogradF23QU8Weights&,
                                   const Requant8&, uint8_t*, void*, size_t, size_t);
void qs16_winograd_gemm_ukernel_8x32__avx512vnni(size_t, size_t, const int16_t*, size_t, const int16_t*, int32_t*,
                                                 size_t);
void qu8_winograd_f23_conv__avx512vnni(const WinogradF23Problem&, const uint8_t*, int32_t,
                                       const WinogradF23QU8Weights&, const Requant8&, uint8_t*, void*, size_t, size_t);
#endif

}  // namespace sparq

// Polyphase Winograd F(2x2, 3x3) for 3x3 stride-2 dilation-1 fp32 conv on NHWC: problem, packed weights, entry points.
//
// In 1D, two outputs of a stride-2 3-tap filter over inputs d0..d4 split into the even phase (d0, d2, d4) under the
// 2-tap filter (w0, w2), computed as Winograd F(2,2), and the odd phase (d1, d3) under the 1-tap filter w1:
//   m0 = (d0 - d2) w0, m1 = d2 (w0 + w2), m2 = (d4 - d2) w2, m3 = d1 w1, m4 = d3 w1;  y0 = m0 + m1 + m3, y1 = m1 + m2 + m4
// i.e. Bᵀ = [[1,0,-1,0,0],[0,0,1,0,0],[0,0,-1,0,1],[0,1,0,0,0],[0,0,0,1,0]], G = [[1,0,0],[1,0,1],[0,0,1],[0,1,0],[0,1,0]],
// Aᵀ = [[1,1,0,1,0],[0,1,1,0,1]]. Nested in 2D a 5x5 input tile (tiles 4 input pixels apart) gives 25 positions, so
// 25 channel GEMMs per 2x2 output tile: 25 multiplies per 4 outputs instead of 36 (1.44x fewer).
#pragma once
#include <cstddef>
#include <vector>

#include "kernels/sparse24/align64-allocator.h"
#include "kernels/winograd/winograd-f23.h"
#include "ops/activation.h"

namespace sparq {

constexpr size_t kWinogradS2Positions = 25;
// G repeats its row [0,1,0] (rows 3 and 4: both odd inputs meet w1), so U = G g Gᵀ has equal rows 3, 4 and equal
// columns 3, 4: only 4 x 4 distinct matrices. Position (i, j) multiplies by matrix (min(i, 3), min(j, 3)).
constexpr size_t kWinogradS2Matrices = 16;
inline size_t winograd_s2_matrix_of(size_t i, size_t j) { return (i < 3 ? i : 3) * 4 + (j < 3 ? j : 3); }

// One 3x3 stride-2 conv: X [batch, in_h, in_w, channels] NHWC, Y [batch, out_h, out_w, out_channels] NHWC.
// out_h = (in_h + pad_top + pad_bottom - 3) / 2 + 1 (the caller derives it from its pads).
struct WinogradS2Problem {
  size_t batch = 1, in_h = 0, in_w = 0, channels = 0, out_channels = 0;
  size_t pad_top = 0, pad_left = 0, out_h = 0, out_w = 0;
  // Y-shaped NHWC tensor added before the activation (a fused residual); nullptr = none.
  const float* residual = nullptr;

  size_t tiles_h() const { return (out_h + 1) / 2; }
  size_t tiles_w() const { return (out_w + 1) / 2; }
  size_t tiles() const { return batch * tiles_h() * tiles_w(); }
};

// Transformed weights U = G g Gᵀ, one C x M matrix per distinct 5x5 position (16, see kWinogradS2Matrices), packed for
// the GEMM microkernel: u = [16 matrices][out_channels_padded / nr panels][channels][nr]; padded columns are zero.
struct WinogradS2F32Weights {
  size_t channels = 0, out_channels = 0, out_channels_padded = 0, nr = 0;
  Aligned64Vector<float> u;
  std::vector<float> bias;  // out_channels_padded, zero when the conv has none
};

// w = OIHW [out_channels, channels, 3, 3]; bias may be null.
WinogradS2F32Weights winograd_s2_f32_pack(const float* w, const float* bias, size_t channels, size_t out_channels,
                                          size_t nr);

// Tiles transformed, multiplied and inverse-transformed together: chosen so the block's transformed input and
// products (25 x tiles x (C + M) floats) stay in the L2 cache; a multiple of mr.
size_t winograd_s2_tile_block(size_t channels, size_t out_channels_padded, size_t mr);

// Floats of workspace one call needs (per thread).
size_t winograd_s2_f32_workspace_floats(size_t channels, size_t out_channels_padded, size_t mr);

// Computes the output tiles [tile_begin, tile_end) (tile index = (n * tiles_h + th) * tiles_w + tw), adding bias and
// residual and applying the activation. workspace holds winograd_s2_f32_workspace_floats(.., gemm.mr) floats. The
// conv file's ISA vectorizes the transforms; the GEMM tile (WinogradF32Gemm, winograd-f23.h) is the caller's choice.
using WinogradS2F32ConvFn = void (*)(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                     const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                     float* workspace, size_t tile_begin, size_t tile_end);

void f32_winograd_s2_conv__scalar(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                  const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                  float* workspace, size_t tile_begin, size_t tile_end);
#if defined(__x86_64__)
void f32_winograd_s2_conv__avx2(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                float* workspace, size_t tile_begin, size_t tile_end);
void f32_winograd_s2_conv__avx512(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                  const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                  float* workspace, size_t tile_begin, size_t tile_end);
#endif
#if defined(__aarch64__)
void f32_winograd_s2_conv__neon(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                float* workspace, size_t tile_begin, size_t tile_end);
#endif

}  // namespace sparq

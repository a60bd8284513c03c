// Per-layer algorithm choice: the `algorithm` attr and the cost model behind "auto".
#include "ops/conv-algorithm.h"

#include <algorithm>
#include <cmath>

#include "ops/f32-op-validation.h"

namespace sparq {

ConvAlgorithm read_conv_algorithm(const OpDesc& desc) {
  const std::string name = desc.attrs.s("algorithm", "auto");
  if (name == "auto") return ConvAlgorithm::kAuto;
  if (name == "gemm") return ConvAlgorithm::kGemm;
  if (name == "winograd") return ConvAlgorithm::kWinograd;
  if (name == "sparse24") return ConvAlgorithm::kSparse24;
  throw_op_error(desc, "Expected algorithm auto, gemm, winograd or sparse24 but received '" + name + "'");
}

bool winograd_applies(const ConvGeometry& g) {
  const bool stride_1_or_2 = g.stride_h == g.stride_w && (g.stride_h == 1 || g.stride_h == 2);
  return g.kernel_h == 3 && g.kernel_w == 3 && stride_1_or_2 && g.dilation_h == 1 && g.dilation_w == 1 &&
         g.group == 1;
}

// A cost model rather than timing both at build: plans are compiled once per shape signature and must be
// deterministic (the same model gives the same plan on a loaded machine). Measured with
// `npm run bench -- winograd` (paired runs, 1 thread, Xeon AVX-512, see README): Winograd F(2,3) beats our best
// dense conv (direct conv or im2col) by 1.56-1.65x at 64-256 channels and 1.14-1.16x at 512 (7x7); with few
// channels the 16-position transforms (16 loads + 16 stores per channel per 2x2 tile) cost more than the
// 2.25x fewer multiplies save, and below a handful of tiles the per-block setup dominates.
//
// Stride 2 (the polyphase form, 25 instead of 36 multiplies per 2x2 outputs) measured the same way on Zen 5 AVX-512
// (EPYC, `npm run bench -- winograd` and the same export on more shapes), Winograd vs our best dense conv:
//   even output sizes: 24->48 @28 (14x14 out) 1.19x, 32->32 / 32->64 / 16->32 @28 1.15x / 1.15x / 1.06x,
//   48->64 @16 1.26x, 96->96 @16 1.29x, 64->128 @56 1.32x, 128->256 @28 1.33x, 4x4 outputs (4 tiles: each transformed
//   weight is used 4 times) 64->128 1.06x, 32->64 1.08x, 64->64 / 128->128 @8 1.14x / 1.16x;
//   odd output sizes (7x7 out: 2x2 tiles compute 64 outputs for 49, the saving drops to 1.10x): 48->64 1.00x,
//   48->96 1.03x, 24->24 0.95x, 16->32 0.93x, 256->512 1.02x.
// In a model run the 4x4 outputs lose: `node scripts/op-times.js exits-fmnist` timed its 64->128 @7 layer at 9.35 us
// on direct conv and 9.65 us on Winograd (25 x 64 x 128 transformed weights, 819 KB, come from L3 every inference
// and serve 4 tiles), while its 24->48 @28 layer went from 16.9 to 15.2 us. So stride 2 needs the multiply saving
// 9 * out_h * out_w / (25 * tiles) of at least 1.25 (even sizes, or odd ones from 15 up), at least 16 tiles, and the
// channels measured.
bool winograd_pays_off(const ConvGeometry& g) {
  if (!winograd_applies(g)) return false;
  const size_t tiles_per_image = ((g.out_h + 1) / 2) * ((g.out_w + 1) / 2), tiles = g.batch * tiles_per_image;
  if (g.stride_h == 2) {
    const double saving = 9.0 * static_cast<double>(g.out_h * g.out_w) / (25.0 * static_cast<double>(tiles_per_image));
    return saving >= 1.25 && g.in_c >= 16 && g.out_c >= 32 && tiles >= 16;
  }
  return g.in_c >= 16 && g.out_c >= 16 && tiles >= 4;
}

bool sparse24_along_k(const float* b, size_t k, size_t n, size_t k_stride, size_t n_stride) {
  for (size_t j = 0; j < n; ++j) {
    for (size_t k0 = 0; k0 < k; k0 += 4) {
      int nz = 0;
      for (size_t kk = k0; kk < k && kk < k0 + 4; ++kk) nz += b[kk * k_stride + j * n_stride] != 0.f;
      if (nz > 2) return false;
    }
  }
  return true;
}

// The 2:4 kernels do half the multiplies and read half the weight bytes (plus 1/8 for indices) but gather the
// activations through the indices; measured (`npm run bench -- sparse`) they gain on products whose weights
// outgrow L1 (n * k >= 16K floats) and whose outputs fill at least one 16-channel vector.
bool sparse24_pays_off(size_t m, size_t n, size_t k) { return m >= 1 && n >= 16 && k >= 64 && n * k >= (16u << 10); }

// Direct conv keeps a whole MR x NR output tile in registers over all taps and channels (nothing goes through
// memory between kernel rows, no im2col copy) and rebuilds the tile's pixel pointers per call, so a tile may span
// output rows (7x7 and 4x4 maps fill it). Per step of K a tile issues MR * V FMAs (V = NR / lanes vectors) and
// MR broadcasts + V weight loads; at 2 of each per cycle, cycles = tiles * K * max(MR * V, MR + V) / 2, plus the
// epilogue (a load and a store per accumulator) and the pointer setup per tap. Zero-padding lanes count as work,
// which is what picks 8x48 for 48 channels and 12x32 for 24.
// The weights stream from L2 once per pixel tile, so above 1 MB of packed weights (one tap of 3x3x512 at 48
// columns is already 440 KB) the cache-blocked GEMM paths keep them.
double f32_dconv_cycles(const F32DconvKernelInfo& kernel, const ConvGeometry& g) {
  const size_t lanes = kernel.nr % 16 == 0 ? 16 : kernel.nr % 8 == 0 ? 8 : 4;
  const double v = static_cast<double>(kernel.nr / lanes), mr = static_cast<double>(kernel.mr);
  const double pixels = static_cast<double>(g.batch * g.out_h * g.out_w);
  const double tiles = std::ceil(pixels / mr) * std::ceil(static_cast<double>(g.out_c) / kernel.nr);
  const double k = static_cast<double>(g.taps() * g.in_c);
  return tiles * (k * std::max(mr * v, mr + v) / 2 + 2 * mr * v + static_cast<double>(g.taps()) * mr / 2);
}

const F32DconvKernelInfo* choose_f32_dconv(const CpuFeatures& features, const ConvGeometry& g) {
  if (g.group != 1) return nullptr;
  constexpr size_t kMaxPackedBytes = 1 << 20;
  const F32DconvKernelInfo* best = nullptr;
  double best_cycles = 0;
  for (const F32DconvKernelInfo* kernel : f32_dconv_kernels_for(features)) {
    const size_t packed = (g.out_c + kernel->nr - 1) / kernel->nr * kernel->nr * g.taps() * g.in_c * sizeof(float);
    if (packed > kMaxPackedBytes) continue;
    const double cycles = f32_dconv_cycles(*kernel, g);
    if (!best || cycles < best_cycles) {
      best = kernel;
      best_cycles = cycles;
    }
  }
  return best;
}

}  // namespace sparq

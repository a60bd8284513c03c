// Few-channel fp32 Conv driver: rebuilds the interior of the planar padded input each run (the zero border is
// written once), then each task runs the kernel over whole output rows of one image and applies the activations the
// kernel does not clamp.
#include "ops/conv-few-channels.h"

#include <algorithm>
#include <cstring>

#include "ops/epilogue.h"
#include "ops/f32-gemm-driver.h"

namespace sparq {

namespace {

// Output rows per task: below ~32K multiply-adds a task costs more to hand over than to run.
constexpr size_t kMinTaskMacs = 32 * 1024;

}  // namespace

bool F32FewChannelConv::suits(const ConvGeometry& g) {
  if (g.group != 1 || g.in_c == 0 || g.in_c > 4 || g.out_c == 0 || g.out_h == 0 || g.out_w == 0) return false;
  const bool pointwise = g.kernel_h == 1 && g.kernel_w == 1 && g.pad_top == 0 && g.pad_left == 0 && g.pad_bottom == 0 &&
                         g.pad_right == 0;
  return !pointwise;
}

// Per tile and panel: taps x pairs x octets FMAs at 2 per cycle (every octet of the panel, used or not), then per
// stored vector (2 pixels x 8 channels) ~2.5 cycles of de-interleave, clamp and stores, plus ~10 cycles of tile
// setup; measured on the 9-tap stems (Zen 5: 16x24 on 24 outputs ~140 cycles per 7-pair tile).
double F32FewChannelConv::cycles(const F32ConvFewcKernelInfo& kernel, const ConvGeometry& g) {
  const size_t max_pairs = kernel.mr / 2, lanes = kernel.nr % 8 == 0 ? 8 : 4;
  const size_t pairs = (g.out_w + 1) / 2, tiles = (pairs + max_pairs - 1) / max_pairs;
  const size_t panels = (g.out_c + kernel.nr - 1) / kernel.nr;
  const double taps = static_cast<double>(g.taps() * g.in_c), vectors_per_panel = static_cast<double>(kernel.nr / lanes);
  const double used_vectors = static_cast<double>((g.out_c + lanes - 1) / lanes);
  const double rows = static_cast<double>(g.batch * g.out_h);
  const double row_pairs = static_cast<double>(pairs);
  return rows * (row_pairs * (taps * vectors_per_panel * static_cast<double>(panels) / 2 + 2.5 * used_vectors) +
                 10.0 * static_cast<double>(tiles * panels));
}

// Measured with benchConvFewChannelsF32 (this path vs algorithm "gemm" in the same run, 1 and 3 input channels,
// 4-96 outputs, 3x3 s1/s2 and 7x7 s2, 28-112 pixels, Zen 5; the stems are in `npm run bench -- exits`):
// - AVX-512: 1.14-2.7x faster for up to 24 outputs, 1.02-1.23x for 32 except on narrow maps (0.94 at 14 columns);
//   from 40 outputs on the f32-dconv tiles' 16-lane vectors are full and one broadcast serves more FMAs: 0.74-1.18x.
// - AVX2 (the 6x16 dconv tile pads to 16 channels): 1.29-3.0x for up to 8 outputs, 1.07-1.42x where the outputs
//   end in half a vector (24, 40), 1.04-1.52x for one input channel up to 32; 3-channel 12/16/32 outputs are mixed.
const F32ConvFewcKernelInfo* F32FewChannelConv::choose(const CpuFeatures& features, const ConvGeometry& g) {
  if (!suits(g)) return nullptr;
  const size_t m = g.out_c;
  if (features.avx512f) {
    if (!(m <= 24 || (m <= 32 && g.out_w >= 16))) return nullptr;
  } else if (features.avx2) {
    if (!(m <= 8 || (m <= 40 && (m % 16 == 8 || g.in_c == 1)))) return nullptr;
  } else {
    return nullptr;
  }
  const F32ConvFewcKernelInfo* best = nullptr;
  double best_cycles = 0;
  for (const F32ConvFewcKernelInfo* kernel : f32_conv_fewc_kernels_for(features)) {
    const double c = cycles(*kernel, g);
    if (!best || c < best_cycles) best = kernel, best_cycles = c;
  }
  return best;
}

F32FewChannelConv::F32FewChannelConv(const ConvGeometry& g, const F32ConvFewcKernelInfo& kernel, const float* weights,
                                     const float* bias)
    : g_(g), kernel_(&kernel) {
  const size_t c = g.in_c, m = g.out_c, kh = g.kernel_h, kw = g.kernel_w, sw = g.stride_w;
  const size_t taps = kh * kw * c;
  // W [M, C, kh, kw] -> taps x M with tap t = (ki, kj, ch), then the kernel's pair-duplicated panels.
  std::vector<float> w(taps * m);
  for (size_t o = 0; o < m; ++o)
    for (size_t ch = 0; ch < c; ++ch)
      for (size_t ki = 0; ki < kh; ++ki)
        for (size_t kj = 0; kj < kw; ++kj) w[((ki * kw + kj) * c + ch) * m + o] = weights[((o * c + ch) * kh + ki) * kw + kj];
  packed_.resize(f32_conv_fewc_packed_size(taps, m, kernel.nr));
  f32_conv_fewc_pack_weights(w.data(), taps, m, kernel.nr, packed_.data());
  bias_.resize(f32_conv_fewc_packed_size(1, m, kernel.nr));
  f32_conv_fewc_pack_bias(bias, m, kernel.nr, bias_.data());

  // Planes: per image, channel and column phase s of the stride, the zero-padded rows with padded column s + j * sw
  // at column j. Output column ow, tap column kj reads phase (kj * dw) % sw at column ow + (kj * dw) / sw, so a
  // pixel pair's inputs are adjacent; columns run on to the last pair's partner (an odd output width reads one past).
  const size_t padded_w = g.in_w + g.pad_left + g.pad_right;
  planes_h_ = g.in_h + g.pad_top + g.pad_bottom;
  planes_w_ = std::max((padded_w + sw - 1) / sw, (g.out_w + 1) / 2 * 2 + (kw - 1) * g.dilation_w / sw);
  const size_t plane = planes_h_ * planes_w_;
  for (size_t ki = 0; ki < kh; ++ki)
    for (size_t kj = 0; kj < kw; ++kj)
      for (size_t ch = 0; ch < c; ++ch) {
        const size_t column = kj * g.dilation_w;
        tap_offsets_.push_back((ch * sw + column % sw) * plane + ki * g.dilation_h * planes_w_ + column / sw);
      }
  for (size_t s = 0; s < sw; ++s) {
    // The first input column whose padded column (iw + pad_left) has phase s.
    const size_t first = (s + sw - g.pad_left % sw) % sw;
    if (first < g.in_w) phases_.push_back({first, (g.in_w - first + sw - 1) / sw, s * plane + (first + g.pad_left) / sw});
  }
  const size_t floats = g.batch * c * sw * plane;
  planes_.resize(floats);
  std::fill(planes_.data(), planes_.data() + floats, 0.f);  // the border stays zero; runs copy the interior
}

namespace {

// dst[k] = src[k * Step] for k < count; the common steps (channels x stride) are compiled with a constant step.
template <size_t Step>
void copy_every(const float* src, float* dst, size_t count) {
  for (size_t k = 0; k < count; ++k) dst[k] = src[k * Step];
}

void copy_strided(const float* src, size_t step, float* dst, size_t count) {
  switch (step) {
    case 1: std::memcpy(dst, src, count * sizeof(float)); return;
    case 2: return copy_every<2>(src, dst, count);
    case 3: return copy_every<3>(src, dst, count);
    case 4: return copy_every<4>(src, dst, count);
    case 6: return copy_every<6>(src, dst, count);
    case 8: return copy_every<8>(src, dst, count);
    default:
      for (size_t k = 0; k < count; ++k) dst[k] = src[k * step];
  }
}

}  // namespace

// Each input row goes to its row of every (channel, phase) plane: phase s holds the row's padded columns s, s + sw,
// ..., i.e. input columns first + k * sw (phases_ from the build: a divide per element, or even per row and phase,
// cost the 14x14 stride-2 stem more than its kernel).
void F32FewChannelConv::copy_to_planes(ThreadPool* pool, const float* x) {
  const size_t c = g_.in_c, sw = g_.stride_w, plane = planes_h_ * planes_w_, image = c * sw * plane;
  auto copy = [&](size_t begin, size_t end) {
    size_t b = begin / g_.in_h, ih = begin % g_.in_h;
    for (size_t row = begin; row < end; ++row) {
      const float* src = x + row * g_.in_w * c;
      float* dst = planes_.data() + b * image + (ih + g_.pad_top) * planes_w_;
      for (const PhaseCopy& p : phases_)
        for (size_t ch = 0; ch < c; ++ch) copy_strided(src + p.first * c + ch, c * sw, dst + ch * sw * plane + p.offset, p.count);
      if (++ih == g_.in_h) ih = 0, ++b;
    }
  };
  const size_t in_rows = g_.batch * g_.in_h;
  if (pool && pool->threads() > 1) pool->parallel_for(in_rows, 16, copy);
  else copy(0, in_rows);
}

void F32FewChannelConv::run(ThreadPool* pool, const float* x, const float* r, const ActivationParams& act, float* y) {
  copy_to_planes(pool, x);
  const F32GemmActivationPlan plan = f32_gemm_activation_plan(&act);
  const size_t m = g_.out_c, row_floats = g_.out_w * m;
  const size_t image = g_.in_c * g_.stride_w * planes_h_ * planes_w_;
  F32ConvFewcArgs args{};
  args.input_row_stride = g_.stride_h * planes_w_;
  args.tap_offsets = tap_offsets_.data();
  args.taps = tap_offsets_.size();
  args.pixels = g_.out_w;
  args.weights = packed_.data();
  args.bias = bias_.data();
  args.output_stride = m;
  args.output_row_stride = row_floats;
  args.channels = m;
  args.clamp = plan.clamp_flag != 0;
  args.min = plan.min;
  args.max = plan.max;
  // Output rows [begin, end) of the whole batch, one kernel call per image they touch.
  auto body = [&](size_t begin, size_t end) {
    F32ConvFewcArgs a = args;
    for (size_t row = begin; row < end;) {
      const size_t b = row / g_.out_h, oh = row % g_.out_h;
      const size_t rows = std::min(end - row, g_.out_h - oh);
      a.input = planes_.data() + b * image + oh * g_.stride_h * planes_w_;
      a.rows = rows;
      a.output = y + row * row_floats;
      a.residual = r ? r + row * row_floats : nullptr;
      kernel_->ukernel(a);
      if (plan.post) epilogue_activate(y + row * row_floats, rows * row_floats, act);
      row += rows;
    }
  };
  const size_t out_rows = g_.batch * g_.out_h;
  const size_t row_macs = row_floats * tap_offsets_.size();
  if (pool && pool->threads() > 1) pool->parallel_for(out_rows, std::max<size_t>(1, kMinTaskMacs / std::max<size_t>(row_macs, 1)), body);
  else body(0, out_rows);
}

}  // namespace sparq

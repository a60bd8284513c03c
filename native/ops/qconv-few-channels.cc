// Few-channel QConv driver: pads the input rows once per run, then one task per output row runs the direct kernel
// over pixel chunks and column panels and applies the fused epilogue to each chunk (inside the kernel, from its
// registers, for the u8 fast form where the kernel has a u8 variant).
#include "ops/qconv-few-channels.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "kernels/qs8-pack/qs8-pack.h"

namespace sparq {

namespace {

// Pixels per kernel call (a multiple of the 4-, 6- and 14-pixel tiles); the chunk's accumulators stay in L1/L2.
constexpr size_t kChunkPixels = 84;
// Bytes after each padded row: the last 4-byte group of a window may read up to 3 bytes past the row's end.
constexpr size_t kRowSlack = 4;

size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

}  // namespace

std::vector<const Qs8FewcKernel*> qs8_fewc_kernels(const CpuFeatures& features) {
  std::vector<const Qs8FewcKernel*> out;
#if defined(__x86_64__) || defined(_M_X64)
  // AMX was tried here too (one 64-byte tile depth block per kernel row, read straight from the padded rows):
  // about 15% faster than the 6x64 kernel on the ResNet stem on a quiet machine, 1.5-2x slower under load, so no.
  static const Qs8FewcKernel wide{"qs8-conv-fewc-6x64c4-avx512vnni", qs8_conv_fewc_ukernel_6x64c4__avx512vnni, 64, 32,
                                  0, qs8_conv_fewc_u8_ukernel_6x64c4__avx512vnni};
  static const Qs8FewcKernel mid{"qs8-conv-fewc-12x32c4-avx512vnni", qs8_conv_fewc_ukernel_12x32c4__avx512vnni, 32, 16,
                                 0, qs8_conv_fewc_u8_ukernel_12x32c4__avx512vnni};
  static const Qs8FewcKernel narrow{"qs8-conv-fewc-14x16c4-avx512vnni", qs8_conv_fewc_ukernel_14x16c4__avx512vnni,
                                    16, 0, 0, qs8_conv_fewc_u8_ukernel_14x16c4__avx512vnni};
  static const Qs8FewcKernel vnni256{"qs8-conv-fewc-6x16c4-avxvnni", qs8_conv_fewc_ukernel_6x16c4__avxvnni, 16, 0, 0};
  if (features.avx512vnni) out.push_back(&wide), out.push_back(&mid), out.push_back(&narrow);
  if (features.avxvnni) out.push_back(&vnni256);
#endif
#if defined(__aarch64__)
  static const Qs8FewcKernel dot{"qs8-conv-fewc-4x16c4-neondot", qs8_conv_fewc_ukernel_4x16c4__neondot, 16, 0, 128};
  if (features.neondot) out.push_back(&dot);
#endif
  (void)features;
  return out;
}

bool Qs8FewChannelConv::suits(const ConvGeometry& g) {
  if (g.group != 1 || g.in_c == 0 || g.in_c > 4 || g.dilation_w != 1 || g.out_c == 0) return false;
  const bool pointwise = g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
                         g.pad_left == 0 && g.pad_bottom == 0 && g.pad_right == 0;
  return !pointwise;
}

std::unique_ptr<Qs8FewChannelConv> Qs8FewChannelConv::create(const ConvGeometry& g, const CpuFeatures& features,
                                                             const int8_t* weights, const int32_t* bias,
                                                             int32_t x_zero_point) {
  if (!suits(g)) return nullptr;
  for (const Qs8FewcKernel* k : qs8_fewc_kernels(features)) {
    if (g.out_c <= k->min_out_c) continue;
    return std::make_unique<Qs8FewChannelConv>(g, *k, weights, bias, x_zero_point);
  }
  return nullptr;
}

Qs8FewChannelConv::Qs8FewChannelConv(const ConvGeometry& g, const Qs8FewcKernel& kernel, const int8_t* weights,
                                     const int32_t* bias, int32_t x_zero_point)
    : g_(g), kernel_(&kernel), zero_point_(static_cast<uint8_t>(x_zero_point)) {
  const size_t c = g.in_c, m = g.out_c, kh = g.kernel_h, kw = g.kernel_w, run = kw * c;
  dwords_ = (run + 3) / 4;
  const size_t depth = kh * dwords_ * 4;
  // W' [M x K'], k' = (ki, s) with s = kj * C + c inside a kernel row's window, zero in its 4-byte padding.
  std::vector<int8_t> rows(m * depth, 0);
  for (size_t o = 0; o < m; ++o)
    for (size_t ki = 0; ki < kh; ++ki)
      for (size_t kj = 0; kj < kw; ++kj)
        for (size_t ch = 0; ch < c; ++ch)
          rows[o * depth + ki * dwords_ * 4 + kj * c + ch] = weights[((o * c + ch) * kh + ki) * kw + kj];
  const Qs8PackSpec spec{static_cast<uint32_t>(kernel.nr), 4, 4, 1, kernel.a_offset};
  panels_ = qs8_panel_count(spec, m);
  panel_bytes_ = qs8_panel_bytes(spec, depth);
  packed_.resize(qs8_packed_weights_bytes(spec, depth, m));
  qs8_pack_gemm_weights(spec, depth, m, rows.data(), 1, depth, bias, x_zero_point, packed_.data());
}

void Qs8FewChannelConv::run(ThreadPool* pool, const uint8_t* x, const Qs8EpilogueParams& p, Qs8EpilogueFn epilogue,
                            const uint8_t* r, void* y) const {
  const ConvGeometry& g = g_;
  const size_t c = g.in_c, m = g.out_c, out_rows = g.batch * g.out_h;
  if (out_rows == 0 || g.out_w == 0) return;
  const size_t padded_w = g.pad_left + g.in_w + g.pad_right;
  const size_t row_bytes = round_up(padded_w * c + kRowSlack, 64);
  const size_t in_rows = g.batch * g.in_h;
  // Every input row with pad_left / pad_right zero-point pixels, then one all-zero-point row for kernel rows above
  // or below the input. Built on the calling thread; the tasks only read it.
  static thread_local std::vector<uint8_t> padded;
  if (padded.size() < (in_rows + 1) * row_bytes) padded.resize((in_rows + 1) * row_bytes);
  uint8_t* const base = padded.data();
  // One fill, then one copy per row: small images (28x28 stems) pay per library call.
  std::memset(base, zero_point_, (in_rows + 1) * row_bytes);
  for (size_t i = 0; i < in_rows; ++i)
    std::memcpy(base + i * row_bytes + g.pad_left * c, x + i * g.in_w * c, g.in_w * c);
  const uint8_t* zero_row = base + in_rows * row_bytes;

  const size_t out_bytes = p.output == Qs8Output::kUint8 ? 1 : 4;
  const size_t nr = kernel_->nr, acc_stride = panels_ * nr, step = g.stride_w * c;
  const bool fused = kernel_->ukernel_u8 && qs8_fused_u8_form(p);
  auto body = [&](size_t begin, size_t end) {
    static thread_local std::vector<int32_t> acc;
    static thread_local std::vector<const uint8_t*> rows;
    if (!fused && acc.size() < kChunkPixels * acc_stride) acc.resize(kChunkPixels * acc_stride);
    if (rows.size() < g.kernel_h) rows.resize(g.kernel_h);
    int32_t* const acc_data = acc.data();
    const uint8_t** const row_ptrs = rows.data();
    for (size_t t = begin; t < end; ++t) {
      const size_t b = t / g.out_h, oh = t % g.out_h;
      const long ih0 = static_cast<long>(oh * g.stride_h) - static_cast<long>(g.pad_top);
      for (size_t ki = 0; ki < g.kernel_h; ++ki) {
        const long ih = ih0 + static_cast<long>(ki * g.dilation_h);
        const bool inside = ih >= 0 && ih < static_cast<long>(g.in_h);
        row_ptrs[ki] = inside ? base + (b * g.in_h + static_cast<size_t>(ih)) * row_bytes : zero_row;
      }
      for (size_t p0 = 0; p0 < g.out_w; p0 += kChunkPixels) {
        const size_t pixels = std::min(kChunkPixels, g.out_w - p0);
        Qs8FewcRowArgs args{row_ptrs, g.kernel_h, dwords_, step, pixels, nullptr, nullptr, acc_stride};
        if (p0 > 0)
          for (size_t ki = 0; ki < g.kernel_h; ++ki) row_ptrs[ki] += kChunkPixels * step;
        const size_t first = t * g.out_w + p0;
        const uint8_t* chunk_r = r ? r + first * m : nullptr;
        if (fused) {
          run_panels_u8(args, p, chunk_r, static_cast<uint8_t*>(y) + first * m);
          continue;
        }
        for (size_t panel = 0; panel < panels_; ++panel) {
          args.packed = packed_.data() + panel * panel_bytes_;
          args.acc = acc_data + panel * nr;
          kernel_->ukernel(args);
        }
        epilogue(pixels, m, 0, acc_data, acc_stride, p, chunk_r, m, static_cast<uint8_t*>(y) + first * m * out_bytes,
                 m);
      }
    }
  };
  if (pool && pool->threads() > 1) pool->parallel_for(out_rows, 1, body);
  else body(0, out_rows);
}

void Qs8FewChannelConv::run_panels_u8(Qs8FewcRowArgs& args, const Qs8EpilogueParams& p, const uint8_t* r,
                                      uint8_t* y) const {
  const size_t m = g_.out_c, nr = kernel_->nr;
  for (size_t panel = 0; panel < panels_; ++panel) {
    const size_t n0 = panel * nr;
    args.packed = packed_.data() + panel * panel_bytes_;
    const Qs8FewcU8Out out{std::min(nr, m - n0), p.scale + n0, &p, r ? r + n0 : nullptr, m, y + n0, m};
    kernel_->ukernel_u8(args, out);
  }
}

}  // namespace sparq

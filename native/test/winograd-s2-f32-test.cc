// Stride-2 (polyphase) Winograd fp32 conv against the direct reference: every kernel and GEMM tile the ISA level
// allows, odd and even sizes, every pad combination, ragged channels, epilogues, batch 2, split tile ranges.
#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "reference/f32-conv.h"
#include "runtime/dispatch-winograd.h"
#include "test/test-harness.h"

namespace {

using namespace sparq;

struct S2Case {
  size_t batch, h, w, c, m, pt, pl, pb, pr;
  ActivationParams act;
  bool bias, residual;
};

std::string describe(const WinogradS2F32Kernel& k, const S2Case& s) {
  std::ostringstream os;
  os << k.name << " N" << s.batch << " " << s.h << "x" << s.w << "x" << s.c << " -> " << s.m << " p" << s.pt << ","
     << s.pl << "," << s.pb << "," << s.pr << " act" << static_cast<int>(s.act.kind) << (s.bias ? " bias" : "")
     << (s.residual ? " residual" : "");
  return os.str();
}

// Worst-case rounding error of the Winograd result at each output, first order in u = 2^-24. Per dimension the three
// products an output sums are bounded by (3|w0| + |w1| + |w2|) * D <= 3 * sum|w| * D, D = max |x| over the output's
// own 3-tap window (y0 = (d0-d2)w0 + d2(w0+w2) + d1 w1 only reads d0..d2), so in 2D the 9 products sum to at most
// 9 * T with T = sum_c sum_taps |w| * D_c. Every one passes through at most 4C + 16 roundings (<= 3 adds in each
// transform, the product, < 4C adds of a grouped GEMM (K = up to 4 positions x C) in any order, <= 6 adds of the
// output transform, bias and residual), and the activations tested are at most 1.5-Lipschitz (hard_swish), hence
//   |got - want| <= 1.5 * (4C + 16) * u * (9 * T + |bias| + |residual|)  (+ a few u of |want| for the final rounding).
// A wrong tap, pad pixel or bias costs about |w| * |x| ~ 0.1 per channel, far above it.
std::vector<double> winograd_s2_error_bound(const S2Case& s, size_t oh, size_t ow, const std::vector<float>& x,
                                            const std::vector<float>& w, const std::vector<float>& b,
                                            const std::vector<float>& r) {
  const double u = std::ldexp(1.0, -24);
  std::vector<double> wsum(s.m * s.c);  // sum over the 9 taps of |w[m, c]|
  for (size_t i = 0; i < wsum.size(); ++i)
    for (size_t t = 0; t < 9; ++t) wsum[i] += std::fabs(w[i * 9 + t]);
  std::vector<double> bound(s.batch * oh * ow * s.m), d(s.c);
  for (size_t n = 0; n < s.batch; ++n) {
    for (size_t y = 0; y < oh; ++y) {
      for (size_t xo = 0; xo < ow; ++xo) {
        std::fill(d.begin(), d.end(), 0.0);
        for (size_t ki = 0; ki < 3; ++ki) {
          const long ih = static_cast<long>(2 * y + ki) - static_cast<long>(s.pt);
          if (ih < 0 || ih >= static_cast<long>(s.h)) continue;
          for (size_t kj = 0; kj < 3; ++kj) {
            const long iw = static_cast<long>(2 * xo + kj) - static_cast<long>(s.pl);
            if (iw < 0 || iw >= static_cast<long>(s.w)) continue;
            const float* px = x.data() + ((n * s.h + static_cast<size_t>(ih)) * s.w + static_cast<size_t>(iw)) * s.c;
            for (size_t c = 0; c < s.c; ++c) d[c] = std::max(d[c], static_cast<double>(std::fabs(px[c])));
          }
        }
        for (size_t m = 0; m < s.m; ++m) {
          double t = 0;
          for (size_t c = 0; c < s.c; ++c) t += wsum[m * s.c + c] * d[c];
          const size_t o = ((n * oh + y) * ow + xo) * s.m + m;
          const double extra = (s.bias ? std::fabs(b[m]) : 0.0) + (s.residual ? std::fabs(r[o]) : 0.0);
          bound[o] = 1.5 * static_cast<double>(4 * s.c + 16) * u * (9 * t + extra);
        }
      }
    }
  }
  return bound;
}

// Runs the kernel over the tile range split in `parts` calls (as threads would) and compares with the reference.
void check_case(const WinogradS2F32Kernel& k, const S2Case& s, size_t parts, uint32_t seed) {
  WinogradS2Problem p;
  p.batch = s.batch;
  p.in_h = s.h;
  p.in_w = s.w;
  p.channels = s.c;
  p.out_channels = s.m;
  p.pad_top = s.pt;
  p.pad_left = s.pl;
  p.out_h = (s.h + s.pt + s.pb - 3) / 2 + 1;
  p.out_w = (s.w + s.pl + s.pr - 3) / 2 + 1;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> x(s.batch * s.h * s.w * s.c), wt(s.m * s.c * 9), bias(s.m), res(s.batch * p.out_h * p.out_w * s.m);
  for (auto* v : {&x, &wt, &bias, &res})
    for (auto& e : *v) e = dist(rng);
  std::vector<float> want(res.size()), got(res.size(), -7.f);
  F32ConvReferenceShape rs;
  rs.batch = s.batch;
  rs.in_h = s.h;
  rs.in_w = s.w;
  rs.in_c = s.c;
  rs.out_h = p.out_h;
  rs.out_w = p.out_w;
  rs.out_c = s.m;
  rs.kernel_h = rs.kernel_w = 3;
  rs.stride_h = rs.stride_w = 2;
  rs.pad_top = s.pt;
  rs.pad_left = s.pl;
  f32_conv_reference(rs, x.data(), wt.data(), s.bias ? bias.data() : nullptr, s.residual ? res.data() : nullptr,
                     want.data(), s.act);
  const auto packed = winograd_s2_f32_pack(wt.data(), s.bias ? bias.data() : nullptr, s.c, s.m, k.nr);
  CHECK_EQ(packed.out_channels_padded % k.nr, 0u);
  std::vector<float> ws(winograd_s2_f32_workspace_floats(s.c, packed.out_channels_padded, k.mr));
  p.residual = s.residual ? res.data() : nullptr;
  const size_t tiles = p.tiles();
  for (size_t i = 0; i < parts; ++i) {
    k.conv(p, k.gemm_tile(), x.data(), packed, s.act, got.data(), ws.data(), tiles * i / parts,
           tiles * (i + 1) / parts);
  }
  const auto bound = winograd_s2_error_bound(s, p.out_h, p.out_w, x, wt, bias, res);
  int bad = 0;
  for (size_t i = 0; i < want.size() && bad < 3; ++i) {
    const double tol = bound[i] + 4 * std::ldexp(std::fabs(want[i]), -24);
    if (!(std::fabs(got[i] - want[i]) <= tol)) {
      ++bad;
      std::ostringstream os;
      os << describe(k, s) << " [" << i << "] got " << got[i] << " want " << want[i] << " tol " << tol;
      ::sparq_test::report_failure(__FILE__, __LINE__, os.str());
    }
  }
}

}  // namespace

SPARQ_TEST(winograd_s2_f32_matches_direct_conv_on_sizes_and_pads) {
  const auto kernels = winograd_s2_f32_kernels(features_for_level(default_level()));
  CHECK(!kernels.empty());
  const ActivationParams none;
  uint32_t seed = 1;
  for (const auto& k : kernels) {
    // Sizes 3..10 (odd output sizes leave half-empty tiles), each pad 0 or 1 on each side independently.
    for (size_t h = 3; h <= 10; ++h) {
      for (unsigned pads = 0; pads < 16; ++pads) {
        const size_t pt = pads & 1, pl = (pads >> 1) & 1, pb = (pads >> 2) & 1, pr = (pads >> 3) & 1;
        const size_t w = h + (pads % 3);  // non-square too
        check_case(k, {1, h, w, 5, 7, pt, pl, pb, pr, none, pads % 2 == 0, false}, 1, seed++);
      }
    }
    // Channels around the vector widths and the GEMM tiles (4, 8, 16; nr 8, 16, 32, 48), ragged.
    for (size_t c : {1u, 3u, 8u, 17u, 24u, 33u}) {
      for (size_t m : {1u, 7u, 16u, 33u, 48u, 50u}) {
        check_case(k, {1, 9, 8, c, m, 1, 1, 1, 1, none, true, false}, 2, seed++);
      }
    }
    // One output pixel; a 2-pixel input with pads; pads larger than 1.
    check_case(k, {1, 3, 3, 4, 9, 0, 0, 0, 0, none, true, false}, 1, seed++);
    check_case(k, {1, 2, 2, 6, 5, 1, 1, 1, 1, none, true, false}, 1, seed++);
    check_case(k, {1, 7, 6, 6, 5, 2, 0, 2, 3, none, true, false}, 1, seed++);
  }
}

SPARQ_TEST(winograd_s2_f32_epilogues_batches_and_split_ranges) {
  const auto kernels = winograd_s2_f32_kernels(features_for_level(default_level()));
  const ActivationParams none;
  const ActivationParams relu{Activation::kRelu, 0.f, 0.f};
  const ActivationParams clip{Activation::kClip, -0.5f, 0.75f};
  const ActivationParams swish{Activation::kHardSwish, 0.f, 0.f};
  uint32_t seed = 500;
  for (const auto& k : kernels) {
    // The exits-fmnist layers (28x28x24 -> 48, 14x14x48 -> 64, 7x7x64 -> 128), ReLU + residual, split 3 ways.
    check_case(k, {1, 28, 28, 24, 48, 1, 1, 1, 1, relu, true, true}, 3, seed++);
    check_case(k, {1, 14, 14, 48, 64, 1, 1, 1, 1, relu, true, false}, 3, seed++);
    check_case(k, {1, 7, 7, 64, 128, 1, 1, 1, 1, relu, true, true}, 2, seed++);
    // Batch 2 with odd sizes: tiles of the second image follow the first's in one range.
    check_case(k, {2, 13, 11, 19, 40, 1, 1, 1, 1, clip, true, true}, 5, seed++);
    check_case(k, {2, 8, 9, 10, 30, 0, 1, 1, 0, swish, false, true}, 4, seed++);
    check_case(k, {2, 5, 5, 3, 3, 1, 1, 1, 1, none, false, false}, 3, seed++);
    // More channels than one tile block holds (several blocks per range).
    check_case(k, {1, 30, 30, 130, 20, 1, 1, 1, 1, relu, true, false}, 2, seed++);
  }
}

SPARQ_TEST(winograd_s2_f32_picks_the_tile_that_pads_least) {
  const CpuFeatures f = features_for_level(default_level());
  const auto kernels = winograd_s2_f32_kernels(f);
  for (size_t m : {1u, 16u, 24u, 48u, 64u, 96u, 128u, 144u}) {
    const WinogradS2F32Kernel chosen = winograd_s2_f32_kernel_for(f, m);
    CHECK(chosen.supported == kernels.front().supported);  // the best ISA's entries only
    const size_t padded = (m + chosen.nr - 1) / chosen.nr * chosen.nr;
    for (const auto& k : kernels) {
      if (k.supported == kernels.front().supported) CHECK(padded <= (m + k.nr - 1) / k.nr * k.nr);
    }
  }
}

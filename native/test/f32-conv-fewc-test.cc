// fp32 few-channel conv: every f32-conv-fewc microkernel the ISA level allows against the plain reference of its
// contract (odd and even pixel counts around the tile's pairs, channels around the panels and octets, 1-27 taps,
// several rows, bias, residual, relu and clip bounds, nothing written outside the output); then the op layer with
// every kernel (planar copy: channels, strides, dilations, pads) against the reference convolution, batch 2 and two
// threads; the Conv op's `auto` choice of it and the rule behind that choice.
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "ops/aligned-buffer.h"
#include "ops/conv-few-channels.h"
#include "reference/f32-conv-fewc.h"
#include "reference/f32-conv.h"
#include "runtime/dispatch-f32.h"
#include "runtime/thread-pool.h"
#include "test/f32-plan-fixture.h"
#include "test/test-harness.h"

using sparq_test::random_floats;

namespace {

struct KernelCase {
  size_t rows, pixels, channels, taps;
  bool bias, residual, clamp, upper;  // upper: clip's finite max (relu's is +inf)
};

void check_kernel(const sparq::F32ConvFewcKernelInfo& kernel, const KernelCase& k) {
  // Taps spread over 3 input rows of a ragged width; pixel p of tap t at row_stride * r + offset[t] + p.
  const size_t width = k.pixels + 13, input_row_stride = 3 * width + 7;
  std::vector<size_t> offsets(k.taps);
  for (size_t t = 0; t < k.taps; ++t) offsets[t] = (t % 3) * width + (t / 3) % 7 + t / 21;
  const std::vector<float> x = random_floats(k.rows * input_row_stride + 4 * width, static_cast<uint32_t>(7 + k.taps + k.pixels));
  const std::vector<float> w = random_floats(k.taps * k.channels, static_cast<uint32_t>(3 + k.channels));
  const std::vector<float> bias = random_floats(k.channels, 5);
  const size_t out_stride = k.channels + 3, out_row_stride = k.pixels * out_stride + 5;
  const size_t out_floats = k.rows * out_row_stride;
  const std::vector<float> residual = random_floats(out_floats, 6);

  sparq::AlignedFloats packed(sparq::f32_conv_fewc_packed_size(k.taps, k.channels, kernel.nr));
  sparq::f32_conv_fewc_pack_weights(w.data(), k.taps, k.channels, kernel.nr, packed.data());
  sparq::AlignedFloats packed_bias(sparq::f32_conv_fewc_packed_size(1, k.channels, kernel.nr));
  sparq::f32_conv_fewc_pack_bias(k.bias ? bias.data() : nullptr, k.channels, kernel.nr, packed_bias.data());

  std::vector<float> got(out_floats, -555.f), want(out_floats, -555.f);
  sparq::F32ConvFewcArgs a{};
  a.input = x.data();
  a.input_row_stride = input_row_stride;
  a.tap_offsets = offsets.data();
  a.taps = k.taps;
  a.rows = k.rows;
  a.pixels = k.pixels;
  a.weights = packed.data();
  a.bias = packed_bias.data();
  a.residual = k.residual ? residual.data() : nullptr;
  a.output = got.data();
  a.output_stride = out_stride;
  a.output_row_stride = out_row_stride;
  a.channels = k.channels;
  a.clamp = k.clamp;
  a.min = -0.4f;
  a.max = k.upper ? 0.7f : std::numeric_limits<float>::infinity();
  kernel.ukernel(a);
  sparq::f32_conv_fewc_reference(x.data(), input_row_stride, offsets.data(), k.taps, k.rows, k.pixels, w.data(),
                                 k.bias ? bias.data() : nullptr, a.residual, want.data(), out_stride, out_row_stride,
                                 k.channels, k.clamp, a.min, a.max);
  std::ostringstream what;
  what << kernel.name << " rows " << k.rows << " pixels " << k.pixels << " channels " << k.channels << " taps "
       << k.taps << (k.bias ? " bias" : "") << (k.residual ? " residual" : "") << (k.clamp ? " clamp" : "")
       << (k.upper ? " upper" : "");
  size_t bad = 0;
  for (size_t i = 0; i < out_floats; ++i) {
    const size_t r = i / out_row_stride, p = (i % out_row_stride) / out_stride, n = i % out_row_stride % out_stride;
    const bool inside = p < k.pixels && n < k.channels;
    double magnitude = 1.0;
    if (inside)
      for (size_t t = 0; t < k.taps; ++t) magnitude += std::fabs(x[r * input_row_stride + offsets[t] + p]);
    // Relative to the sum of the absolute inputs: float accumulation error, not the result's size, is what grows.
    const bool ok = inside ? std::fabs(got[i] - want[i]) <= 1e-5 * magnitude : got[i] == -555.f;
    if (!ok && bad++ < 3) {
      std::ostringstream os;
      os << what.str() << " [row " << r << " pixel " << p << " channel " << n << "] got " << got[i] << " want " << want[i];
      ::sparq_test::report_failure(__FILE__, __LINE__, os.str());
    }
  }
}

}  // namespace

SPARQ_TEST(f32_conv_fewc_kernels_match_reference_around_tile_edges) {
  const auto kernels = sparq::f32_conv_fewc_all_kernels_for(sparq::features_for_level(sparq::default_level()));
  CHECK(!kernels.empty());
  for (const sparq::F32ConvFewcKernelInfo* kernel : kernels) {
    const size_t mr = kernel->mr, nr = kernel->nr;
    const size_t pixel_counts[] = {1, 2, 3, mr - 1, mr, mr + 1, 2 * mr + 3, 28};
    const size_t channel_counts[] = {1, 7, 8, 9, nr - 1, nr, nr + 1, 2 * nr + 5, 24};
    size_t i = 0;
    for (size_t pixels : pixel_counts)
      for (size_t channels : channel_counts)
        for (size_t taps : {1, 9, 27}) {
          ++i;
          check_kernel(*kernel, {1 + i % 3, pixels, channels, taps, i % 2 == 0, i % 3 == 1, i % 4 != 3, i % 8 == 1});
        }
  }
}

namespace {

struct ConvCase {
  size_t n, h, w, c, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  const char* activation;
  bool bias, residual;
};

sparq::ConvGeometry geometry_of(const ConvCase& k) {
  sparq::ConvGeometry g;
  g.batch = k.n;
  g.in_h = k.h;
  g.in_w = k.w;
  g.in_c = k.c;
  g.out_c = k.m;
  g.kernel_h = k.kh;
  g.kernel_w = k.kw;
  g.stride_h = k.sh;
  g.stride_w = k.sw;
  g.dilation_h = k.dh;
  g.dilation_w = k.dw;
  g.pad_top = k.pt;
  g.pad_left = k.pl;
  g.pad_bottom = k.pb;
  g.pad_right = k.pr;
  g.out_h = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  g.out_w = (k.w + k.pl + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1;
  return g;
}

sparq::ActivationParams activation_of(const char* name) {
  sparq::OpAttrs at;
  at.strings["activation"] = name;
  if (std::string(name) == "clip") {
    at.numbers["alpha"] = {-0.25};
    at.numbers["beta"] = {0.6};
  }
  return sparq::parse_activation(at);
}

std::vector<float> reference_of(const ConvCase& k, const sparq::ConvGeometry& g, const std::vector<float>& x,
                                const std::vector<float>& w, const std::vector<float>& b, const std::vector<float>& r) {
  sparq::F32ConvReferenceShape s;
  s.batch = k.n; s.in_h = k.h; s.in_w = k.w; s.in_c = k.c; s.out_h = g.out_h; s.out_w = g.out_w; s.out_c = k.m;
  s.kernel_h = k.kh; s.kernel_w = k.kw; s.stride_h = k.sh; s.stride_w = k.sw;
  s.dilation_h = k.dh; s.dilation_w = k.dw; s.pad_top = k.pt; s.pad_left = k.pl;
  std::vector<float> want(k.n * g.out_h * g.out_w * k.m);
  sparq::f32_conv_reference(s, x.data(), w.data(), k.bias ? b.data() : nullptr, k.residual ? r.data() : nullptr,
                            want.data(), activation_of(k.activation));
  return want;
}

void check_close(const std::vector<float>& got, const std::vector<float>& want, const ConvCase& k,
                 const std::string& what) {
  const float tol = 1e-5f * std::max(1.f, std::sqrt(static_cast<float>(k.c * k.kh * k.kw) / 16.f));
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tol * (1.f + std::fabs(want[i]))) && bad++ < 3) {
      std::ostringstream os;
      os << what << " " << k.n << "x" << k.h << "x" << k.w << "x" << k.c << " -> " << k.m << " k" << k.kh << "x" << k.kw
         << " s" << k.sh << "x" << k.sw << " d" << k.dh << "x" << k.dw << " " << k.activation << " [" << i << "] got "
         << got[i] << " want " << want[i];
      ::sparq_test::report_failure(__FILE__, __LINE__, os.str());
    }
  }
}

const ConvCase kCases[] = {
    {1, 28, 28, 1, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, false},         // the exits fixture's stem
    {1, 28, 28, 1, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, "hard_swish", true, false},   // the MobileNet fixture's stem
    {2, 17, 15, 3, 33, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, "relu", true, false},         // ImageNet-style, ragged, batch 2
    {1, 1, 9, 2, 8, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, "clip", true, true},             // one row
    {1, 5, 1, 4, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "none", false, false},           // one column
    {1, 10, 11, 4, 65, 5, 3, 1, 2, 2, 1, 2, 1, 1, 0, "hard_swish", true, true},    // dilated, asymmetric pads
    {1, 6, 5, 1, 17, 3, 3, 3, 3, 1, 1, 0, 0, 0, 0, "relu", true, false},           // stride 3, no padding
    {2, 9, 31, 3, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "leaky_relu", false, true},    // odd width, no bias
    {1, 16, 16, 2, 7, 2, 2, 2, 2, 1, 1, 0, 0, 1, 1, "relu", true, true},           // even kernel
    {1, 7, 33, 1, 9, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, "clip", true, false},           // 1x1 strided, padded
    {1, 12, 12, 3, 3, 3, 3, 1, 1, 3, 2, 3, 2, 3, 2, "sigmoid", true, false},       // dilation 3 x 2
    {3, 4, 6, 1, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, true},            // small images, batch 3
};

}  // namespace

SPARQ_TEST(f32_few_channel_conv_matches_reference_with_every_kernel) {
  const auto kernels = sparq::f32_conv_fewc_all_kernels_for(sparq::features_for_level(sparq::default_level()));
  for (const ConvCase& k : kCases) {
    const sparq::ConvGeometry g = geometry_of(k);
    CHECK(sparq::F32FewChannelConv::suits(g));
    const auto x = random_floats(k.n * k.h * k.w * k.c, static_cast<uint32_t>(1 + k.c * 7 + k.m));
    const auto w = random_floats(k.m * k.c * k.kh * k.kw, static_cast<uint32_t>(2 + k.kh));
    const auto b = random_floats(k.m, 3);
    const auto r = random_floats(k.n * g.out_h * g.out_w * k.m, 4);
    const std::vector<float> want = reference_of(k, g, x, w, b, r);
    const sparq::ActivationParams act = activation_of(k.activation);
    for (const sparq::F32ConvFewcKernelInfo* kernel : kernels) {
      sparq::F32FewChannelConv conv(g, *kernel, w.data(), k.bias ? b.data() : nullptr);
      for (int threads : {1, 2}) {
        sparq::ThreadPool pool(threads);
        std::vector<float> y(want.size(), -777.f);
        // Twice: the second run must not depend on what the first left in the planes.
        for (int run = 0; run < 2; ++run) conv.run(&pool, x.data(), k.residual ? r.data() : nullptr, act, y.data());
        check_close(y, want, k, std::string(kernel->name) + " t" + std::to_string(threads));
        if (k.residual) {
          // The residual may be the output itself (in place).
          std::vector<float> in_place = r;
          conv.run(&pool, x.data(), in_place.data(), act, in_place.data());
          check_close(in_place, want, k, std::string(kernel->name) + " in place");
        }
      }
    }
  }
}

SPARQ_TEST(f32_conv_auto_runs_stems_on_the_few_channel_kernels) {
  const sparq::CpuFeatures features = sparq::features_for_level(sparq::default_level());
  for (const ConvCase& k : kCases) {
    const sparq::ConvGeometry g = geometry_of(k);
    const auto x = random_floats(k.n * k.h * k.w * k.c, static_cast<uint32_t>(5 + k.c));
    const auto w = random_floats(k.m * k.c * k.kh * k.kw, static_cast<uint32_t>(6 + k.kw));
    const auto b = random_floats(k.m, 7);
    const auto r = random_floats(k.n * g.out_h * g.out_w * k.m, 8);
    const std::vector<float> want = reference_of(k, g, x, w, b, r);
    for (const char* algorithm : {"auto", "gemm"}) {
      sparq_test::F32PlanFixture f;
      const auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
      const int32_t ix = f.input({i64(k.n), i64(k.h), i64(k.w), i64(k.c)}, x);
      const int32_t iw = f.constant({i64(k.m), i64(k.c), i64(k.kh), i64(k.kw)}, w);
      const std::vector<int64_t> ys = {i64(k.n), i64(g.out_h), i64(g.out_w), i64(k.m)};
      const int32_t ib = k.bias ? f.constant({i64(k.m)}, b) : -1;
      const int32_t ir = k.residual ? f.input(ys, r) : -1;
      const int32_t iy = f.output(ys);
      sparq::OpAttrs at;
      at.numbers["kernel_shape"] = {double(k.kh), double(k.kw)};
      at.numbers["strides"] = {double(k.sh), double(k.sw)};
      at.numbers["dilations"] = {double(k.dh), double(k.dw)};
      at.numbers["pads"] = {double(k.pt), double(k.pl), double(k.pb), double(k.pr)};
      at.strings["activation"] = k.activation;
      at.strings["algorithm"] = algorithm;
      if (std::string(k.activation) == "clip") {
        at.numbers["alpha"] = {-0.25};
        at.numbers["beta"] = {0.6};
      }
      auto op = f.build("Conv", {ix, iw, ib, ir}, iy, at);
      // `auto` runs exactly the tile the rule picks; `gemm` never the few-channel kernels.
      const sparq::F32ConvFewcKernelInfo* chosen = sparq::F32FewChannelConv::choose(features, g);
      const bool fewc = op->kernel_name().find("f32-conv-fewc") == 0;
      if (std::string(algorithm) == "auto" && chosen) CHECK_EQ(op->kernel_name(), std::string(chosen->name));
      else CHECK(!fewc);
      for (int threads : {1, 2}) check_close(f.run(*op, iy, threads), want, k, op->kernel_name() + " " + algorithm);
    }
  }
}

SPARQ_TEST(f32_few_channel_conv_choice_follows_its_rule) {
  const sparq::CpuFeatures features = sparq::features_for_level(sparq::default_level());
  auto stem = [](size_t c, size_t m, size_t hw, size_t s) {
    ConvCase k{1, hw, hw, c, m, 3, 3, s, s, 1, 1, 1, 1, 1, 1, "relu", true, false};
    return geometry_of(k);
  };
  // Never without AVX2, never off the geometry it suits (5 input channels, two groups, an unpadded 1x1 conv).
  CHECK(sparq::F32FewChannelConv::choose(sparq::features_for_level("scalar"), stem(1, 24, 28, 1)) == nullptr);
  CHECK(!sparq::F32FewChannelConv::suits(stem(5, 24, 28, 1)));
  sparq::ConvGeometry grouped = stem(4, 24, 28, 1);
  grouped.group = 2;
  CHECK(!sparq::F32FewChannelConv::suits(grouped));
  sparq::ConvGeometry pointwise = stem(1, 24, 28, 1);
  pointwise.kernel_h = pointwise.kernel_w = 1;
  pointwise.pad_top = pointwise.pad_left = pointwise.pad_bottom = pointwise.pad_right = 0;
  CHECK(!sparq::F32FewChannelConv::suits(pointwise));
  pointwise.stride_h = pointwise.stride_w = 2;
  CHECK(!sparq::F32FewChannelConv::suits(pointwise));
  if (!features.avx2 && !features.avx512f) return;
  // Many outputs that fill whole vectors stay on the direct-conv tiles.
  CHECK(sparq::F32FewChannelConv::choose(features, stem(1, 64, 28, 1)) == nullptr);
  CHECK(sparq::F32FewChannelConv::choose(features, stem(3, 96, 56, 2)) == nullptr);
  // The fixtures' stems run on it, on the cheapest tile of the best ISA.
  for (const auto& g : {stem(1, 24, 28, 1), stem(1, 16, 28, 1), stem(1, 16, 28, 2), stem(3, 24, 56, 1), stem(2, 8, 9, 1)}) {
    const sparq::F32ConvFewcKernelInfo* chosen = sparq::F32FewChannelConv::choose(features, g);
    CHECK(chosen != nullptr);
    if (!chosen) continue;
    for (const sparq::F32ConvFewcKernelInfo* other : sparq::f32_conv_fewc_kernels_for(features))
      CHECK(sparq::F32FewChannelConv::cycles(*chosen, g) <= sparq::F32FewChannelConv::cycles(*other, g));
  }
  if (features.avx512f) {
    CHECK_EQ(std::string(sparq::F32FewChannelConv::choose(features, stem(1, 24, 28, 1))->name), std::string("f32-conv-fewc-16x24-avx512"));
    CHECK_EQ(std::string(sparq::F32FewChannelConv::choose(features, stem(1, 16, 28, 1))->name), std::string("f32-conv-fewc-24x16-avx512"));
  }
}

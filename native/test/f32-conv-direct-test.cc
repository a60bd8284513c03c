// fp32 direct conv: every f32-dconv microkernel the ISA level allows against the plain reference of its contract
// over tiles around the MR / NR edges, few and many channels, padding lanes, bias, residual and clamp; then the
// Conv op's direct path (few-channel stems, stride-2 layers, tiles spanning output rows) against the reference
// convolution, and the per-shape tile choice.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "ops/aligned-buffer.h"
#include "ops/conv-algorithm.h"
#include "ops/f32-gemm-driver.h"
#include "reference/f32-conv.h"
#include "reference/f32-dconv.h"
#include "runtime/dispatch-f32.h"
#include "test/f32-plan-fixture.h"
#include "test/test-harness.h"

using sparq_test::random_floats;

namespace {

struct TileCase {
  size_t mr, nc, channels, taps;
  bool bias, residual, clamp;
};

// Relative to the sum of the absolute terms: float accumulation error, not the size of the result, is what grows.
void check_tile(const sparq::F32DconvKernelInfo& kernel, const TileCase& t) {
  const size_t k = t.taps * t.channels;
  // Input: pixel i's window starts at a ragged offset (as tiles spanning output rows do); taps spread over 3 rows.
  const size_t row = 4 * t.channels + 5;
  std::vector<size_t> tap_offsets(t.taps);
  for (size_t tap = 0; tap < t.taps; ++tap) tap_offsets[tap] = (tap % 3) * row + (tap / 3) * t.channels;
  const size_t span = 3 * row + (t.taps / 3 + 1) * t.channels;
  const std::vector<float> x = random_floats(t.mr * 7 + span + 8, static_cast<uint32_t>(11 + k));
  std::vector<const float*> pixels(t.mr);
  for (size_t i = 0; i < t.mr; ++i) pixels[i] = x.data() + i * 7 + (i % 2);
  const std::vector<float> w = random_floats(k * t.nc, static_cast<uint32_t>(3 + t.nc));
  const std::vector<float> bias = random_floats(t.nc, 5);
  const size_t c_stride = t.nc + 3;
  const std::vector<float> residual = random_floats(t.mr * c_stride, 6);

  sparq::AlignedFloats packed(sparq::f32_gemm_packed_size(k, t.nc, kernel.nr));
  sparq::f32_gemm_pack_b(w.data(), k, t.nc, t.nc, 1, kernel.nr, 1.f, packed.data());
  sparq::AlignedFloats padded_bias(sparq::f32_gemm_packed_size(1, t.nc, kernel.nr));
  for (size_t j = 0; j < sparq::f32_gemm_packed_size(1, t.nc, kernel.nr); ++j)
    padded_bias.data()[j] = j < t.nc ? bias[j] : 0.f;

  sparq::F32GemmEpilogue ep;
  ep.bias = t.bias ? padded_bias.data() : nullptr;
  ep.residual = t.residual ? residual.data() : nullptr;
  ep.residual_stride = c_stride;
  ep.min = -0.5f;
  ep.max = 0.75f;
  std::vector<float> got(t.mr * c_stride, -555.f), want(t.mr * c_stride, -555.f);
  kernel.ukernel(t.mr, t.nc, t.channels, t.taps, pixels.data(), tap_offsets.data(), packed.data(), k * kernel.nr,
                 got.data(), c_stride, ep, t.clamp ? sparq::kF32GemmClamp : 0u);
  sparq::f32_dconv_reference(t.mr, t.nc, t.channels, t.taps, pixels.data(), tap_offsets.data(), w.data(),
                             ep.bias, ep.residual, c_stride, t.clamp, ep.min, ep.max, want.data(), c_stride);
  std::ostringstream what;
  what << kernel.name << " mr " << t.mr << " nc " << t.nc << " channels " << t.channels << " taps " << t.taps
       << (t.bias ? " bias" : "") << (t.residual ? " residual" : "") << (t.clamp ? " clamp" : "");
  size_t bad = 0;
  for (size_t i = 0; i < t.mr; ++i) {
    double magnitude = 1.0;
    for (size_t tap = 0; tap < t.taps; ++tap)
      for (size_t ch = 0; ch < t.channels; ++ch) magnitude += std::fabs(pixels[i][tap_offsets[tap] + ch]) * 1.0;
    for (size_t j = 0; j < c_stride; ++j) {
      const float g = got[i * c_stride + j], e = want[i * c_stride + j];
      // Columns past nc must stay untouched.
      const bool ok = j < t.nc ? std::fabs(g - e) <= 1e-5 * magnitude : g == -555.f;
      if (!ok && bad++ < 3) {
        std::ostringstream os;
        os << what.str() << " [" << i << ", " << j << "] got " << g << " want " << e;
        ::sparq_test::report_failure(__FILE__, __LINE__, os.str());
      }
    }
  }
}

}  // namespace

SPARQ_TEST(f32_dconv_kernels_match_reference_around_tile_edges) {
  const auto kernels = sparq::f32_dconv_all_kernels_for(sparq::features_for_level(sparq::default_level()));
  CHECK(!kernels.empty());
  for (const sparq::F32DconvKernelInfo* kernel : kernels) {
    const size_t mr = kernel->mr, nr = kernel->nr;
    const size_t rows[] = {1, mr - 1 > 0 ? mr - 1 : 1, mr};
    const size_t columns[] = {1, nr - 1, nr, nr + 1, 2 * nr + 3, 24, 48};
    for (size_t r : rows)
      for (size_t n : columns)
        for (size_t channels : {1, 3, 17})
          for (size_t taps : {1, 9})
            check_tile(*kernel, {r, n, channels, taps, (r + n) % 2 == 0, n % 3 == 1, channels != 3});
    check_tile(*kernel, {mr, nr, 2, 25, true, true, true});
    check_tile(*kernel, {mr, 3 * nr, 64, 9, true, false, true});
  }
}

namespace {

struct DirectCase {
  size_t n, h, w, c, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  const char* activation;
  bool bias, residual;
};

std::string run_direct_case(const DirectCase& k) {
  const size_t oh = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  const size_t ow = (k.w + k.pl + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1;
  const auto x = random_floats(k.n * k.h * k.w * k.c, static_cast<uint32_t>(1 + k.c * 7 + k.m));
  const auto w = random_floats(k.m * k.c * k.kh * k.kw, static_cast<uint32_t>(2 + k.kh));
  const auto b = random_floats(k.m, 3);
  const auto r = random_floats(k.n * oh * ow * k.m, 4);
  sparq_test::F32PlanFixture f;
  const auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
  const int32_t ix = f.input({i64(k.n), i64(k.h), i64(k.w), i64(k.c)}, x);
  const int32_t iw = f.constant({i64(k.m), i64(k.c), i64(k.kh), i64(k.kw)}, w);
  const std::vector<int64_t> ys = {i64(k.n), i64(oh), i64(ow), i64(k.m)};
  const int32_t ib = k.bias ? f.constant({i64(k.m)}, b) : -1;
  const int32_t ir = k.residual ? f.input(ys, r) : -1;
  const int32_t iy = f.output(ys);
  sparq::OpAttrs at;
  at.numbers["kernel_shape"] = {double(k.kh), double(k.kw)};
  at.numbers["strides"] = {double(k.sh), double(k.sw)};
  at.numbers["dilations"] = {double(k.dh), double(k.dw)};
  at.numbers["pads"] = {double(k.pt), double(k.pl), double(k.pb), double(k.pr)};
  at.strings["activation"] = k.activation;
  at.strings["algorithm"] = "gemm";  // the direct-conv kernels even where "auto" would take Winograd or (stems) few-channel kernels
  if (std::string(k.activation) == "clip") {
    at.numbers["alpha"] = {-0.25};
    at.numbers["beta"] = {0.6};
  }
  auto op = f.build("Conv", {ix, iw, ib, ir}, iy, at);
  sparq::F32ConvReferenceShape s;
  s.batch = k.n; s.in_h = k.h; s.in_w = k.w; s.in_c = k.c; s.out_h = oh; s.out_w = ow; s.out_c = k.m;
  s.kernel_h = k.kh; s.kernel_w = k.kw; s.stride_h = k.sh; s.stride_w = k.sw;
  s.dilation_h = k.dh; s.dilation_w = k.dw; s.pad_top = k.pt; s.pad_left = k.pl;
  std::vector<float> want(k.n * oh * ow * k.m);
  sparq::f32_conv_reference(s, x.data(), w.data(), k.bias ? b.data() : nullptr, k.residual ? r.data() : nullptr,
                            want.data(), sparq::parse_activation(at));
  const float tol = 1e-5f * std::max(1.f, std::sqrt(static_cast<float>(k.c * k.kh * k.kw) / 16.f));
  for (int threads : {1, 2}) {
    const std::vector<float> got = f.run(*op, iy, threads);
    size_t bad = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!(std::fabs(got[i] - want[i]) <= tol * (1.f + std::fabs(want[i]))) && bad++ < 3) {
        std::ostringstream os;
        os << op->kernel_name() << " " << k.h << "x" << k.w << "x" << k.c << " -> " << k.m << " k" << k.kh << "x" << k.kw
           << " s" << k.sh << " t" << threads << " [" << i << "] got " << got[i] << " want " << want[i];
        ::sparq_test::report_failure(__FILE__, __LINE__, os.str());
      }
    }
  }
  return op->kernel_name();
}

}  // namespace

SPARQ_TEST(f32_conv_direct_few_channels_and_strided) {
  const DirectCase cases[] = {
      {1, 28, 28, 1, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, false},     // the exits fixture's stem
      {2, 28, 28, 24, 48, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, "relu", true, false},    // its stride-2 layers
      {1, 14, 14, 48, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, "relu", true, true},
      {1, 7, 7, 64, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, "clip", true, false},
      {1, 9, 13, 2, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "none", false, true},
      {2, 17, 15, 3, 33, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, "relu", true, false},     // ImageNet-style stem, ragged
      {1, 10, 11, 4, 65, 5, 3, 1, 2, 2, 1, 2, 1, 1, 0, "hard_swish", true, true}, // dilated, asymmetric pads
      {1, 6, 5, 5, 17, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, "relu", true, false},       // no padding: reads x in place
      {3, 4, 4, 16, 96, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, "none", true, true},       // tiles across images
  };
  for (const auto& k : cases) CHECK(run_direct_case(k).find("f32-dconv") == 0);
}

SPARQ_TEST(f32_dconv_tile_choice_follows_the_cost_rule) {
  const sparq::CpuFeatures features = sparq::features_for_level(sparq::default_level());
  auto geometry = [](size_t hw, size_t c, size_t m, size_t s) {
    sparq::ConvGeometry g;
    g.in_h = g.in_w = hw;
    g.in_c = c;
    g.out_c = m;
    g.kernel_h = g.kernel_w = 3;
    g.stride_h = g.stride_w = s;
    g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = 1;
    g.out_h = g.out_w = (hw + 2 - 3) / s + 1;
    return g;
  };
  // The chosen tile is never estimated dearer than another of the same ISA.
  for (const auto& g : {geometry(28, 1, 24, 1), geometry(28, 24, 48, 2), geometry(14, 48, 64, 2), geometry(7, 64, 128, 2)}) {
    const sparq::F32DconvKernelInfo* chosen = sparq::choose_f32_dconv(features, g);
    CHECK(chosen != nullptr);
    if (!chosen) continue;
    for (const sparq::F32DconvKernelInfo* other : sparq::f32_dconv_kernels_for(features))
      CHECK(sparq::f32_dconv_cycles(*chosen, g) <= sparq::f32_dconv_cycles(*other, g));
  }
  if (features.avx512f) {
    CHECK_EQ(std::string(sparq::choose_f32_dconv(features, geometry(28, 1, 24, 1))->name), std::string("f32-dconv-12x32-avx512"));
    CHECK_EQ(std::string(sparq::choose_f32_dconv(features, geometry(28, 24, 48, 2))->name), std::string("f32-dconv-8x48-avx512"));
    CHECK_EQ(std::string(sparq::choose_f32_dconv(features, geometry(14, 48, 64, 2))->name), std::string("f32-dconv-6x64-avx512"));
  }
  // Weights beyond the L2 budget and grouped convs stay on the GEMM paths.
  CHECK(sparq::choose_f32_dconv(features, geometry(8, 512, 512, 1)) == nullptr);
  sparq::ConvGeometry grouped = geometry(8, 16, 16, 1);
  grouped.group = 2;
  CHECK(sparq::choose_f32_dconv(features, grouped) == nullptr);
}

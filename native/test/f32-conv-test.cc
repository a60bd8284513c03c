// Conv and ConvTranspose ops (NHWC fp32) built through the registry against the plain reference convolutions,
// over 1x1 / strided / KxK / dilated / asymmetric pads / grouped / depthwise, residual and activations.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "reference/f32-conv.h"
#include "runtime/dispatch-f32.h"
#include "test/f32-plan-fixture.h"
#include "test/test-harness.h"

using sparq_test::random_floats;

namespace {

struct ConvCase {
  size_t n, h, w, c, m, group, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  const char* activation;
  bool bias, residual;
};

std::string describe(const ConvCase& k) {
  std::ostringstream os;
  os << "N" << k.n << " " << k.h << "x" << k.w << "x" << k.c << " -> M" << k.m << " g" << k.group << " k" << k.kh << "x"
     << k.kw << " s" << k.sh << "x" << k.sw << " d" << k.dh << "x" << k.dw << " p" << k.pt << "," << k.pl << "," << k.pb
     << "," << k.pr << " " << k.activation << (k.bias ? " bias" : "") << (k.residual ? " residual" : "");
  return os.str();
}

sparq::OpAttrs conv_attrs(const ConvCase& k) {
  sparq::OpAttrs at;
  at.numbers["group"] = {static_cast<double>(k.group)};
  at.numbers["kernel_shape"] = {static_cast<double>(k.kh), static_cast<double>(k.kw)};
  at.numbers["strides"] = {static_cast<double>(k.sh), static_cast<double>(k.sw)};
  at.numbers["dilations"] = {static_cast<double>(k.dh), static_cast<double>(k.dw)};
  at.numbers["pads"] = {static_cast<double>(k.pt), static_cast<double>(k.pl), static_cast<double>(k.pb),
                        static_cast<double>(k.pr)};
  at.strings["activation"] = k.activation;
  if (std::string(k.activation) == "clip") {
    at.numbers["alpha"] = {-0.25};
    at.numbers["beta"] = {0.6};
  }
  if (std::string(k.activation) == "leaky_relu") at.numbers["alpha"] = {0.2};
  return at;
}

void check_close(const std::vector<float>& got, const std::vector<float>& want, float tol, const std::string& what) {
  CHECK_EQ(got.size(), want.size());
  size_t bad = 0;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tol * (1.f + std::fabs(want[i])))) {
      if (bad++ < 3) {
        std::ostringstream os;
        os << what << " [" << i << "] got " << got[i] << " want " << want[i];
        ::sparq_test::report_failure(__FILE__, __LINE__, os.str());
      }
    }
  }
}

void run_conv_case(const ConvCase& k) {
  const size_t oh = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  const size_t ow = (k.w + k.pl + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1;
  const auto x = random_floats(k.n * k.h * k.w * k.c, 1 + static_cast<uint32_t>(k.c * 7 + k.m));
  const auto w = random_floats(k.m * (k.c / k.group) * k.kh * k.kw, 2 + static_cast<uint32_t>(k.kh));
  const auto b = random_floats(k.m, 3);
  const auto r = random_floats(k.n * oh * ow * k.m, 4);
  sparq_test::F32PlanFixture f;
  const int64_t n = static_cast<int64_t>(k.n);
  const int32_t ix = f.input({n, static_cast<int64_t>(k.h), static_cast<int64_t>(k.w), static_cast<int64_t>(k.c)}, x);
  const int32_t iw = f.constant({static_cast<int64_t>(k.m), static_cast<int64_t>(k.c / k.group), static_cast<int64_t>(k.kh),
                                 static_cast<int64_t>(k.kw)}, w);
  const std::vector<int64_t> ys = {n, static_cast<int64_t>(oh), static_cast<int64_t>(ow), static_cast<int64_t>(k.m)};
  const int32_t ib = k.bias ? f.constant({static_cast<int64_t>(k.m)}, b) : -1;
  const int32_t ir = k.residual ? f.input(ys, r) : -1;
  const int32_t iy = f.output(ys);
  std::unique_ptr<sparq::Op> op;
  try {
    op = f.build("Conv", {ix, iw, ib, ir}, iy, conv_attrs(k));
  } catch (const std::exception& e) {
    ::sparq_test::report_failure(__FILE__, __LINE__, describe(k) + ": " + e.what());
    return;
  }
  sparq::F32ConvReferenceShape s;
  s.batch = k.n; s.in_h = k.h; s.in_w = k.w; s.in_c = k.c; s.out_h = oh; s.out_w = ow; s.out_c = k.m;
  s.group = k.group; s.kernel_h = k.kh; s.kernel_w = k.kw; s.stride_h = k.sh; s.stride_w = k.sw;
  s.dilation_h = k.dh; s.dilation_w = k.dw; s.pad_top = k.pt; s.pad_left = k.pl;
  sparq::OpAttrs at = conv_attrs(k);
  const sparq::ActivationParams act = sparq::parse_activation(at);
  std::vector<float> want(k.n * oh * ow * k.m);
  sparq::f32_conv_reference(s, x.data(), w.data(), k.bias ? b.data() : nullptr, k.residual ? r.data() : nullptr,
                            want.data(), act);
  // float accumulation error grows like sqrt(K) (K = 2304 for the largest cases here)
  const float k_terms = static_cast<float>((k.c / k.group) * k.kh * k.kw);
  const float tol = 2e-5f * std::max(1.f, std::sqrt(k_terms / 256.f));
  for (int threads : {1, 2}) check_close(f.run(*op, iy, threads), want, tol, describe(k) + " [" + op->kernel_name() + "]");
}

}  // namespace

SPARQ_TEST(f32_conv_pointwise_and_strided_gather) {
  const ConvCase cases[] = {
      {1, 7, 9, 5, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, "none", false, false},
      {1, 8, 8, 16, 33, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, "relu", true, false},
      {2, 14, 14, 40, 64, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, "clip", true, true},
      {1, 9, 11, 24, 20, 1, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, "none", true, false},
      {2, 10, 7, 17, 35, 1, 1, 1, 2, 3, 1, 1, 0, 0, 0, 0, "hard_swish", true, true},
      {1, 6, 6, 8, 8, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, "relu", true, false},  // padded 1x1 -> im2col
      {1, 16, 16, 96, 24, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, "none", true, true},
  };
  for (const auto& k : cases) run_conv_case(k);
}

SPARQ_TEST(f32_conv_kxk_im2col) {
  const ConvCase cases[] = {
      {1, 8, 8, 3, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, false},
      {1, 15, 13, 3, 32, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, "clip", true, false},
      {2, 9, 9, 19, 30, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "none", true, true},
      {1, 12, 10, 8, 12, 1, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, "leaky_relu", false, false},
      {1, 11, 12, 6, 10, 1, 5, 3, 2, 1, 1, 3, 0, 2, 3, 1, "sigmoid", true, false},
      {1, 16, 16, 32, 48, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, true},
      {1, 7, 7, 64, 70, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, "none", true, false},
      {1, 10, 10, 4, 6, 1, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, "tanh", true, false},
      {1, 5, 20, 7, 9, 1, 1, 5, 1, 1, 1, 1, 0, 2, 0, 2, "gelu", true, false},
      {1, 28, 28, 64, 64, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, true},  // K = 576 (> one K block)
      {1, 9, 9, 200, 40, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, true},    // implicit, 600-wide K segments
      {2, 5, 6, 256, 130, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "clip", true, true},   // weights > L2 budget: im2col
      {1, 5, 33, 8, 20, 1, 3, 3, 1, 1, 1, 2, 1, 2, 1, 2, "relu", true, true},     // wide rows: implicit, dilated W
      {2, 6, 31, 5, 17, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, "hard_swish", true, false},
      {1, 4, 40, 7, 33, 1, 5, 5, 1, 1, 1, 1, 0, 2, 4, 2, "none", false, true},
      {1, 7, 9, 260, 140, 1, 3, 3, 2, 1, 1, 2, 0, 2, 1, 1, "none", true, false},  // im2col, strided + dilated
  };
  for (const auto& k : cases) run_conv_case(k);
}

SPARQ_TEST(f32_conv_grouped) {
  const ConvCase cases[] = {
      {1, 8, 8, 8, 12, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, false},
      {2, 7, 9, 12, 8, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, "none", true, true},
      {1, 9, 9, 6, 6, 3, 3, 3, 2, 2, 1, 1, 1, 0, 1, 0, "clip", false, false},
      {1, 6, 6, 4, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "none", true, false},  // depth multiplier 2 -> per-group GEMM
      {1, 9, 10, 64, 64, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "hard_swish", true, true},
  };
  for (const auto& k : cases) run_conv_case(k);
}

SPARQ_TEST(f32_conv_depthwise) {
  const size_t channels[] = {1, 3, 8, 15, 16, 17, 24, 33, 96};
  for (size_t c : channels) {
    run_conv_case({1, 9, 11, c, c, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, false});
    run_conv_case({2, 12, 9, c, c, c, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, "clip", true, true});
    run_conv_case({1, 7, 30, c, c, c, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, "relu", true, false});
    run_conv_case({1, 10, 10, c, c, c, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, "hard_swish", true, false});
    run_conv_case({1, 13, 13, c, c, c, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, "none", false, true});
  }
  const ConvCase odd[] = {
      {1, 10, 12, 20, 20, 20, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, "relu", true, false},       // dilated
      {1, 9, 9, 16, 16, 16, 3, 3, 1, 1, 1, 1, 0, 1, 2, 0, "none", true, true},          // asymmetric pads
      {1, 4, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "sigmoid", true, false},      // narrower than the kernel interior
      {1, 8, 8, 18, 18, 18, 7, 5, 2, 1, 1, 1, 3, 2, 3, 2, "leaky_relu", true, false},   // generic kernel size
      {1, 2, 2, 16, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "relu", true, true},          // all border
      {1, 112, 112, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, "clip", true, false},     // MobileNet first block
  };
  for (const auto& k : odd) run_conv_case(k);
}

SPARQ_TEST(f32_conv_chooses_paths) {
  sparq_test::F32PlanFixture f;
  auto build = [&](size_t c, size_t m, size_t k, size_t s, size_t group, int64_t size = 32) {
    const size_t pad = k / 2;
    const size_t out = (static_cast<size_t>(size) + 2 * pad - k) / s + 1;
    const int32_t ix = f.input({1, size, size, static_cast<int64_t>(c)}, random_floats(static_cast<size_t>(size * size) * c, 1));
    const int32_t iw = f.constant({static_cast<int64_t>(m), static_cast<int64_t>(c / group), static_cast<int64_t>(k), static_cast<int64_t>(k)},
                                  random_floats(m * (c / group) * k * k, 2));
    sparq::OpAttrs at;
    at.numbers["pads"] = {double(pad), double(pad), double(pad), double(pad)};
    at.numbers["strides"] = {double(s), double(s)};
    at.numbers["group"] = {double(group)};
    at.strings["algorithm"] = "gemm";  // the dense paths; Winograd and 2:4 choices: conv-algorithm-test.cc
    return f.build("Conv", {ix, iw}, f.output({1, static_cast<int64_t>(out), static_cast<int64_t>(out), static_cast<int64_t>(m)}), at)->kernel_name();
  };
  CHECK(build(16, 32, 1, 1, 1).find(" direct") != std::string::npos);
  CHECK(build(16, 32, 1, 2, 1).find(" gather") != std::string::npos);
  // KxK with L2-sized weights: direct conv, also on maps narrower than a tile (its tiles span output rows).
  CHECK(build(16, 32, 3, 1, 1).find("f32-dconv") == 0);
  CHECK(build(16, 32, 3, 1, 1, 5).find("f32-dconv") == 0);
  CHECK(build(256, 256, 3, 1, 1).find(" im2col") != std::string::npos);
  CHECK(build(16, 32, 3, 1, 2).find(" im2col grouped") != std::string::npos);
  CHECK(build(16, 16, 3, 1, 16).find("f32-dwconv") != std::string::npos);
}

SPARQ_TEST(f32_conv_rejects_inconsistent_plans) {
  sparq_test::F32PlanFixture f;
  const int32_t ix = f.input({1, 8, 8, 4}, random_floats(256, 1));
  const int32_t iw = f.constant({6, 4, 3, 3}, random_floats(216, 2));
  sparq::OpAttrs at;
  at.numbers["pads"] = {1, 1, 1, 1};
  CHECK_THROWS(f.build("Conv", {ix, iw}, f.output({1, 8, 8, 5}), at));  // wrong M
  CHECK_THROWS(f.build("Conv", {ix, iw}, f.output({1, 7, 8, 6}), at));  // wrong H
  const int32_t iw_runtime = f.input({6, 4, 3, 3}, random_floats(216, 2));
  CHECK_THROWS(f.build("Conv", {ix, iw_runtime}, f.output({1, 8, 8, 6}), at));  // W must be constant
  at.numbers["group"] = {3};
  CHECK_THROWS(f.build("Conv", {ix, iw}, f.output({1, 8, 8, 6}), at));  // C % group
  at.numbers["group"] = {1};
  at.strings["activation"] = "swish2";
  CHECK_THROWS(f.build("Conv", {ix, iw}, f.output({1, 8, 8, 6}), at));
  at.strings["activation"] = "relu";
  auto op = f.build("Conv", {ix, iw}, f.output({1, 8, 8, 6}), at);
  // 4 input channels: the few-channel kernels where the CPU has them, else direct conv.
  const sparq::CpuFeatures features = sparq::features_for_level(sparq::default_level());
  CHECK(op->kernel_name().find(features.avx2 || features.avx512f ? "f32-conv-fewc" : "f32-dconv") == 0);
  std::string message;
  try {
    f.build("Conv", {ix, iw}, f.output({1, 8, 9, 6}), at);
  } catch (const sparq::PlanError& e) {
    message = e.what();
  }
  CHECK(message.find("Conv node 'node_Conv'") != std::string::npos);
  CHECK(message.find("[1,8,8,6]") != std::string::npos);
}

namespace {

struct DeconvCase {
  size_t n, h, w, c, m, group, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oph, opw;
  const char* activation;
  bool bias;
};

void run_deconv_case(const DeconvCase& k) {
  const size_t oh = (k.h - 1) * k.sh + k.dh * (k.kh - 1) + 1 - k.pt - k.pb + k.oph;
  const size_t ow = (k.w - 1) * k.sw + k.dw * (k.kw - 1) + 1 - k.pl - k.pr + k.opw;
  const auto x = random_floats(k.n * k.h * k.w * k.c, 61);
  const auto w = random_floats(k.c * (k.m / k.group) * k.kh * k.kw, 62);
  const auto b = random_floats(k.m, 63);
  sparq_test::F32PlanFixture f;
  const int32_t ix = f.input({static_cast<int64_t>(k.n), static_cast<int64_t>(k.h), static_cast<int64_t>(k.w), static_cast<int64_t>(k.c)}, x);
  const int32_t iw = f.constant({static_cast<int64_t>(k.c), static_cast<int64_t>(k.m / k.group), static_cast<int64_t>(k.kh), static_cast<int64_t>(k.kw)}, w);
  const int32_t ib = k.bias ? f.constant({static_cast<int64_t>(k.m)}, b) : -1;
  const int32_t iy = f.output({static_cast<int64_t>(k.n), static_cast<int64_t>(oh), static_cast<int64_t>(ow), static_cast<int64_t>(k.m)});
  sparq::OpAttrs at;
  at.numbers["group"] = {static_cast<double>(k.group)};
  at.numbers["kernel_shape"] = {static_cast<double>(k.kh), static_cast<double>(k.kw)};
  at.numbers["strides"] = {static_cast<double>(k.sh), static_cast<double>(k.sw)};
  at.numbers["dilations"] = {static_cast<double>(k.dh), static_cast<double>(k.dw)};
  at.numbers["pads"] = {static_cast<double>(k.pt), static_cast<double>(k.pl), static_cast<double>(k.pb), static_cast<double>(k.pr)};
  at.strings["activation"] = k.activation;
  std::unique_ptr<sparq::Op> op;
  try {
    op = f.build("ConvTranspose", {ix, iw, ib}, iy, at);
  } catch (const std::exception& e) {
    ::sparq_test::report_failure(__FILE__, __LINE__, std::string("ConvTranspose build: ") + e.what());
    return;
  }
  sparq::F32ConvReferenceShape s;
  s.batch = k.n; s.in_h = k.h; s.in_w = k.w; s.in_c = k.c; s.out_h = oh; s.out_w = ow; s.out_c = k.m;
  s.group = k.group; s.kernel_h = k.kh; s.kernel_w = k.kw; s.stride_h = k.sh; s.stride_w = k.sw;
  s.dilation_h = k.dh; s.dilation_w = k.dw; s.pad_top = k.pt; s.pad_left = k.pl;
  std::vector<float> want(k.n * oh * ow * k.m);
  sparq::f32_conv_transpose_reference(s, x.data(), w.data(), k.bias ? b.data() : nullptr, want.data(), sparq::parse_activation(at));
  std::ostringstream what;
  what << "ConvTranspose " << k.h << "x" << k.w << "x" << k.c << " -> " << oh << "x" << ow << "x" << k.m << " g" << k.group;
  for (int threads : {1, 2}) check_close(f.run(*op, iy, threads), want, 2e-5f, what.str());
}

}  // namespace

SPARQ_TEST(f32_conv_transpose) {
  const DeconvCase cases[] = {
      {1, 5, 5, 8, 6, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, "none", true},
      {2, 4, 6, 6, 10, 2, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, "relu", true},
      {1, 7, 3, 5, 3, 1, 3, 2, 1, 3, 2, 1, 0, 1, 2, 0, 1, 2, "clip", false},
      {1, 6, 6, 16, 33, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, "sigmoid", true},
      {1, 3, 3, 4, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, "none", true},  // depthwise transpose
  };
  for (const auto& k : cases) run_deconv_case(k);
  sparq_test::F32PlanFixture f;
  const int32_t ix = f.input({1, 5, 5, 8}, random_floats(200, 1));
  const int32_t iw = f.constant({8, 6, 3, 3}, random_floats(432, 2));
  sparq::OpAttrs at;
  at.numbers["strides"] = {2, 2};
  CHECK_THROWS(f.build("ConvTranspose", {ix, iw}, f.output({1, 13, 11, 6}), at));  // 11 + output padding 2 >= stride
  CHECK_THROWS(f.build("ConvTranspose", {ix, iw}, f.output({1, 11, 11, 7}), at));
  auto op = f.build("ConvTranspose", {ix, iw}, f.output({1, 12, 11, 6}), at);
  CHECK(op->kernel_name().find("col2im") != std::string::npos);
}

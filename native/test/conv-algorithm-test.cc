// Per-layer algorithm choice through the fp32 ops: Conv forced to Winograd F(2,3) against the direct reference
// convolution (1e-4 relative), Conv/Gemm/MatMul forced to the 2:4 kernels against the same op forced to the dense
// GEMM on the zero-filled weights (1e-5 relative), every fused epilogue, the "auto" choices and the errors.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "reference/f32-conv.h"
#include "test/f32-plan-fixture.h"
#include "test/test-harness.h"

using sparq_test::random_floats;

namespace {

// |got - want| <= tol * max(1, |want|) everywhere; reports the first few misses.
void check_relative(const std::vector<float>& got, const std::vector<float>& want, float tol, const std::string& what) {
  CHECK_EQ(got.size(), want.size());
  size_t bad = 0;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tol * std::max(1.f, std::fabs(want[i])))) {
      if (bad++ < 3) {
        std::ostringstream os;
        os << what << " [" << i << "] got " << got[i] << " want " << want[i];
        ::sparq_test::report_failure(__FILE__, __LINE__, os.str());
      }
    }
  }
}

// Zeroes all but (at most) two of every 4 consecutive values along K of B = K x N row-major (keeps 0, 1 or 2).
void make_24_along_k(std::vector<float>& b, size_t k, size_t n, uint32_t seed) {
  uint32_t s = seed * 747796405u + 1u;
  for (size_t j = 0; j < n; ++j) {
    for (size_t k0 = 0; k0 < k; k0 += 4) {
      s = s * 1664525u + 1013904223u;
      const size_t valid = std::min<size_t>(4, k - k0), keep = (s >> 24) % 3, first = (s >> 16) % valid;
      const size_t second = (first + 1 + (s >> 8) % 3) % valid;
      for (size_t i = 0; i < valid; ++i) {
        const bool kept = (keep >= 1 && i == first) || (keep == 2 && i == second);
        if (!kept) b[(k0 + i) * n + j] = 0.f;
      }
    }
  }
}

sparq::OpAttrs activation_attrs(const char* activation) {
  sparq::OpAttrs at;
  at.strings["activation"] = activation;
  if (std::string(activation) == "clip") {
    at.numbers["alpha"] = {-0.25};
    at.numbers["beta"] = {0.6};
  }
  if (std::string(activation) == "leaky_relu") at.numbers["alpha"] = {0.2};
  return at;
}

struct ConvShape {
  size_t n, h, w, c, m, kh, kw, stride, pt, pl, pb, pr;
  const char* activation;
  bool bias, residual;
};

std::string describe(const ConvShape& k) {
  std::ostringstream os;
  os << "N" << k.n << " " << k.h << "x" << k.w << "x" << k.c << " -> " << k.m << " k" << k.kh << "x" << k.kw << " s"
     << k.stride << " p" << k.pt << "," << k.pl << "," << k.pb << "," << k.pr << " " << k.activation
     << (k.bias ? " bias" : "") << (k.residual ? " residual" : "");
  return os.str();
}

// The Conv op built with `algorithm` on W = OIHW (kh x kw taps) and run on 1 and 2 threads; returns both outputs.
struct ConvRun {
  std::string kernel;
  std::vector<std::vector<float>> outputs;
};

ConvRun run_conv(const ConvShape& k, const std::vector<float>& w, const char* algorithm, std::vector<float>* want) {
  const size_t oh = (k.h + k.pt + k.pb - k.kh) / k.stride + 1, ow = (k.w + k.pl + k.pr - k.kw) / k.stride + 1;
  const auto x = random_floats(k.n * k.h * k.w * k.c, 11 + static_cast<uint32_t>(k.c));
  const auto b = random_floats(k.m, 12);
  const auto r = random_floats(k.n * oh * ow * k.m, 13);
  sparq_test::F32PlanFixture f;
  const auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
  const int32_t ix = f.input({i64(k.n), i64(k.h), i64(k.w), i64(k.c)}, x);
  const int32_t iw = f.constant({i64(k.m), i64(k.c), i64(k.kh), i64(k.kw)}, w);
  const std::vector<int64_t> ys = {i64(k.n), i64(oh), i64(ow), i64(k.m)};
  const int32_t ib = k.bias ? f.constant({i64(k.m)}, b) : -1;
  const int32_t ir = k.residual ? f.input(ys, r) : -1;
  const int32_t iy = f.output(ys);
  sparq::OpAttrs at = activation_attrs(k.activation);
  at.numbers["kernel_shape"] = {double(k.kh), double(k.kw)};
  at.numbers["strides"] = {double(k.stride), double(k.stride)};
  at.numbers["pads"] = {double(k.pt), double(k.pl), double(k.pb), double(k.pr)};
  at.strings["algorithm"] = algorithm;
  ConvRun out;
  std::unique_ptr<sparq::Op> op;
  try {
    op = f.build("Conv", {ix, iw, ib, ir}, iy, at);
  } catch (const std::exception& e) {
    ::sparq_test::report_failure(__FILE__, __LINE__, describe(k) + " " + algorithm + ": " + e.what());
    return out;
  }
  out.kernel = op->kernel_name();
  for (int threads : {1, 2}) out.outputs.push_back(f.run(*op, iy, threads));
  if (want) {
    sparq::F32ConvReferenceShape s;
    s.batch = k.n; s.in_h = k.h; s.in_w = k.w; s.in_c = k.c; s.out_h = oh; s.out_w = ow; s.out_c = k.m;
    s.kernel_h = k.kh; s.kernel_w = k.kw; s.stride_h = k.stride; s.stride_w = k.stride;
    s.pad_top = k.pt; s.pad_left = k.pl;
    want->assign(k.n * oh * ow * k.m, 0.f);
    sparq::f32_conv_reference(s, x.data(), w.data(), k.bias ? b.data() : nullptr, k.residual ? r.data() : nullptr,
                              want->data(), sparq::parse_activation(at));
  }
  return out;
}

}  // namespace

SPARQ_TEST(conv_winograd_matches_direct_conv) {
  const ConvShape cases[] = {
      {1, 8, 8, 16, 32, 3, 3, 1, 1, 1, 1, 1, "relu", true, false},
      {1, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, 1, "none", false, false},     // odd sizes: partial tiles
      {2, 6, 5, 17, 33, 3, 3, 1, 0, 0, 0, 0, "clip", true, true},     // no padding, batch 2, ragged channels
      {1, 9, 6, 40, 24, 3, 3, 1, 2, 0, 1, 2, "leaky_relu", true, true},  // asymmetric pads
      {1, 1, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, "sigmoid", true, true},      // one pixel
      {1, 14, 14, 64, 64, 3, 3, 1, 1, 1, 1, 1, "relu", true, true},
      {1, 5, 5, 130, 70, 3, 3, 1, 1, 1, 1, 1, "hard_swish", false, true},
  };
  for (const ConvShape& k : cases) {
    const auto w = random_floats(k.m * k.c * 9, 21 + static_cast<uint32_t>(k.m));
    std::vector<float> want;
    const ConvRun got = run_conv(k, w, "winograd", &want);
    CHECK(got.kernel.find("f32-winograd-f23") != std::string::npos);
    for (const auto& y : got.outputs) check_relative(y, want, 1e-4f, describe(k) + " [" + got.kernel + "]");
  }
}

// The stride-2 (polyphase) form through the op on 1 and 2 threads; the kernel name says which algorithm ran.
SPARQ_TEST(conv_winograd_stride2_matches_direct_conv) {
  const ConvShape cases[] = {
      {1, 28, 28, 24, 48, 3, 3, 2, 1, 1, 1, 1, "relu", true, false},   // exits-fmnist 28x28x24 -> 14x14x48
      {1, 14, 14, 48, 64, 3, 3, 2, 1, 1, 1, 1, "relu", true, true},    // -> 7x7x64 (odd: half-empty tiles)
      {1, 7, 7, 64, 128, 3, 3, 2, 1, 1, 1, 1, "none", true, false},    // -> 4x4x128
      {2, 9, 10, 17, 33, 3, 3, 2, 0, 1, 1, 0, "clip", true, true},     // batch 2, asymmetric pads, ragged
      {1, 3, 3, 5, 7, 3, 3, 2, 0, 0, 0, 0, "sigmoid", false, true},    // one pixel
      {2, 12, 11, 40, 20, 3, 3, 2, 1, 1, 0, 1, "hard_swish", false, false},
  };
  for (const ConvShape& k : cases) {
    const auto w = random_floats(k.m * k.c * 9, 31 + static_cast<uint32_t>(k.m));
    std::vector<float> want;
    const ConvRun got = run_conv(k, w, "winograd", &want);
    CHECK(got.kernel.find("f32-winograd-s2-") == 0);
    CHECK(got.kernel.find(" winograd") != std::string::npos);
    for (const auto& y : got.outputs) check_relative(y, want, 1e-4f, describe(k) + " [" + got.kernel + "]");
  }
}

SPARQ_TEST(conv_sparse24_matches_dense_on_zero_filled_weights) {
  const ConvShape cases[] = {
      {1, 8, 8, 64, 48, 1, 1, 1, 0, 0, 0, 0, "relu", true, true},        // 1x1: direct rows, 64 pixels
      {1, 2, 2, 32, 40, 1, 1, 1, 0, 0, 0, 0, "none", true, false},       // 4 pixels: the GEMV kernel
      {2, 10, 7, 24, 19, 3, 3, 1, 1, 1, 1, 1, "clip", true, true},        // 3x3 im2col, ragged N
      {1, 9, 9, 16, 32, 3, 3, 2, 1, 1, 1, 1, "leaky_relu", false, true},  // strided
      {1, 3, 3, 30, 20, 3, 3, 1, 0, 0, 0, 0, "hard_swish", true, true},   // 1 pixel, K = 270 (ragged groups)
      {1, 7, 7, 6, 70, 5, 5, 1, 2, 2, 2, 2, "relu", true, false},         // C = 6: groups span taps
  };
  for (const ConvShape& k : cases) {
    // B = K x M with k = (tap, c): 2:4 along it, then back to OIHW.
    const size_t taps = k.kh * k.kw, K = taps * k.c;
    std::vector<float> b = random_floats(K * k.m, 31 + static_cast<uint32_t>(k.c));
    make_24_along_k(b, K, k.m, 5 + static_cast<uint32_t>(k.m));
    std::vector<float> w(k.m * k.c * taps);
    for (size_t o = 0; o < k.m; ++o)
      for (size_t c = 0; c < k.c; ++c)
        for (size_t t = 0; t < taps; ++t) w[(o * k.c + c) * taps + t] = b[(t * k.c + c) * k.m + o];
    const ConvRun sparse = run_conv(k, w, "sparse24", nullptr);
    const ConvRun dense = run_conv(k, w, "gemm", nullptr);
    CHECK(sparse.kernel.find("sparse24") != std::string::npos);
    CHECK(dense.kernel.find("f32-gemm") != std::string::npos || dense.kernel.find("f32-dconv") != std::string::npos ||
          dense.kernel.find("dwconv") != std::string::npos);
    if (sparse.outputs.empty() || dense.outputs.empty()) continue;
    for (const auto& y : sparse.outputs) check_relative(y, dense.outputs[0], 1e-5f, describe(k) + " [" + sparse.kernel + "]");
  }
}

namespace {

struct GemmShape {
  size_t m, k, n;
  bool trans_b;
  int c_kind;  // 0 none, 1 row vector, 2 full M x N
  bool residual;
  const char* activation;
};

// Gemm (alpha 0.75, beta 1.5) on 2:4 B built with `algorithm`; returns the 1- and 2-thread outputs and the kernel.
ConvRun run_gemm(const GemmShape& g, const std::vector<float>& b_kn, const char* algorithm) {
  sparq_test::F32PlanFixture f;
  const auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
  const int32_t ia = f.input({i64(g.m), i64(g.k)}, random_floats(g.m * g.k, 41 + static_cast<uint32_t>(g.m)));
  std::vector<float> b = b_kn;
  if (g.trans_b) {
    for (size_t kk = 0; kk < g.k; ++kk)
      for (size_t j = 0; j < g.n; ++j) b[j * g.k + kk] = b_kn[kk * g.n + j];
  }
  const int32_t ib = f.constant(g.trans_b ? std::vector<int64_t>{i64(g.n), i64(g.k)} : std::vector<int64_t>{i64(g.k), i64(g.n)}, b);
  int32_t ic = -1;
  if (g.c_kind == 1) ic = f.constant({i64(g.n)}, random_floats(g.n, 42));
  if (g.c_kind == 2) ic = f.input({i64(g.m), i64(g.n)}, random_floats(g.m * g.n, 43));
  const int32_t ir = g.residual ? f.input({i64(g.m), i64(g.n)}, random_floats(g.m * g.n, 44)) : -1;
  const int32_t iy = f.output({i64(g.m), i64(g.n)});
  sparq::OpAttrs at;
  at.strings["activation"] = g.activation;
  if (std::string(g.activation) == "clip") {
    at.numbers["alpha_act"] = {-0.5};
    at.numbers["beta_act"] = {0.5};
  }
  at.numbers["transB"] = {g.trans_b ? 1.0 : 0.0};
  at.numbers["alpha"] = {0.75};
  at.numbers["beta"] = {1.5};
  at.strings["algorithm"] = algorithm;
  ConvRun out;
  auto op = f.build("Gemm", {ia, ib, ic, ir}, iy, at);
  out.kernel = op->kernel_name();
  for (int threads : {1, 2}) out.outputs.push_back(f.run(*op, iy, threads));
  return out;
}

}  // namespace

SPARQ_TEST(gemm_sparse24_matches_dense_on_zero_filled_weights) {
  const GemmShape cases[] = {
      {1, 256, 64, false, 1, false, "relu"},   // GEMV
      {1, 30, 17, true, 0, true, "none"},      // ragged K (partial group), ragged N
      {3, 130, 100, true, 1, true, "clip"},    // GEMV, 3 rows
      {5, 64, 48, false, 2, false, "tanh"},    // GEMV in two passes of 4 + 1 rows, C per row
      {8, 96, 33, false, 1, true, "none"},
      {9, 64, 40, true, 0, false, "relu"},     // the row-vectorized GEMM from here
      {70, 150, 80, false, 2, true, "gelu"},
      {200, 64, 16, true, 1, false, "none"},
  };
  for (const GemmShape& g : cases) {
    std::vector<float> b = random_floats(g.k * g.n, 51 + static_cast<uint32_t>(g.k));
    make_24_along_k(b, g.k, g.n, 6 + static_cast<uint32_t>(g.n));
    const ConvRun sparse = run_gemm(g, b, "sparse24");
    const ConvRun dense = run_gemm(g, b, "gemm");
    std::ostringstream os;
    os << "Gemm " << g.m << "x" << g.n << "x" << g.k << (g.trans_b ? " transB" : "") << " C" << g.c_kind
       << (g.residual ? " residual " : " ") << g.activation << " [" << sparse.kernel << "]";
    CHECK(sparse.kernel.find("sparse24") != std::string::npos);
    CHECK(dense.kernel.find("f32-gemm") != std::string::npos);
    CHECK_EQ(sparse.kernel.find("gemv") != std::string::npos, g.m <= 8);
    for (const auto& y : sparse.outputs) check_relative(y, dense.outputs[0], 1e-5f, os.str());
  }
}

SPARQ_TEST(matmul_sparse24_matches_dense_on_zero_filled_weights) {
  for (size_t rows : {1, 6, 37}) {
    const size_t k = 72, n = 50;
    std::vector<float> b = random_floats(k * n, 61);
    make_24_along_k(b, k, n, 7);
    std::vector<std::vector<float>> outs;
    std::vector<std::string> kernels;
    for (const char* algorithm : {"sparse24", "gemm"}) {
      sparq_test::F32PlanFixture f;
      const int64_t r64 = static_cast<int64_t>(rows);
      const int32_t ia = f.input({2, r64, 72}, random_floats(2 * rows * k, 62));
      const int32_t ib = f.constant({72, 50}, b);
      const int32_t ibias = f.constant({50}, random_floats(n, 63));
      const int32_t ir = f.input({2, r64, 50}, random_floats(2 * rows * n, 64));
      const int32_t iy = f.output({2, r64, 50});
      sparq::OpAttrs at = activation_attrs("relu");
      at.strings["algorithm"] = algorithm;
      auto op = f.build("MatMul", {ia, ib, ibias, ir}, iy, at);
      kernels.push_back(op->kernel_name());
      for (int threads : {1, 2}) outs.push_back(f.run(*op, iy, threads));
    }
    CHECK(kernels[0].find("sparse24") != std::string::npos);
    check_relative(outs[0], outs[2], 1e-5f, "MatMul 2x" + std::to_string(rows) + " [" + kernels[0] + "]");
    check_relative(outs[1], outs[2], 1e-5f, "MatMul 2x" + std::to_string(rows) + " 2 threads");
  }
}

SPARQ_TEST(auto_algorithm_follows_the_cost_model) {
  // Conv: Winograd on a 3x3 64-channel layer, dense on 3-channel input with many outputs; stride 2 on Winograd where
  // the output size is even (16 -> 8x8), on direct conv where it is odd (14 -> 7x7: 2x2 tiles waste a third of
  // their work).
  auto conv_kernel = [](size_t c, size_t m, size_t k, size_t stride, const std::vector<float>* w, int64_t size = 16) {
    sparq_test::F32PlanFixture f;
    const int64_t pad = static_cast<int64_t>(k / 2);
    const int64_t out = (size + 2 * pad - static_cast<int64_t>(k)) / static_cast<int64_t>(stride) + 1;
    const int32_t ix = f.input({1, size, size, static_cast<int64_t>(c)}, random_floats(size * size * c, 1));
    const int32_t iw = f.constant({static_cast<int64_t>(m), static_cast<int64_t>(c), static_cast<int64_t>(k), static_cast<int64_t>(k)},
                                  w ? *w : random_floats(m * c * k * k, 2));
    sparq::OpAttrs at;
    at.numbers["kernel_shape"] = {double(k), double(k)};
    at.numbers["pads"] = {double(pad), double(pad), double(pad), double(pad)};
    at.numbers["strides"] = {double(stride), double(stride)};
    return f.build("Conv", {ix, iw}, f.output({1, out, out, static_cast<int64_t>(m)}), at)->kernel_name();
  };
  CHECK(conv_kernel(64, 64, 3, 1, nullptr).find("winograd") != std::string::npos);
  CHECK(conv_kernel(3, 64, 3, 1, nullptr).find("f32-dconv") != std::string::npos);
  // A one-channel stem: the few-channel kernels where the CPU has them (ops/conv-few-channels.cc), else direct conv.
  const sparq::CpuFeatures features = sparq::features_for_level(sparq::default_level());
  CHECK(conv_kernel(1, 24, 3, 1, nullptr).find(features.avx2 || features.avx512f ? "f32-conv-fewc" : "f32-dconv") == 0);
  CHECK(conv_kernel(64, 64, 3, 2, nullptr).find("f32-winograd-s2-") == 0);
  CHECK(conv_kernel(64, 64, 3, 2, nullptr, 14).find("f32-dconv") != std::string::npos);
  CHECK(conv_kernel(8, 64, 3, 2, nullptr).find("f32-dconv") != std::string::npos);
  // A 1x1 conv whose weights are 2:4 along C runs sparse; the same layer with dense weights does not.
  std::vector<float> b = random_floats(256 * 128, 3);
  CHECK(conv_kernel(256, 128, 1, 1, &b).find("f32-gemm") != std::string::npos);
  make_24_along_k(b, 256, 128, 9);
  std::vector<float> w(128 * 256);
  for (size_t o = 0; o < 128; ++o)
    for (size_t c = 0; c < 256; ++c) w[o * 256 + c] = b[c * 128 + o];
  CHECK(conv_kernel(256, 128, 1, 1, &w).find("sparse24") != std::string::npos);
  // Gemm: 2:4 B of 512 x 512 goes sparse (GEMV kernel for one row), a small one stays dense.
  std::vector<float> big = random_floats(512 * 512, 4);
  make_24_along_k(big, 512, 512, 10);
  CHECK(run_gemm({1, 512, 512, false, 1, false, "none"}, big, "auto").kernel.find("f32-sparse24-gemv") != std::string::npos);
  CHECK(run_gemm({64, 512, 512, false, 1, false, "none"}, big, "auto").kernel.find("f32-sparse24-gemm") != std::string::npos);
  std::vector<float> small = random_floats(32 * 32, 5);
  make_24_along_k(small, 32, 32, 11);
  CHECK(run_gemm({4, 32, 32, false, 1, false, "none"}, small, "auto").kernel.find("f32-gemm") != std::string::npos);
}

SPARQ_TEST(forced_algorithms_that_cannot_apply_are_plan_errors) {
  sparq_test::F32PlanFixture f;
  const int32_t ix = f.input({1, 8, 8, 8}, random_floats(512, 1));
  const int32_t iw5 = f.constant({8, 8, 5, 5}, random_floats(8 * 8 * 25, 2));
  const int32_t iw3 = f.constant({8, 8, 3, 3}, random_floats(8 * 8 * 9, 3));
  sparq::OpAttrs at;
  at.numbers["kernel_shape"] = {5, 5};
  at.numbers["pads"] = {2, 2, 2, 2};
  at.strings["algorithm"] = "winograd";
  CHECK_THROWS(f.build("Conv", {ix, iw5}, f.output({1, 8, 8, 8}), at));  // 5x5
  at.numbers["kernel_shape"] = {3, 3};
  at.numbers["pads"] = {1, 1, 1, 1};
  at.numbers["strides"] = {3, 3};
  CHECK_THROWS(f.build("Conv", {ix, iw3}, f.output({1, 3, 3, 8}), at));  // stride 3
  at.numbers["strides"] = {1, 2};
  CHECK_THROWS(f.build("Conv", {ix, iw3}, f.output({1, 8, 4, 8}), at));  // mixed strides
  at.numbers["strides"] = {1, 1};
  at.numbers["dilations"] = {2, 2};
  CHECK_THROWS(f.build("Conv", {ix, iw3}, f.output({1, 6, 6, 8}), at));  // dilation 2
  at.numbers.erase("dilations");
  at.numbers["strides"] = {2, 2};
  CHECK(f.build("Conv", {ix, iw3}, f.output({1, 4, 4, 8}), at)->kernel_name().find("f32-winograd-s2-") == 0);
  at.numbers["strides"] = {1, 1};
  at.strings["algorithm"] = "fastest";
  std::string message;
  try {
    f.build("Conv", {ix, iw3}, f.output({1, 8, 8, 8}), at);
  } catch (const sparq::PlanError& e) {
    message = e.what();
  }
  CHECK(message.find("Expected algorithm auto, gemm, winograd or sparse24 but received 'fastest'") != std::string::npos);
  // Dense weights forced onto the 2:4 kernels: the first offending group is named.
  at.strings["algorithm"] = "sparse24";
  message.clear();
  try {
    f.build("Conv", {ix, iw3}, f.output({1, 8, 8, 8}), at);
  } catch (const sparq::PlanError& e) {
    message = e.what();
  }
  CHECK(message.find("Expected 2:4 structured sparsity along K for Conv node 'node_Conv' weight W") != std::string::npos);
  // Gemm: no Winograd; 2:4 needs a constant B.
  const int32_t ia = f.input({4, 8}, random_floats(32, 4));
  const int32_t ib = f.input({8, 16}, random_floats(128, 5));
  sparq::OpAttrs g;
  g.strings["algorithm"] = "winograd";
  CHECK_THROWS(f.build("Gemm", {ia, ib}, f.output({4, 16}), g));
  g.strings["algorithm"] = "sparse24";
  CHECK_THROWS(f.build("Gemm", {ia, ib}, f.output({4, 16}), g));
  CHECK_THROWS(f.build("MatMul", {ia, ib}, f.output({4, 16}), g));
}

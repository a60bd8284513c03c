// Elementwise ops (unary, broadcasting binary, comparisons, Where, Cast) against independently computed values.
#include <cmath>
#include <functional>
#include <limits>

#include "runtime/plan-desc.h"
#include "test/ops-test-plan.h"
#include "test/test-harness.h"

using sparq::DType;
using sparq_test::TestPlan;

namespace {

// Reference broadcast: the input element read for output flat index i, by explicit multi-index math.
size_t broadcast_source(size_t i, const std::vector<int64_t>& out, const std::vector<int64_t>& in) {
  std::vector<int64_t> idx(out.size());
  for (size_t d = out.size(); d-- > 0;) {
    idx[d] = static_cast<int64_t>(i % static_cast<size_t>(out[d]));
    i /= static_cast<size_t>(out[d]);
  }
  size_t src = 0;
  const size_t lead = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) src = src * static_cast<size_t>(in[d]) + (in[d] == 1 ? 0 : idx[lead + d]);
  return src;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

int64_t numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

void check_unary_f32(const char* type, float lo, float hi, const std::function<double(double)>& ref, double tol,
                     sparq::OpAttrs attrs = {}) {
  TestPlan p;
  const auto xs = sparq_test::random_floats(1000, lo, hi, 7);
  const int x = p.tensor(DType::kFloat32, {10, 100}, xs);
  const int y = p.tensor(DType::kFloat32, {10, 100});
  auto d = p.op(type, {x}, {y});
  d.attrs = attrs;
  CHECK_RUN_OK(p.run(d));
  const auto ys = p.get<float>(y);
  int bad = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double want = ref(xs[i]);
    if (!(std::fabs(ys[i] - want) <= tol * (1.0 + std::fabs(want)))) {
      if (bad++ < 3) CHECK_NEAR(ys[i], want, tol * (1.0 + std::fabs(want)));
    }
  }
  CHECK_EQ(bad, 0);
}

}  // namespace

SPARQ_TEST(unary_f32_ops_match_their_math) {
  check_unary_f32("Relu", -3, 3, [](double v) { return v < 0 ? 0 : v; }, 0);
  check_unary_f32("Sigmoid", -10, 10, [](double v) { return std::exp(v) / (std::exp(v) + 1); }, 1e-6);
  check_unary_f32("Tanh", -5, 5, [](double v) { return (std::exp(2 * v) - 1) / (std::exp(2 * v) + 1); }, 1e-6);
  check_unary_f32("Erf", -3, 3, [](double v) { return std::erf(v); }, 1e-6);
  check_unary_f32("Sqrt", 0, 100, [](double v) { return std::pow(v, 0.5); }, 1e-6);
  check_unary_f32("Exp", -20, 20, [](double v) { return std::pow(2.718281828459045, v); }, 1e-6);
  check_unary_f32("Log", 0.001f, 1000, [](double v) { return std::log2(v) / std::log2(2.718281828459045); }, 1e-6);
  check_unary_f32("Reciprocal", 0.5f, 8, [](double v) { return 1 / v; }, 1e-6);
  check_unary_f32("HardSwish", -5, 5, [](double v) { return v <= -3 ? 0 : v >= 3 ? v : v * (v + 3) / 6; }, 1e-6);
  check_unary_f32("Silu", -10, 10, [](double v) { return v * std::exp(v) / (std::exp(v) + 1); }, 1e-6);
  check_unary_f32("Softplus", -30, 30, [](double v) { return std::log(1 + std::exp(v)); }, 1e-6);
  check_unary_f32("Softplus", -100, -80, [](double v) { return std::exp(v); }, 1e-5);  // tiny but non-zero
  check_unary_f32("Softplus", 80, 100, [](double v) { return v; }, 1e-6);              // no overflow to inf
  sparq::OpAttrs leaky;
  leaky.numbers["alpha"] = {0.25};
  check_unary_f32("LeakyRelu", -4, 4, [](double v) { return v > 0 ? v : 0.25 * v; }, 1e-7, leaky);
  sparq::OpAttrs hs;
  hs.numbers["alpha"] = {0.3};
  hs.numbers["beta"] = {0.4};
  check_unary_f32("HardSigmoid", -5, 5, [](double v) { return std::fmax(0, std::fmin(1, 0.3 * v + 0.4)); }, 1e-6,
                  hs);
  sparq::OpAttrs clip;
  clip.numbers["min"] = {-1.5};
  clip.numbers["max"] = {2};
  check_unary_f32("Clip", -4, 4, [](double v) { return v < -1.5 ? -1.5 : v > 2 ? 2 : v; }, 0, clip);
  sparq::OpAttrs clip_max_only;
  clip_max_only.numbers["max"] = {6};
  check_unary_f32("Clip", -1e30f, 1e30f, [](double v) { return v > 6 ? 6 : v; }, 0, clip_max_only);
  check_unary_f32("Neg", -4, 4, [](double v) { return -v; }, 0);
  check_unary_f32("Abs", -4, 4, [](double v) { return v < 0 ? -v : v; }, 0);
}

SPARQ_TEST(gelu_exact_and_tanh_match_known_values) {
  // Reference values: x * Phi(x) and the tanh form, computed in double precision by hand.
  const std::vector<float> xs = {-3.f, -1.f, -0.5f, 0.f, 0.5f, 1.f, 2.f};
  const std::vector<double> exact = {-0.0040496, -0.1586553, -0.1542687, 0, 0.3457313, 0.8413447, 1.9544997};
  const std::vector<double> tanh_form = {-0.0036374, -0.1588080, -0.1542860, 0, 0.3457140, 0.8411920, 1.9545977};
  for (int approx = 0; approx < 2; ++approx) {
    TestPlan p;
    const int x = p.tensor(DType::kFloat32, {7}, xs);
    const int y = p.tensor(DType::kFloat32, {7});
    auto d = p.op("Gelu", {x}, {y});
    if (approx) d.attrs.strings["approximate"] = "tanh";
    CHECK_RUN_OK(p.run(d));
    const auto ys = p.get<float>(y);
    for (size_t i = 0; i < xs.size(); ++i) CHECK_NEAR(ys[i], approx ? tanh_form[i] : exact[i], 2e-6);
  }
  TestPlan p;
  const int x = p.tensor(DType::kFloat32, {2});
  const int y = p.tensor(DType::kFloat32, {2});
  auto d = p.op("Gelu", {x}, {y});
  d.attrs.strings["approximate"] = "erf";
  CHECK_THROWS(p.build(d));
}

SPARQ_TEST(unary_integer_and_bool_ops) {
  TestPlan p;
  const std::vector<int64_t> a = {-5, 0, 7, std::numeric_limits<int64_t>::min(), 42};
  const int x = p.tensor(DType::kInt64, {5}, a);
  const int y = p.tensor(DType::kInt64, {5});
  CHECK_RUN_OK(p.run(p.op("Neg", {x}, {y})));
  auto r = p.get<int64_t>(y);
  CHECK_EQ(r[0], 5);
  CHECK_EQ(r[1], 0);
  CHECK_EQ(r[2], -7);
  CHECK_EQ(r[3], std::numeric_limits<int64_t>::min());  // wraps like two's complement
  CHECK_RUN_OK(p.run(p.op("Abs", {x}, {y})));
  r = p.get<int64_t>(y);
  CHECK_EQ(r[0], 5);
  CHECK_EQ(r[2], 7);
  CHECK_EQ(r[4], 42);

  const int xi = p.tensor(DType::kInt32, {3}, std::vector<int32_t>{-3, 4, 0});
  const int yi = p.tensor(DType::kInt32, {3});
  CHECK_RUN_OK(p.run(p.op("Abs", {xi}, {yi})));
  CHECK(p.get<int32_t>(yi) == (std::vector<int32_t>{3, 4, 0}));

  const int b = p.tensor(DType::kBool, {4}, std::vector<uint8_t>{1, 0, 0, 1});
  const int nb = p.tensor(DType::kBool, {4});
  CHECK_RUN_OK(p.run(p.op("Not", {b}, {nb})));
  CHECK(p.get<uint8_t>(nb) == (std::vector<uint8_t>{0, 1, 1, 0}));

  // Relu is f32 only; a shape change is refused.
  CHECK_THROWS(p.build(p.op("Relu", {x}, {y})));
  const int y_wrong = p.tensor(DType::kInt64, {4});
  CHECK_THROWS(p.build(p.op("Neg", {x}, {y_wrong})));
}

namespace {

template <typename T, typename O>
void check_binary(const char* type, DType dtype, DType out_dtype, const std::vector<int64_t>& as,
                  const std::vector<int64_t>& bs, const std::vector<int64_t>& ys,
                  const std::function<O(T, T)>& ref, const std::function<T(size_t, int)>& gen, int threads = 1) {
  TestPlan p;
  std::vector<T> av(static_cast<size_t>(numel(as))), bv(static_cast<size_t>(numel(bs)));
  for (size_t i = 0; i < av.size(); ++i) av[i] = gen(i, 0);
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = gen(i, 1);
  const int a = p.tensor(dtype, as, av);
  const int b = p.tensor(dtype, bs, bv);
  const int y = p.tensor(out_dtype, ys);
  CHECK_RUN_OK(p.run(p.op(type, {a, b}, {y}), threads));
  const auto got = p.get<O>(y);
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const O want = ref(av[broadcast_source(i, ys, as)], bv[broadcast_source(i, ys, bs)]);
    if (!(got[i] == want || (std::is_floating_point<O>::value &&
                             std::fabs(static_cast<double>(got[i]) - static_cast<double>(want)) <=
                                 1e-6 * (1 + std::fabs(static_cast<double>(want)))))) {
      if (bad++ < 3) {
        std::ostringstream os;
        os << type << " " << shape_str(as) << "+" << shape_str(bs) << " " << i << ": " << +got[i] << " vs " << +want;
        sparq_test::report_failure(__FILE__, __LINE__, os.str());
      }
    }
  }
}

}  // namespace

namespace {

struct Shapes {
  std::vector<int64_t> a, b, y;
};
// Same shape, scalars (rank 0 and [1]), trailing-axes broadcast, size-1 dims both sides, rank mismatch,
// zero-size dims, and a general strided case.
const std::vector<Shapes>& broadcast_cases() {
  static const std::vector<Shapes> cases = {
      {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
      {{2, 3, 4}, {}, {2, 3, 4}},
      {{}, {5}, {5}},
      {{1}, {3, 2}, {3, 2}},
      {{2, 4, 4, 8}, {8}, {2, 4, 4, 8}},
      {{2, 4, 4, 8}, {2, 1, 1, 8}, {2, 4, 4, 8}},
      {{4, 1}, {1, 5}, {4, 5}},
      {{4, 1}, {5}, {4, 5}},
      {{2, 1, 4, 1}, {3, 1, 5}, {2, 3, 4, 5}},
      {{3, 1, 7}, {3, 5, 1}, {3, 5, 7}},
      {{0, 3}, {3}, {0, 3}},
      {{2, 0, 3}, {1, 1, 3}, {2, 0, 3}},
      {{1, 1}, {1}, {1, 1}},
      {{}, {}, {}},
      {{6, 1, 5, 1, 3}, {1, 4, 1, 2, 3}, {6, 4, 5, 2, 3}},
  };
  return cases;
}

float gen_f32(size_t i, int which) { return static_cast<float>((i * 7 + which * 3) % 19) * 0.37f - 3.1f; }

}  // namespace

SPARQ_TEST(binary_f32_broadcasting_matches_index_math) {
  for (const Shapes& s : broadcast_cases()) {
    check_binary<float, float>("Add", DType::kFloat32, DType::kFloat32, s.a, s.b, s.y,
                               [](float a, float b) { return a + b; }, gen_f32);
    check_binary<float, float>("Sub", DType::kFloat32, DType::kFloat32, s.a, s.b, s.y,
                               [](float a, float b) { return a - b; }, gen_f32);
    check_binary<float, float>("Mul", DType::kFloat32, DType::kFloat32, s.a, s.b, s.y,
                               [](float a, float b) { return a * b; }, gen_f32);
    check_binary<float, float>("Div", DType::kFloat32, DType::kFloat32, s.a, s.b, s.y,
                               [](float a, float b) { return a / b; }, gen_f32);
    check_binary<float, float>("Min", DType::kFloat32, DType::kFloat32, s.a, s.b, s.y,
                               [](float a, float b) { return std::fmin(a, b); }, gen_f32);
    check_binary<float, float>("Max", DType::kFloat32, DType::kFloat32, s.a, s.b, s.y,
                               [](float a, float b) { return std::fmax(a, b); }, gen_f32);
    check_binary<float, float>("Pow", DType::kFloat32, DType::kFloat32, s.a, s.b, s.y,
                               [](float a, float b) { return static_cast<float>(std::pow(double(a), double(b))); },
                               [](size_t i, int w) { return w ? gen_f32(i, w) : 0.25f + 0.1f * float(i % 13); });
    check_binary<float, uint8_t>("Less", DType::kFloat32, DType::kBool, s.a, s.b, s.y,
                                 [](float a, float b) -> uint8_t { return a < b; }, gen_f32);
    check_binary<float, uint8_t>("Greater", DType::kFloat32, DType::kBool, s.a, s.b, s.y,
                                 [](float a, float b) -> uint8_t { return a > b; }, gen_f32);
    check_binary<float, uint8_t>("Equal", DType::kFloat32, DType::kBool, s.a, s.b, s.y,
                                 [](float a, float b) -> uint8_t { return a == b; }, gen_f32);
  }
}

SPARQ_TEST(binary_integer_ops_wrap_and_truncate) {
  auto gen_i = [](size_t i, int w) -> int64_t { return static_cast<int64_t>((i * 5 + w * 11) % 17) - 8; };
  for (const Shapes& s : broadcast_cases()) {
    check_binary<int64_t, int64_t>("Add", DType::kInt64, DType::kInt64, s.a, s.b, s.y,
                                   [](int64_t a, int64_t b) { return a + b; }, gen_i);
    check_binary<int64_t, int64_t>("Mul", DType::kInt64, DType::kInt64, s.a, s.b, s.y,
                                   [](int64_t a, int64_t b) { return a * b; }, gen_i);
    // Div truncates toward zero (C++ semantics); division by zero gives 0.
    check_binary<int64_t, int64_t>("Div", DType::kInt64, DType::kInt64, s.a, s.b, s.y,
                                   [](int64_t a, int64_t b) -> int64_t {
                                     if (b == 0) return 0;
                                     const int64_t q = std::llabs(a) / std::llabs(b);
                                     return (a < 0) != (b < 0) ? -q : q;
                                   }, gen_i);
    check_binary<int32_t, int32_t>("Sub", DType::kInt32, DType::kInt32, s.a, s.b, s.y,
                                   [](int32_t a, int32_t b) { return a - b; },
                                   [&](size_t i, int w) { return static_cast<int32_t>(gen_i(i, w)); });
    check_binary<int32_t, int32_t>("Max", DType::kInt32, DType::kInt32, s.a, s.b, s.y,
                                   [](int32_t a, int32_t b) { return a > b ? a : b; },
                                   [&](size_t i, int w) { return static_cast<int32_t>(gen_i(i, w)); });
    check_binary<int32_t, uint8_t>("Equal", DType::kInt32, DType::kBool, s.a, s.b, s.y,
                                   [](int32_t a, int32_t b) -> uint8_t { return a == b; },
                                   [&](size_t i, int w) { return static_cast<int32_t>(gen_i(i, w) % 3); });
    check_binary<uint8_t, uint8_t>("Equal", DType::kBool, DType::kBool, s.a, s.b, s.y,
                                   [](uint8_t a, uint8_t b) -> uint8_t { return a == b; },
                                   [](size_t i, int w) -> uint8_t { return ((i + w) / 2) % 2; });
  }
  // Hand-checked corner values.
  TestPlan p;
  const int a = p.tensor(DType::kInt32, {4}, std::vector<int32_t>{-7, 7, std::numeric_limits<int32_t>::min(), 5});
  const int b = p.tensor(DType::kInt32, {4}, std::vector<int32_t>{2, -2, -1, 0});
  const int y = p.tensor(DType::kInt32, {4});
  CHECK_RUN_OK(p.run(p.op("Div", {a, b}, {y})));
  CHECK(p.get<int32_t>(y) == (std::vector<int32_t>{-3, -3, std::numeric_limits<int32_t>::min(), 0}));
  CHECK_RUN_OK(p.run(p.op("Add", {a, b}, {y})));
  CHECK(p.get<int32_t>(y) == (std::vector<int32_t>{-5, 5, std::numeric_limits<int32_t>::max(), 5}));
  // Pow is f32 only.
  CHECK_THROWS(p.build(p.op("Pow", {a, b}, {y})));
}

SPARQ_TEST(binary_large_tensors_split_across_threads) {
  for (int threads : {1, 2, 3}) {
    check_binary<float, float>("Add", DType::kFloat32, DType::kFloat32, {4, 56, 56, 64}, {64}, {4, 56, 56, 64},
                               [](float a, float b) { return a + b; }, gen_f32, threads);
    check_binary<float, float>("Mul", DType::kFloat32, DType::kFloat32, {2, 100, 1, 70}, {2, 1, 90, 70},
                               {2, 100, 90, 70}, [](float a, float b) { return a * b; }, gen_f32, threads);
    check_binary<float, float>("Sub", DType::kFloat32, DType::kFloat32, {300, 1}, {1, 301}, {300, 301},
                               [](float a, float b) { return a - b; }, gen_f32, threads);
  }
}

SPARQ_TEST(pow_with_constant_two_squares_and_prelu_broadcasts_slope) {
  TestPlan p;
  const int x = p.tensor(DType::kFloat32, {2, 2, 3}, std::vector<float>{-2, -1, 0, 1, 2, 3, -0.5f, 4, -6, 7, 8, -9});
  const int two = p.constant(DType::kFloat32, {}, std::vector<float>{2.f});
  const int y = p.tensor(DType::kFloat32, {2, 2, 3});
  auto op = p.build(p.op("Pow", {x, two}, {y}));
  CHECK(op->kernel_name().find("square") != std::string::npos);
  CHECK_RUN_OK(p.run(p.op("Pow", {x, two}, {y})));
  CHECK(p.get<float>(y) == (std::vector<float>{4, 1, 0, 1, 4, 9, 0.25f, 16, 36, 49, 64, 81}));
  const int slope = p.tensor(DType::kFloat32, {3}, std::vector<float>{0.5f, 0.f, 2.f});
  CHECK_RUN_OK(p.run(p.op("PRelu", {x, slope}, {y})));
  CHECK(p.get<float>(y) == (std::vector<float>{-1, -0.f, 0, 1, 2, 3, -0.25f, 4, -12, 7, 8, -18}));
}

SPARQ_TEST(binary_validation_names_op_and_node) {
  TestPlan p;
  const int a = p.tensor(DType::kFloat32, {2, 3});
  const int b = p.tensor(DType::kFloat32, {4});
  const int bi = p.tensor(DType::kInt64, {3});
  const int y = p.tensor(DType::kFloat32, {2, 3});
  const int y4 = p.tensor(DType::kFloat32, {3, 3});
  const int ybool = p.tensor(DType::kBool, {2, 3});
  std::string message;
  try {
    p.build(p.op("Add", {a, b}, {y}));
  } catch (const sparq::PlanError& e) {
    message = e.what();
  }
  CHECK(message.find("Add") != std::string::npos);
  CHECK(message.find("node_Add") != std::string::npos);
  CHECK(message.find("[2,3]") != std::string::npos);
  CHECK_THROWS(p.build(p.op("Add", {a, bi}, {y})));     // dtype mismatch
  CHECK_THROWS(p.build(p.op("Add", {a, a}, {y4})));     // wrong output shape
  CHECK_THROWS(p.build(p.op("Add", {a, a}, {ybool})));  // wrong output dtype
  CHECK_THROWS(p.build(p.op("Less", {a, a}, {y})));     // comparison must produce bool
  CHECK_THROWS(p.build(p.op("Add", {a}, {y})));         // arity
}

SPARQ_TEST(where_broadcasts_three_ways_for_every_width) {
  const std::vector<int64_t> cs = {2, 1, 4}, xs = {3, 1}, ys = {4}, zs = {2, 3, 4};
  TestPlan p;
  std::vector<uint8_t> cv(8);
  for (size_t i = 0; i < cv.size(); ++i) cv[i] = (i * 3) % 5 < 2;
  const int c = p.tensor(DType::kBool, cs, cv);
  const int xf = p.tensor(DType::kFloat32, xs, std::vector<float>{1.5f, 2.5f, 3.5f});
  const int yf = p.tensor(DType::kFloat32, ys, std::vector<float>{-1, -2, -3, -4});
  const int zf = p.tensor(DType::kFloat32, zs);
  CHECK_RUN_OK(p.run(p.op("Where", {c, xf, yf}, {zf})));
  const auto got = p.get<float>(zf);
  const std::vector<float> xv = {1.5f, 2.5f, 3.5f}, yv = {-1, -2, -3, -4};
  for (size_t i = 0; i < got.size(); ++i) {
    const float want = cv[broadcast_source(i, zs, cs)] ? xv[broadcast_source(i, zs, xs)] : yv[broadcast_source(i, zs, ys)];
    CHECK_EQ(got[i], want);
  }
  const int xl = p.tensor(DType::kInt64, {}, std::vector<int64_t>{int64_t(1) << 40});
  const int yl = p.tensor(DType::kInt64, {2, 3, 4}, std::vector<int64_t>(24, -9));
  const int zl = p.tensor(DType::kInt64, zs);
  CHECK_RUN_OK(p.run(p.op("Where", {c, xl, yl}, {zl})));
  const auto gl = p.get<int64_t>(zl);
  for (size_t i = 0; i < gl.size(); ++i) CHECK_EQ(gl[i], cv[broadcast_source(i, zs, cs)] ? int64_t(1) << 40 : -9);
  const int xb = p.tensor(DType::kBool, {3, 1}, std::vector<uint8_t>{1, 0, 1});
  const int yb = p.tensor(DType::kBool, {4}, std::vector<uint8_t>{0, 1, 0, 1});
  const int zb = p.tensor(DType::kBool, zs);
  CHECK_RUN_OK(p.run(p.op("Where", {c, xb, yb}, {zb})));
  const auto gb = p.get<uint8_t>(zb);
  for (size_t i = 0; i < gb.size(); ++i)
    CHECK_EQ(gb[i], cv[broadcast_source(i, zs, cs)] ? ((i / 4) % 3 != 1) : (i % 2));
  CHECK_THROWS(p.build(p.op("Where", {xf, xf, yf}, {zf})));  // condition must be bool
  CHECK_THROWS(p.build(p.op("Where", {c, xf, yl}, {zf})));   // X and Y dtypes differ
}

SPARQ_TEST(cast_truncates_saturates_and_maps_nan_to_zero) {
  TestPlan p;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const int x = p.tensor(DType::kFloat32, {8}, std::vector<float>{1.9f, -1.9f, 0.f, nan, 3e9f, -3e9f, 255.5f, -0.4f});
  const int yi32 = p.tensor(DType::kInt32, {8});
  auto d = p.op("Cast", {x}, {yi32});
  d.attrs.numbers["to"] = {6};
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<int32_t>(yi32) == (std::vector<int32_t>{1, -1, 0, 0, std::numeric_limits<int32_t>::max(),
                                                      std::numeric_limits<int32_t>::min(), 255, 0}));
  const int yi64 = p.tensor(DType::kInt64, {8});
  d = p.op("Cast", {x}, {yi64});
  d.attrs.numbers["to"] = {7};
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<int64_t>(yi64) == (std::vector<int64_t>{1, -1, 0, 0, 3000000000, -3000000000, 255, 0}));
  const int yb = p.tensor(DType::kBool, {8});
  d = p.op("Cast", {x}, {yb});
  d.attrs.numbers["to"] = {9};
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<uint8_t>(yb) == (std::vector<uint8_t>{1, 1, 0, 1, 1, 1, 1, 1}));

  const int l = p.tensor(DType::kInt64, {3}, std::vector<int64_t>{-3, 16777217, 300});
  const int lf = p.tensor(DType::kFloat32, {3});
  d = p.op("Cast", {l}, {lf});
  d.attrs.numbers["to"] = {1};
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<float>(lf) == (std::vector<float>{-3.f, 16777216.f, 300.f}));
  const int lu8 = p.tensor(DType::kUInt8, {3});
  d = p.op("Cast", {l}, {lu8});
  d.attrs.numbers["to"] = {2};
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<uint8_t>(lu8) == (std::vector<uint8_t>{253, 1, 44}));  // integer narrowing wraps
  const int bf = p.tensor(DType::kFloat32, {8});
  d = p.op("Cast", {yb}, {bf});
  d.attrs.numbers["to"] = {1};
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<float>(bf) == (std::vector<float>{1, 1, 0, 1, 1, 1, 1, 1}));
  const int same = p.tensor(DType::kFloat32, {8});
  d = p.op("Cast", {x}, {same});
  d.attrs.numbers["to"] = {1};
  CHECK_RUN_OK(p.run(d));
  CHECK_EQ(p.get<float>(same)[6], 255.5f);
  d = p.op("Cast", {x}, {yi32});
  d.attrs.numbers["to"] = {7};  // output dtype disagrees with 'to'
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["to"] = {5};  // not a dtype code
  CHECK_THROWS(p.build(d));
}

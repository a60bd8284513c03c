// int8 Quantize/Dequantize/QAdd/QMul/QConcat/pools/QLookup: every ISA level against the scalar reference and against
// values computed here by hand or by independent loops (ties, saturation, NaN/Inf, zero points 0 and 255).
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "reference/qu8-ops-reference.h"
#include "runtime/plan-desc.h"
#include "test/ops-test-plan.h"
#include "test/test-harness.h"

using sparq::DType;
using sparq_test::TestPlan;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

// Deterministic bytes.
std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t s = seed * 2654435761u + 7u;
  for (auto& b : v) {
    s = s * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(s >> 24);
  }
  return v;
}

// Independent of the reference: round with nearbyint in double (x / scale is computed in float first, as the
// contract says), saturate as integers.
int independent_quantize(float x, float scale, int zp, int qmin, int qmax) {
  const float v = x / scale;
  if (std::isnan(v)) return zp;
  if (v > 1e6f) return qmax;
  if (v < -1e6f) return qmin;
  const long r = std::lrint(static_cast<double>(v)) + zp;
  return static_cast<int>(std::min<long>(qmax, std::max<long>(qmin, r)));
}

template <typename Q>
std::vector<Q> run_quantize(const std::vector<float>& x, std::vector<int64_t> shape, DType out, float scale, int zp,
                            int threads = 1) {
  TestPlan t;
  const int xi = t.tensor(DType::kFloat32, shape, x);
  const int yi = t.tensor(out, shape);
  auto d = t.op("QuantizeLinear", {xi}, {yi});
  d.attrs.numbers["scale"] = {scale};
  d.attrs.numbers["zero_point"] = {double(zp)};
  CHECK_RUN_OK(t.run(d, threads));
  return t.get<Q>(yi);
}

template <typename Q>
std::vector<float> run_dequantize(const std::vector<Q>& x, DType in, float scale, int zp, int threads = 1) {
  TestPlan t;
  const std::vector<int64_t> shape = {static_cast<int64_t>(x.size())};
  const int xi = t.tensor(in, shape, x);
  const int yi = t.tensor(DType::kFloat32, shape);
  auto d = t.op("DequantizeLinear", {xi}, {yi});
  d.attrs.numbers["scale"] = {scale};
  d.attrs.numbers["zero_point"] = {double(zp)};
  CHECK_RUN_OK(t.run(d, threads));
  return t.get<float>(yi);
}

}  // namespace

SPARQ_TEST(quantize_linear_hand_values_ties_saturation_nan_inf) {
  // scale 0.5, zero point 10: x / scale = 0, 0.5, 1.5, 2.5, -0.5, -1.5, 3.5, 2000, -2000, NaN, +Inf, -Inf
  const std::vector<float> x = {0.f, 0.25f, 0.75f, 1.25f, -0.25f, -0.75f, 1.75f, 1000.f, -1000.f, kNaN, kInf, -kInf};
  const std::vector<uint8_t> want = {10, 10, 12, 12, 10, 8, 14, 255, 0, 10, 255, 0};
  CHECK(run_quantize<uint8_t>(x, {3, 4}, DType::kUInt8, 0.5f, 10) == want);
  // i8, zero point -5: the same steps saturate at -128 / 127.
  const std::vector<int8_t> want_i8 = {-5, -5, -3, -3, -5, -7, -1, 127, -128, -5, 127, -128};
  CHECK(run_quantize<int8_t>(x, {12}, DType::kInt8, 0.5f, -5) == want_i8);
  // Zero point 255: everything above 0 saturates; zero point 0: everything below 0 does.
  const std::vector<float> edge = {-1.f, -0.5f, -0.49f, 0.f, 0.49f, 0.5f, 1.5f, 254.5f, 255.4f, 300.f};
  CHECK((run_quantize<uint8_t>(edge, {10}, DType::kUInt8, 1.f, 0) ==
         std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 2, 254, 255, 255}));
  CHECK((run_quantize<uint8_t>(edge, {10}, DType::kUInt8, 1.f, 255) ==
         std::vector<uint8_t>{254, 255, 255, 255, 255, 255, 255, 255, 255, 255}));
}

SPARQ_TEST(quantize_linear_matches_reference_and_independent_values_on_every_length) {
  for (DType out : {DType::kUInt8, DType::kInt8}) {
    const bool u8 = out == DType::kUInt8;
    const int qmin = u8 ? 0 : -128, qmax = u8 ? 255 : 127;
    for (int zp : u8 ? std::vector<int>{0, 128, 255} : std::vector<int>{-128, 0, 127}) {
      for (size_t n : {size_t(1), size_t(7), size_t(8), size_t(15), size_t(16), size_t(17), size_t(31), size_t(32),
                       size_t(33), size_t(63), size_t(100), size_t(1000)}) {
        std::vector<float> x = sparq_test::random_floats(n, -40.f, 40.f, static_cast<uint32_t>(n + zp + 300));
        // Exact ties at every fourth position: k + 0.5 times the scale.
        for (size_t i = 0; i < n; i += 4) x[i] = (static_cast<float>(static_cast<int>(i % 50)) - 25.f + 0.5f) * 0.25f;
        if (n > 5) x[5] = kNaN;
        const float scale = 0.25f;
        std::vector<uint8_t> bytes;
        if (u8) {
          bytes = run_quantize<uint8_t>(x, {static_cast<int64_t>(n)}, out, scale, zp);
        } else {
          auto s = run_quantize<int8_t>(x, {static_cast<int64_t>(n)}, out, scale, zp);
          bytes.assign(s.size(), 0);
          for (size_t i = 0; i < s.size(); ++i) bytes[i] = static_cast<uint8_t>(s[i]);
        }
        sparq::QuantizeParams p;
        p.scale = scale;
        p.zero_point = zp;
        p.lo = static_cast<float>(qmin - zp);
        p.hi = static_cast<float>(qmax - zp);
        std::vector<uint8_t> ref(n);
        sparq::f32_qu8_quantize__reference(n, x.data(), p, ref.data());
        CHECK(bytes == ref);
        int bad = 0;
        for (size_t i = 0; i < n; ++i) {
          const int got = u8 ? bytes[i] : static_cast<int8_t>(bytes[i]);
          const int want = independent_quantize(x[i], scale, zp, qmin, qmax);
          if (got != want && bad++ < 3) CHECK_EQ(got, want);
        }
      }
    }
  }
}

SPARQ_TEST(quantize_linear_threaded_large_tensor_matches_reference) {
  const size_t n = 1 * 56 * 56 * 64 + 3;
  const auto x = sparq_test::random_floats(n, -3.f, 3.f, 99);
  const auto got = run_quantize<uint8_t>(x, {static_cast<int64_t>(n)}, DType::kUInt8, 0.023f, 117, 2);
  sparq::QuantizeParams p;
  p.scale = 0.023f;
  p.zero_point = 117;
  p.lo = -117.f;
  p.hi = 138.f;
  std::vector<uint8_t> ref(n);
  sparq::f32_qu8_quantize__reference(n, x.data(), p, ref.data());
  CHECK(got == ref);
}

SPARQ_TEST(dequantize_linear_u8_i8_i32_match_hand_and_reference_values) {
  CHECK((run_dequantize<uint8_t>({0, 1, 10, 128, 255}, DType::kUInt8, 0.5f, 10) ==
         std::vector<float>{-5.f, -4.5f, 0.f, 59.f, 122.5f}));
  CHECK((run_dequantize<int8_t>({-128, -5, 0, 127}, DType::kInt8, 0.25f, -5) ==
         std::vector<float>{-30.75f, 0.f, 1.25f, 33.f}));
  CHECK((run_dequantize<int32_t>({-1000000, 0, 7, 2147483647}, DType::kInt32, 2.f, 0) ==
         std::vector<float>{-2000000.f, 0.f, 14.f, 4294967296.f}));
  for (int zp : {0, 255, 77})
    for (size_t n : {size_t(1), size_t(8), size_t(15), size_t(16), size_t(17), size_t(33), size_t(70000)}) {
      const auto x = random_bytes(n, static_cast<uint32_t>(n + zp));
      const float scale = 0.0371f;
      const auto got = run_dequantize<uint8_t>(x, DType::kUInt8, scale, zp, n > 1000 ? 2 : 1);
      int bad = 0;
      for (size_t i = 0; i < n; ++i) {
        const float want = static_cast<float>(static_cast<int>(x[i]) - zp) * scale;
        if (got[i] != want && bad++ < 3) CHECK_EQ(got[i], want);
      }
    }
}

SPARQ_TEST(quantize_dequantize_reject_bad_descriptors) {
  auto build = [](DType in, DType out, std::vector<int64_t> xs, std::vector<int64_t> ys, const char* type,
                  double scale, double zp) {
    TestPlan t;
    const int xi = t.tensor(in, xs);
    const int yi = t.tensor(out, ys);
    auto d = t.op(type, {xi}, {yi});
    d.attrs.numbers["scale"] = {scale};
    d.attrs.numbers["zero_point"] = {zp};
    return t.build(d);
  };
  CHECK(build(DType::kFloat32, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", 0.1, 3) != nullptr);
  CHECK_THROWS(build(DType::kFloat32, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", 0.0, 3));
  CHECK_THROWS(build(DType::kFloat32, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", -1.0, 3));
  CHECK_THROWS(build(DType::kFloat32, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", kInf, 3));
  CHECK_THROWS(build(DType::kFloat32, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", kNaN, 3));
  CHECK_THROWS(build(DType::kFloat32, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", 0.1, 256));
  CHECK_THROWS(build(DType::kFloat32, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", 0.1, -1));
  CHECK_THROWS(build(DType::kFloat32, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", 0.1, 2.5));
  CHECK_THROWS(build(DType::kFloat32, DType::kInt8, {2, 3}, {2, 3}, "QuantizeLinear", 0.1, 128));
  CHECK_THROWS(build(DType::kFloat32, DType::kUInt8, {2, 3}, {3, 2}, "QuantizeLinear", 0.1, 3));
  CHECK_THROWS(build(DType::kFloat32, DType::kFloat32, {2, 3}, {2, 3}, "QuantizeLinear", 0.1, 3));
  CHECK_THROWS(build(DType::kInt64, DType::kUInt8, {2, 3}, {2, 3}, "QuantizeLinear", 0.1, 3));
  CHECK(build(DType::kInt32, DType::kFloat32, {4}, {4}, "DequantizeLinear", 0.1, 0) != nullptr);
  CHECK_THROWS(build(DType::kInt32, DType::kFloat32, {4}, {4}, "DequantizeLinear", 0.1, 3));
  CHECK_THROWS(build(DType::kUInt8, DType::kUInt8, {4}, {4}, "DequantizeLinear", 0.1, 3));
  CHECK_THROWS(build(DType::kFloat32, DType::kFloat32, {4}, {4}, "DequantizeLinear", 0.1, 3));
  CHECK_THROWS(build(DType::kInt8, DType::kFloat32, {4}, {4}, "DequantizeLinear", 0.1, 200));
  CHECK_THROWS(build(DType::kUInt8, DType::kFloat32, {4}, {5}, "DequantizeLinear", 0.1, 3));
  CHECK_THROWS(build(DType::kUInt8, DType::kFloat32, {4}, {4}, "DequantizeLinear", 1e39, 3));
  TestPlan t;  // missing scale
  const int xi = t.tensor(DType::kFloat32, {2});
  const int yi = t.tensor(DType::kUInt8, {2});
  CHECK_THROWS(t.build(t.op("QuantizeLinear", {xi}, {yi})));
}

namespace {

struct AddQuant {
  float a_scale, b_scale, y_scale;
  int a_zp, b_zp, y_zp;
  bool relu;
};

// The contract's QAdd recipe written out independently (volatile keeps the products out of an fma).
int independent_qadd(int a, int b, const AddQuant& q) {
  volatile float ra = static_cast<float>(a - q.a_zp) * q.a_scale;
  volatile float rb = static_cast<float>(b - q.b_zp) * q.b_scale;
  float s = ra + rb;
  if (q.relu && s < 0.f) s = 0.f;
  const float v = s / q.y_scale;
  const long r = std::lrint(static_cast<double>(std::max(-1e6f, std::min(1e6f, v)))) + q.y_zp;
  return static_cast<int>(std::min<long>(255, std::max<long>(0, r)));
}

sparq::OpDesc qadd_desc(TestPlan& t, int a, int b, int y, const AddQuant& q) {
  auto d = t.op("QAdd", {a, b}, {y});
  d.attrs.numbers["a_scale"] = {q.a_scale};
  d.attrs.numbers["b_scale"] = {q.b_scale};
  d.attrs.numbers["y_scale"] = {q.y_scale};
  d.attrs.numbers["a_zero_point"] = {double(q.a_zp)};
  d.attrs.numbers["b_zero_point"] = {double(q.b_zp)};
  d.attrs.numbers["y_zero_point"] = {double(q.y_zp)};
  if (q.relu) d.attrs.strings["activation"] = "relu";
  return d;
}

// Row-major index of `out_index` (in Y's shape) inside a broadcast input of shape `in`.
size_t broadcast_index(const std::vector<int64_t>& out, const std::vector<int64_t>& in, size_t out_index) {
  size_t result = 0, stride = 1;
  size_t rest = out_index;
  for (size_t d = out.size(); d-- > 0;) {
    const size_t coord = rest % static_cast<size_t>(out[d]);
    rest /= static_cast<size_t>(out[d]);
    const size_t lead = out.size() - in.size();
    if (d >= lead) {
      const size_t dim = static_cast<size_t>(in[d - lead]);
      result += (dim == 1 ? 0 : coord) * stride;
      stride *= dim;
    }
  }
  return result;
}

size_t numel(const std::vector<int64_t>& s) {
  size_t n = 1;
  for (int64_t d : s) n *= static_cast<size_t>(d);
  return n;
}

void check_qadd(const std::vector<int64_t>& as, const std::vector<int64_t>& bs, const std::vector<int64_t>& ys,
                const AddQuant& q, int threads = 1) {
  TestPlan t;
  const auto av = random_bytes(numel(as), static_cast<uint32_t>(numel(ys) + 1));
  const auto bv = random_bytes(numel(bs), static_cast<uint32_t>(numel(ys) + 2));
  const int a = t.tensor(DType::kUInt8, as, av);
  const int b = t.tensor(DType::kUInt8, bs, bv);
  const int y = t.tensor(DType::kUInt8, ys);
  CHECK_RUN_OK(t.run(qadd_desc(t, a, b, y, q), threads));
  const auto got = t.get<uint8_t>(y);
  sparq::QAddParams p;
  p.a_scale = q.a_scale, p.b_scale = q.b_scale, p.y_scale = q.y_scale;
  p.a_zero_point = q.a_zp, p.b_zero_point = q.b_zp, p.y_zero_point = q.y_zp;
  p.lo = static_cast<float>(-q.y_zp), p.hi = static_cast<float>(255 - q.y_zp), p.relu = q.relu;
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const uint8_t ea = av[broadcast_index(ys, as, i)], eb = bv[broadcast_index(ys, bs, i)];
    uint8_t ref = 0;
    sparq::qu8_add__reference(1, &ea, &eb, 1, p, &ref);
    const int want = independent_qadd(ea, eb, q);
    if ((got[i] != ref || ref != want) && bad++ < 3) {
      CHECK_EQ(int(got[i]), int(ref));
      CHECK_EQ(int(ref), want);
    }
  }
}

}  // namespace

SPARQ_TEST(qadd_hand_values_ties_saturation_relu) {
  TestPlan t;
  // a: scale 0.5 zp 10; b: scale 0.25 zp 20; y: scale 1 zp 5.
  const std::vector<uint8_t> av = {12, 11, 11, 13, 15, 0, 255, 10, 10};
  const std::vector<uint8_t> bv = {22, 22, 20, 20, 20, 0, 255, 18, 16};
  // reals: 1+0.5, 0.5+0.5, 0.5, 1.5, 2.5, -5-5, 122.5+58.75, -0.5, -1
  const std::vector<uint8_t> want = {7, 6, 5, 7, 7, 0, 186, 5, 4};
  const int a = t.tensor(DType::kUInt8, {9}, av), b = t.tensor(DType::kUInt8, {9}, bv), y = t.tensor(DType::kUInt8, {9});
  AddQuant q{0.5f, 0.25f, 1.f, 10, 20, 5, false};
  CHECK_RUN_OK(t.run(qadd_desc(t, a, b, y, q)));
  CHECK(t.get<uint8_t>(y) == want);
  q.relu = true;  // negatives become real 0 = the zero point
  CHECK_RUN_OK(t.run(qadd_desc(t, a, b, y, q)));
  CHECK((t.get<uint8_t>(y) == std::vector<uint8_t>{7, 6, 5, 7, 7, 5, 186, 5, 5}));
  q = AddQuant{0.5f, 0.25f, 0.5f, 10, 20, 250, false};  // saturates at 255 above real 2.5
  CHECK_RUN_OK(t.run(qadd_desc(t, a, b, y, q)));
  CHECK((t.get<uint8_t>(y) == std::vector<uint8_t>{253, 252, 251, 253, 255, 230, 255, 249, 248}));
}

SPARQ_TEST(qadd_same_shape_every_length_and_zero_points_match_reference) {
  for (size_t n : {size_t(1), size_t(7), size_t(8), size_t(9), size_t(15), size_t(16), size_t(17), size_t(31),
                   size_t(33), size_t(100), size_t(1000)})
    for (const AddQuant& q : {AddQuant{0.02f, 0.031f, 0.04f, 0, 255, 128, false},
                              AddQuant{0.1f, 0.1f, 0.05f, 255, 0, 0, true},
                              AddQuant{0.0123f, 0.5f, 0.7f, 3, 250, 255, false}})
      check_qadd({static_cast<int64_t>(n)}, {static_cast<int64_t>(n)}, {static_cast<int64_t>(n)}, q);
  check_qadd({1, 56, 56, 64}, {1, 56, 56, 64}, {1, 56, 56, 64}, AddQuant{0.02f, 0.03f, 0.035f, 120, 130, 125, true},
             2);
}

SPARQ_TEST(qadd_broadcast_shapes_match_reference) {
  const AddQuant q{0.02f, 0.031f, 0.04f, 17, 200, 100, false};
  check_qadd({2, 3, 4, 5}, {5}, {2, 3, 4, 5}, q);
  check_qadd({5}, {2, 3, 4, 5}, {2, 3, 4, 5}, q);
  check_qadd({1}, {2, 7, 9}, {2, 7, 9}, q);
  check_qadd({2, 7, 9}, {1}, {2, 7, 9}, q);
  check_qadd({2, 1, 4}, {3, 1}, {2, 3, 4}, q);
  check_qadd({4, 1}, {1, 37}, {4, 37}, q);
  check_qadd({1}, {1}, {1}, q);
  check_qadd({1, 1}, {1}, {1, 1}, q);
  check_qadd({1, 28, 28, 64}, {1, 1, 1, 64}, {1, 28, 28, 64}, q, 2);  // per-channel broadcast
  check_qadd({1, 1, 1, 64}, {1, 28, 28, 64}, {1, 28, 28, 64}, AddQuant{0.5f, 0.01f, 0.3f, 0, 255, 0, true}, 2);
}

SPARQ_TEST(qadd_rejects_bad_descriptors) {
  auto build = [](std::vector<int64_t> as, std::vector<int64_t> bs, std::vector<int64_t> ys, DType at,
                  const AddQuant& q, const char* activation) {
    TestPlan t;
    const int a = t.tensor(at, as), b = t.tensor(DType::kUInt8, bs), y = t.tensor(DType::kUInt8, ys);
    auto d = qadd_desc(t, a, b, y, q);
    d.attrs.strings["activation"] = activation;
    return t.build(d);
  };
  const AddQuant ok{0.1f, 0.1f, 0.1f, 1, 2, 3, false};
  CHECK(build({2, 3}, {3}, {2, 3}, DType::kUInt8, ok, "none") != nullptr);
  CHECK(build({2, 3}, {3}, {2, 3}, DType::kUInt8, ok, "relu") != nullptr);
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, ok, "clip"));
  CHECK_THROWS(build({2, 3}, {4}, {2, 3}, DType::kUInt8, ok, "none"));
  CHECK_THROWS(build({2, 3}, {3}, {2, 4}, DType::kUInt8, ok, "none"));
  CHECK_THROWS(build({2, 3}, {3}, {1, 2, 3}, DType::kUInt8, ok, "none"));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kInt8, ok, "none"));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, AddQuant{0.f, 0.1f, 0.1f, 1, 2, 3, false}, "none"));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, AddQuant{0.1f, 0.1f, kInf, 1, 2, 3, false}, "none"));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, AddQuant{0.1f, 0.1f, 0.1f, 1, 256, 3, false}, "none"));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, AddQuant{0.1f, 0.1f, 0.1f, 1, 2, -1, false}, "none"));
}

namespace {

struct MulQuant {
  float a_scale, b_scale, y_scale;
  int a_zp, b_zp, y_zp;
};

sparq::QMulParams qmul_params(const MulQuant& q) {
  sparq::QMulParams p;
  p.a_scale = q.a_scale, p.b_scale = q.b_scale, p.y_scale = q.y_scale;
  p.a_zero_point = q.a_zp, p.b_zero_point = q.b_zp, p.y_zero_point = q.y_zp;
  p.lo = static_cast<float>(-q.y_zp), p.hi = static_cast<float>(255 - q.y_zp);
  return p;
}

// The chain QMul replaces, written out independently: DequantizeLinear of each input, one float Mul, then
// QuantizeLinear (x / scale, round half to even, saturate). volatile materializes every rounded float step.
int independent_qmul(int a, int b, const MulQuant& q) {
  volatile float ra = static_cast<float>(a - q.a_zp) * q.a_scale;
  volatile float rb = static_cast<float>(b - q.b_zp) * q.b_scale;
  volatile float product = ra * rb;
  const float v = product / q.y_scale;
  if (std::isnan(v)) return q.y_zp;
  const long r = std::lrint(static_cast<double>(std::max(-1e6f, std::min(1e6f, v)))) + q.y_zp;
  return static_cast<int>(std::min<long>(255, std::max<long>(0, r)));
}

sparq::OpDesc qmul_desc(TestPlan& t, int a, int b, int y, const MulQuant& q) {
  auto d = t.op("QMul", {a, b}, {y});
  d.attrs.numbers["a_scale"] = {q.a_scale};
  d.attrs.numbers["b_scale"] = {q.b_scale};
  d.attrs.numbers["y_scale"] = {q.y_scale};
  d.attrs.numbers["a_zero_point"] = {double(q.a_zp)};
  d.attrs.numbers["b_zero_point"] = {double(q.b_zp)};
  d.attrs.numbers["y_zero_point"] = {double(q.y_zp)};
  return d;
}

// Runs QMul on the given bytes (at the ISA level the harness forces) and checks every output against the scalar
// reference and the independent chain; also runs the unfused DequantizeLinear x2, Mul, QuantizeLinear plan on the
// same bytes and requires the identical output.
void check_qmul_values(const std::vector<int64_t>& as, const std::vector<int64_t>& bs, const std::vector<int64_t>& ys,
                       const std::vector<uint8_t>& av, const std::vector<uint8_t>& bv, const MulQuant& q,
                       int threads = 1) {
  TestPlan t;
  const int a = t.tensor(DType::kUInt8, as, av);
  const int b = t.tensor(DType::kUInt8, bs, bv);
  const int y = t.tensor(DType::kUInt8, ys);
  CHECK_RUN_OK(t.run(qmul_desc(t, a, b, y, q), threads));
  const auto got = t.get<uint8_t>(y);
  const sparq::QMulParams p = qmul_params(q);
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const uint8_t ea = av[broadcast_index(ys, as, i)], eb = bv[broadcast_index(ys, bs, i)];
    uint8_t ref = 0;
    sparq::qu8_mul__reference(1, &ea, &eb, 1, p, &ref);
    const int want = independent_qmul(ea, eb, q);
    if ((got[i] != ref || ref != want) && bad++ < 3) {
      CHECK_EQ(int(got[i]), int(ref));
      CHECK_EQ(int(ref), want);
    }
  }
  // The unfused chain through the native ops (each at this ISA level's own kernels).
  const auto ra = run_dequantize<uint8_t>(av, DType::kUInt8, q.a_scale, q.a_zp);
  const auto rb = run_dequantize<uint8_t>(bv, DType::kUInt8, q.b_scale, q.b_zp);
  TestPlan m;
  const int fa = m.tensor(DType::kFloat32, as, ra), fb = m.tensor(DType::kFloat32, bs, rb);
  const int fy = m.tensor(DType::kFloat32, ys);
  CHECK_RUN_OK(m.run(m.op("Mul", {fa, fb}, {fy})));
  const auto chain = run_quantize<uint8_t>(m.get<float>(fy), ys, DType::kUInt8, q.y_scale, q.y_zp);
  CHECK(chain == got);
}

void check_qmul(const std::vector<int64_t>& as, const std::vector<int64_t>& bs, const std::vector<int64_t>& ys,
                const MulQuant& q, int threads = 1) {
  check_qmul_values(as, bs, ys, random_bytes(numel(as), static_cast<uint32_t>(numel(ys) + 11)),
                    random_bytes(numel(bs), static_cast<uint32_t>(numel(ys) + 12)), q, threads);
}

const MulQuant kMulQuants[] = {
    {0.02f, 0.031f, 0.04f, 0, 255, 128},
    {0.1f, 0.1f, 0.05f, 255, 0, 0},
    {0.0123f, 0.5f, 0.7f, 3, 250, 255},
    {1.f / 6.f, 1.f / 255.f, 0.0173f, 0, 0, 0},  // hard-sigmoid gate (zero point 0) times hard-swish
    {3e-3f, 7e-4f, 1e-6f, 128, 128, 128},        // tiny y_scale: nearly everything saturates
    {40.f, 50.f, 1e-3f, 0, 0, 0},                // huge products: saturate at 255
    {1e-20f, 1e-20f, 1e-30f, 77, 200, 3},        // a subnormal product (1e-40) divided by a tiny scale
    {1.f, 1.f, 2.f, 0, 0, 0},                    // integer products / 2: exact ties, rounded half to even
    {2e36f, 0.5f, 1e30f, 0, 7, 9},               // 255 * a_scale overflows: inf * 0 = NaN -> y_zero_point
    {0.25f, 3e37f, 3e37f, 200, 100, 40},         // inf products on the B side, inf / y_scale saturates
};

}  // namespace

SPARQ_TEST(qmul_hand_values_ties_saturation) {
  // a: scale 0.5 zp 10; b: scale 0.25 zp 20; y: scale 0.5 zp 5.
  TestPlan t;
  const std::vector<uint8_t> av = {12, 11, 13, 15, 0, 255, 10, 9, 14};
  const std::vector<uint8_t> bv = {24, 22, 22, 21, 0, 255, 18, 26, 30};
  // reals: 1*1, 0.5*0.5, 1.5*0.5, 2.5*0.25, -5*-5, 122.5*58.75, 0*-0.5, -0.5*1.5, 2*2.5
  // / 0.5: 2, 0.5 -> 0, 1.5 -> 2, 1.25 -> 1, 50, 14393.75 -> sat, -0 -> 0, -1.5 -> -2, 10
  const std::vector<uint8_t> want = {7, 5, 7, 6, 55, 255, 5, 3, 15};
  const int a = t.tensor(DType::kUInt8, {9}, av), b = t.tensor(DType::kUInt8, {9}, bv), y = t.tensor(DType::kUInt8, {9});
  CHECK_RUN_OK(t.run(qmul_desc(t, a, b, y, MulQuant{0.5f, 0.25f, 0.5f, 10, 20, 5})));
  CHECK(t.get<uint8_t>(y) == want);
  // y zero point 250: every real above 2.5 saturates at 255.
  CHECK_RUN_OK(t.run(qmul_desc(t, a, b, y, MulQuant{0.5f, 0.25f, 0.5f, 10, 20, 250})));
  CHECK((t.get<uint8_t>(y) == std::vector<uint8_t>{252, 250, 252, 251, 255, 255, 250, 248, 255}));
}

SPARQ_TEST(qmul_same_shape_every_length_and_quantization_matches_reference_and_chain) {
  for (size_t n : {size_t(1), size_t(7), size_t(8), size_t(9), size_t(15), size_t(16), size_t(17), size_t(31),
                   size_t(33), size_t(100), size_t(1000)})
    for (const MulQuant& q : kMulQuants)
      check_qmul({static_cast<int64_t>(n)}, {static_cast<int64_t>(n)}, {static_cast<int64_t>(n)}, q);
  check_qmul({1, 56, 56, 64}, {1, 56, 56, 64}, {1, 56, 56, 64}, MulQuant{0.02f, 0.03f, 0.035f, 120, 130, 125}, 2);
}

SPARQ_TEST(qmul_extreme_bytes_every_pair_matches_reference_and_chain) {
  // Every (a, b) byte pair once: all 65536 products for each quantization.
  std::vector<uint8_t> av(65536), bv(65536);
  for (size_t i = 0; i < av.size(); ++i) av[i] = static_cast<uint8_t>(i & 0xFF), bv[i] = static_cast<uint8_t>(i >> 8);
  for (const MulQuant& q : kMulQuants) check_qmul_values({65536}, {65536}, {65536}, av, bv, q, 2);
}

SPARQ_TEST(qmul_broadcast_shapes_match_reference_and_chain) {
  for (const MulQuant& q : kMulQuants) {
    // The squeeze-excite case: A runs over C, B one value per channel (odd channel counts around the vector sizes).
    for (int64_t c : {1, 7, 8, 15, 16, 17, 33, 72, 120})
      check_qmul({1, 4, 4, c}, {1, 1, 1, c}, {1, 4, 4, c}, q);
    check_qmul({1, 1, 1, 40}, {1, 3, 5, 40}, {1, 3, 5, 40}, q);  // the broadcast operand first
    check_qmul({3, 2, 5, 24}, {3, 1, 1, 24}, {3, 2, 5, 24}, q);  // one channel vector per batch
    check_qmul({2, 1, 1, 9}, {2, 3, 3, 9}, {2, 3, 3, 9}, q);
    check_qmul({2, 3, 600}, {600}, {2, 3, 600}, q);             // channels past the rows kernel's block of 512
    check_qmul({2, 3, 1030}, {2, 1, 1030}, {2, 3, 1030}, q);
    check_qmul({2, 3, 4, 5}, {5}, {2, 3, 4, 5}, q);
    check_qmul({1}, {2, 7, 9}, {2, 7, 9}, q);
    check_qmul({2, 7, 9}, {1}, {2, 7, 9}, q);
    check_qmul({2, 1, 4}, {3, 1}, {2, 3, 4}, q);
    check_qmul({4, 1}, {1, 37}, {4, 37}, q);
    check_qmul({2, 3, 1, 1}, {1, 1, 5, 6}, {2, 3, 5, 6}, q);
    check_qmul({1}, {1}, {1}, q);
    check_qmul({1, 1}, {1}, {1, 1}, q);
    check_qmul({1, 0, 8}, {8}, {1, 0, 8}, q);  // empty
    check_qmul({2, 3, 0}, {1, 1, 0}, {2, 3, 0}, q);
  }
  check_qmul({1, 28, 28, 64}, {1, 1, 1, 64}, {1, 28, 28, 64}, MulQuant{0.02f, 0.031f, 0.04f, 17, 0, 100}, 2);
  check_qmul({1, 1, 1, 64}, {1, 28, 28, 64}, {1, 28, 28, 64}, MulQuant{0.5f, 0.01f, 0.3f, 0, 255, 0}, 2);
  // Threaded per-channel rows: chunks of rows that cross batch boundaries.
  check_qmul({3, 40, 41, 72}, {3, 1, 1, 72}, {3, 40, 41, 72}, MulQuant{0.02f, 0.004f, 0.001f, 17, 0, 100}, 2);
}

SPARQ_TEST(qmul_rejects_bad_descriptors) {
  auto build = [](std::vector<int64_t> as, std::vector<int64_t> bs, std::vector<int64_t> ys, DType at, DType yt,
                  const MulQuant& q) {
    TestPlan t;
    const int a = t.tensor(at, as), b = t.tensor(DType::kUInt8, bs), y = t.tensor(yt, ys);
    return t.build(qmul_desc(t, a, b, y, q));
  };
  const MulQuant ok{0.1f, 0.1f, 0.1f, 1, 2, 3};
  CHECK(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kUInt8, ok) != nullptr);
  CHECK_THROWS(build({2, 3}, {4}, {2, 3}, DType::kUInt8, DType::kUInt8, ok));
  CHECK_THROWS(build({2, 3}, {3}, {2, 4}, DType::kUInt8, DType::kUInt8, ok));
  CHECK_THROWS(build({2, 3}, {3}, {1, 2, 3}, DType::kUInt8, DType::kUInt8, ok));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kInt8, DType::kUInt8, ok));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kFloat32, ok));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kUInt8, MulQuant{0.f, 0.1f, 0.1f, 1, 2, 3}));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kUInt8, MulQuant{0.1f, -0.1f, 0.1f, 1, 2, 3}));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kUInt8, MulQuant{0.1f, 0.1f, kInf, 1, 2, 3}));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kUInt8, MulQuant{0.1f, 0.1f, kNaN, 1, 2, 3}));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kUInt8, MulQuant{0.1f, 0.1f, 0.1f, 1, 256, 3}));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kUInt8, MulQuant{0.1f, 0.1f, 0.1f, -1, 2, 3}));
  CHECK_THROWS(build({2, 3}, {3}, {2, 3}, DType::kUInt8, DType::kUInt8, MulQuant{0.1f, 0.1f, 0.1f, 1, 2, 300}));
  TestPlan t;  // missing y_scale
  const int a = t.tensor(DType::kUInt8, {2}), b = t.tensor(DType::kUInt8, {2}), y = t.tensor(DType::kUInt8, {2});
  auto d = qmul_desc(t, a, b, y, ok);
  d.attrs.numbers.erase("y_scale");
  CHECK_THROWS(t.build(d));
}

namespace {

struct ConcatInput {
  std::vector<int64_t> shape;
  float scale;
  int zp;
};

void check_qconcat(const std::vector<ConcatInput>& ins, int64_t axis, float y_scale, int y_zp, int threads = 1) {
  TestPlan t;
  std::vector<int32_t> ids;
  std::vector<std::vector<uint8_t>> values;
  std::vector<double> scales, zps;
  std::vector<int64_t> ys = ins[0].shape;
  ys[static_cast<size_t>(axis)] = 0;
  for (size_t k = 0; k < ins.size(); ++k) {
    values.push_back(random_bytes(numel(ins[k].shape), static_cast<uint32_t>(k * 31 + 5)));
    ids.push_back(t.tensor(DType::kUInt8, ins[k].shape, values.back()));
    scales.push_back(ins[k].scale);
    zps.push_back(ins[k].zp);
    ys[static_cast<size_t>(axis)] += ins[k].shape[static_cast<size_t>(axis)];
  }
  const int y = t.tensor(DType::kUInt8, ys);
  auto d = t.op("QConcat", ids, {y});
  d.attrs.numbers["axis"] = {double(axis)};
  d.attrs.numbers["scales"] = scales;
  d.attrs.numbers["zero_points"] = zps;
  d.attrs.numbers["y_scale"] = {y_scale};
  d.attrs.numbers["y_zero_point"] = {double(y_zp)};
  CHECK_RUN_OK(t.run(d, threads));
  const auto got = t.get<uint8_t>(y);
  // Walk Y in row-major order, finding the input and its element by the coordinate along `axis`.
  size_t inner = 1, outer = 1;
  for (size_t d2 = 0; d2 < ys.size(); ++d2) {
    if (static_cast<int64_t>(d2) > axis) inner *= static_cast<size_t>(ys[d2]);
    if (static_cast<int64_t>(d2) < axis) outer *= static_cast<size_t>(ys[d2]);
  }
  int bad = 0;
  size_t i = 0;
  for (size_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < ins.size(); ++k) {
      const size_t row = static_cast<size_t>(ins[k].shape[static_cast<size_t>(axis)]) * inner;
      for (size_t j = 0; j < row; ++j, ++i) {
        const int x = values[k][o * row + j];
        const float real = static_cast<float>(x - ins[k].zp) * ins[k].scale;
        const int want = independent_quantize(real, y_scale, y_zp, 0, 255);
        if (got[i] != want && bad++ < 3) CHECK_EQ(int(got[i]), want);
      }
    }
  CHECK_EQ(i, got.size());
}

}  // namespace

SPARQ_TEST(qconcat_every_axis_mixed_quantization_matches_independent_values) {
  for (int64_t axis = 0; axis < 4; ++axis) {
    std::vector<ConcatInput> ins;
    for (int k = 0; k < 3; ++k) {
      std::vector<int64_t> s = {2, 3, 4, 5};
      s[static_cast<size_t>(axis)] = k + 1;
      ins.push_back({s, k == 1 ? 0.05f : 0.02f * static_cast<float>(k + 1), k == 1 ? 128 : 255 * (k / 2)});
    }
    check_qconcat(ins, axis, 0.05f, 128);  // input 1 shares Y's quantization: copied
  }
  // Ties: scale 0.5 into scale 1 puts every odd centered value on .5.
  check_qconcat({{{1, 4, 4, 8}, 0.5f, 0}, {{1, 4, 4, 8}, 1.f, 255}}, 3, 1.f, 0);
  check_qconcat({{{1, 40, 40, 64}, 0.1f, 3}, {{1, 40, 40, 32}, 0.2f, 9}}, 3, 0.15f, 7, 2);
  check_qconcat({{{7}, 0.1f, 3}, {{0}, 0.2f, 9}, {{2}, 0.1f, 3}}, 0, 0.1f, 3);  // empty input, plain copies
}

SPARQ_TEST(qconcat_rejects_bad_descriptors) {
  auto build = [](std::vector<int64_t> s0, std::vector<int64_t> s1, std::vector<int64_t> ys, double axis,
                  std::vector<double> scales, std::vector<double> zps, double y_scale) {
    TestPlan t;
    const int a = t.tensor(DType::kUInt8, s0), b = t.tensor(DType::kUInt8, s1), y = t.tensor(DType::kUInt8, ys);
    auto d = t.op("QConcat", {a, b}, {y});
    d.attrs.numbers["axis"] = {axis};
    d.attrs.numbers["scales"] = scales;
    d.attrs.numbers["zero_points"] = zps;
    d.attrs.numbers["y_scale"] = {y_scale};
    d.attrs.numbers["y_zero_point"] = {0};
    return t.build(d);
  };
  CHECK(build({2, 3}, {2, 4}, {2, 7}, 1, {0.1, 0.2}, {0, 1}, 0.1) != nullptr);
  CHECK_THROWS(build({2, 3}, {2, 4}, {2, 8}, 1, {0.1, 0.2}, {0, 1}, 0.1));
  CHECK_THROWS(build({2, 3}, {3, 4}, {2, 7}, 1, {0.1, 0.2}, {0, 1}, 0.1));
  CHECK_THROWS(build({2, 3}, {2, 4}, {2, 7}, 2, {0.1, 0.2}, {0, 1}, 0.1));
  CHECK_THROWS(build({2, 3}, {2, 4}, {2, 7}, 1, {0.1}, {0, 1}, 0.1));
  CHECK_THROWS(build({2, 3}, {2, 4}, {2, 7}, 1, {0.1, -0.2}, {0, 1}, 0.1));
  CHECK_THROWS(build({2, 3}, {2, 4}, {2, 7}, 1, {0.1, 0.2}, {0, 300}, 0.1));
  CHECK_THROWS(build({2, 3}, {2, 4}, {2, 7}, 1, {0.1, 0.2}, {0, 1}, 0));
}

namespace {

struct QPoolCase {
  int64_t n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  bool ceil;
};

int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1, bool ceil) {
  const int64_t span = in + p0 + p1 - ((k - 1) * d + 1);
  return (ceil ? (span + s - 1) / s : span / s) + 1;
}

// kind: 0 max, 1 average excluding pad, 2 average including pad. Quantization (x: 0.04, zp; y: 0.03, y_zp).
void check_qpool(const QPoolCase& p, int kind, int x_zp, int y_zp, int threads = 1) {
  const int64_t oh = pooled_size(p.h, p.kh, p.sh, p.dh, p.pt, p.pb, p.ceil);
  const int64_t ow = pooled_size(p.w, p.kw, p.sw, p.dw, p.pl, p.pr, p.ceil);
  TestPlan t;
  const auto xv = random_bytes(static_cast<size_t>(p.n * p.h * p.w * p.c), static_cast<uint32_t>(p.c + kind));
  const int x = t.tensor(DType::kUInt8, {p.n, p.h, p.w, p.c}, xv);
  const int y = t.tensor(DType::kUInt8, {p.n, oh, ow, p.c});
  auto d = t.op(kind == 0 ? "QMaxPool" : "QAveragePool", {x}, {y});
  d.attrs.numbers["kernel_shape"] = {double(p.kh), double(p.kw)};
  d.attrs.numbers["strides"] = {double(p.sh), double(p.sw)};
  d.attrs.numbers["pads"] = {double(p.pt), double(p.pl), double(p.pb), double(p.pr)};
  d.attrs.numbers["dilations"] = {double(p.dh), double(p.dw)};
  const float x_scale = 0.04f, y_scale = 0.03f;
  if (kind != 0) {
    d.attrs.numbers["x_scale"] = {x_scale};
    d.attrs.numbers["y_scale"] = {y_scale};
    d.attrs.numbers["x_zero_point"] = {double(x_zp)};
    d.attrs.numbers["y_zero_point"] = {double(y_zp)};
  }
  if (kind == 2) d.attrs.numbers["count_include_pad"] = {1};
  CHECK_RUN_OK(t.run(d, threads));
  const auto got = t.get<uint8_t>(y);
  int bad = 0;
  for (int64_t b = 0; b < p.n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t c = 0; c < p.c; ++c) {
          int best = 0, sum = 0, real = 0, in_padded = 0;
          for (int64_t ky = 0; ky < p.kh; ++ky)
            for (int64_t kx = 0; kx < p.kw; ++kx) {
              const int64_t py = i * p.sh + ky * p.dh, px = j * p.sw + kx * p.dw;  // padded coordinates
              const int64_t iy = py - p.pt, ix = px - p.pl;
              if (py < p.h + p.pt + p.pb && px < p.w + p.pl + p.pr) ++in_padded;
              if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
              const int v = xv[static_cast<size_t>(((b * p.h + iy) * p.w + ix) * p.c + c)];
              best = std::max(best, v);
              sum += v - x_zp;
              ++real;
            }
          int want = best;
          if (kind != 0) {
            const int count = kind == 1 ? real : in_padded;
            const float mean = static_cast<float>(sum) * x_scale / static_cast<float>(count);
            want = independent_quantize(mean, y_scale, y_zp, 0, 255);
          }
          const int g = got[static_cast<size_t>(((b * oh + i) * ow + j) * p.c + c)];
          if (g != want && bad++ < 3) CHECK_EQ(g, want);
        }
}

}  // namespace

SPARQ_TEST(qpools_with_pads_strides_dilations_ceil_and_count_include_pad) {
  const std::vector<QPoolCase> cases = {
      {2, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false},
      {1, 8, 8, 3, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, false},
      {1, 7, 6, 5, 3, 2, 1, 1, 1, 1, 0, 0, 0, 0, false},
      {1, 10, 11, 4, 3, 3, 1, 2, 2, 2, 2, 1, 2, 0, false},
      {2, 7, 7, 6, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, true},
      {1, 6, 6, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true},
      {1, 5, 5, 67, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, false},
      {1, 1, 9, 3, 1, 3, 1, 3, 1, 1, 0, 1, 0, 1, false},
  };
  for (const QPoolCase& c : cases)
    for (int kind = 0; kind < 3; ++kind)
      for (int zp : {0, 255, 100}) check_qpool(c, kind, zp, 255 - zp);
  for (int kind = 0; kind < 3; ++kind) check_qpool({1, 56, 56, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false}, kind, 3, 9, 2);
}

SPARQ_TEST(qaverage_pool_hand_values) {
  auto run = [](std::vector<uint8_t> xv, std::vector<int64_t> xs, std::vector<int64_t> ys, std::vector<double> pads,
                bool include_pad, const char* type) {
    TestPlan t;
    const int x = t.tensor(DType::kUInt8, xs, xv);
    const int y = t.tensor(DType::kUInt8, ys);
    auto d = t.op(type, {x}, {y});
    if (std::string(type) == "QAveragePool") {
      d.attrs.numbers["kernel_shape"] = {3, 3};
      d.attrs.numbers["pads"] = pads;
      d.attrs.numbers["count_include_pad"] = {double(include_pad)};
    }
    d.attrs.numbers["x_scale"] = {1};
    d.attrs.numbers["y_scale"] = {1};
    CHECK_RUN_OK(t.run(d));
    return t.get<uint8_t>(y);
  };
  // One pixel of 10 with a 3x3 window over pads of 1: 10 / 1 or 10 / 9 = 1.11.
  CHECK(run({10}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, false, "QAveragePool") == std::vector<uint8_t>{10});
  CHECK(run({10}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, true, "QAveragePool") == std::vector<uint8_t>{1});
  // Means 2.5 -> 2 and 3.5 -> 4 (ties to even), 3 exactly.
  CHECK(run({1, 2, 3, 4}, {1, 2, 2, 1}, {1, 1, 1, 1}, {}, false, "QGlobalAveragePool") == std::vector<uint8_t>{2});
  CHECK(run({2, 3, 4, 5}, {1, 2, 2, 1}, {1, 1, 1, 1}, {}, false, "QGlobalAveragePool") == std::vector<uint8_t>{4});
  CHECK(run({1, 2, 3, 6}, {1, 2, 2, 1}, {1, 1, 1, 1}, {}, false, "QGlobalAveragePool") == std::vector<uint8_t>{3});
}

SPARQ_TEST(qglobal_average_pool_matches_independent_values) {
  for (auto s : {std::vector<int64_t>{1, 7, 7, 3}, std::vector<int64_t>{2, 5, 3, 130}, std::vector<int64_t>{1, 56, 56, 64},
                 std::vector<int64_t>{1, 4, 4, 72}, std::vector<int64_t>{1, 4, 4, 120}, std::vector<int64_t>{3, 2, 2, 300}})
    for (int zp : {0, 255}) {
      TestPlan t;
      const auto xv = random_bytes(numel(s), static_cast<uint32_t>(s[3] + zp));
      const int x = t.tensor(DType::kUInt8, s, xv);
      const int y = t.tensor(DType::kUInt8, {s[0], 1, 1, s[3]});
      auto d = t.op("QGlobalAveragePool", {x}, {y});
      d.attrs.numbers["x_scale"] = {0.05};
      d.attrs.numbers["y_scale"] = {0.02};
      d.attrs.numbers["x_zero_point"] = {double(zp)};
      d.attrs.numbers["y_zero_point"] = {double(255 - zp)};
      CHECK_RUN_OK(t.run(d, 2));
      const auto got = t.get<uint8_t>(y);
      const int64_t hw = s[1] * s[2];
      int bad = 0;
      for (int64_t b = 0; b < s[0]; ++b)
        for (int64_t c = 0; c < s[3]; ++c) {
          int sum = 0;
          for (int64_t i = 0; i < hw; ++i) sum += xv[static_cast<size_t>((b * hw + i) * s[3] + c)] - zp;
          const float mean = static_cast<float>(sum) * 0.05f / static_cast<float>(hw);
          const int want = independent_quantize(mean, 0.02f, 255 - zp, 0, 255);
          const int g = got[static_cast<size_t>(b * s[3] + c)];
          if (g != want && bad++ < 3) CHECK_EQ(g, want);
        }
    }
}

SPARQ_TEST(qpools_reject_bad_descriptors) {
  auto build = [](const char* type, DType xt, std::vector<int64_t> xs, std::vector<int64_t> ys, double x_scale,
                  double y_zp) {
    TestPlan t;
    const int x = t.tensor(xt, xs), y = t.tensor(DType::kUInt8, ys);
    auto d = t.op(type, {x}, {y});
    d.attrs.numbers["kernel_shape"] = {2, 2};
    d.attrs.numbers["strides"] = {2, 2};
    d.attrs.numbers["x_scale"] = {x_scale};
    d.attrs.numbers["y_scale"] = {0.1};
    d.attrs.numbers["y_zero_point"] = {y_zp};
    return t.build(d);
  };
  CHECK(build("QMaxPool", DType::kUInt8, {1, 4, 4, 3}, {1, 2, 2, 3}, 0.1, 0) != nullptr);
  CHECK(build("QAveragePool", DType::kUInt8, {1, 4, 4, 3}, {1, 2, 2, 3}, 0.1, 0) != nullptr);
  CHECK(build("QGlobalAveragePool", DType::kUInt8, {1, 4, 4, 3}, {1, 1, 1, 3}, 0.1, 0) != nullptr);
  CHECK_THROWS(build("QMaxPool", DType::kFloat32, {1, 4, 4, 3}, {1, 2, 2, 3}, 0.1, 0));
  CHECK_THROWS(build("QMaxPool", DType::kUInt8, {1, 4, 4, 3}, {1, 3, 2, 3}, 0.1, 0));
  CHECK_THROWS(build("QMaxPool", DType::kUInt8, {4, 4, 3}, {2, 2, 3}, 0.1, 0));
  CHECK_THROWS(build("QAveragePool", DType::kUInt8, {1, 4, 4, 3}, {1, 2, 2, 3}, -0.1, 0));
  CHECK_THROWS(build("QAveragePool", DType::kUInt8, {1, 4, 4, 3}, {1, 2, 2, 3}, 0.1, 256));
  CHECK_THROWS(build("QGlobalAveragePool", DType::kUInt8, {1, 4, 4, 3}, {1, 1, 1, 4}, 0.1, 0));
  CHECK_THROWS(build("QGlobalAveragePool", DType::kUInt8, {1, 4, 4, 3}, {1, 1, 1, 3}, kNaN, 0));
  // H * W of 2^23 or more would let a column's sum leave the int32 range the kernels sum in.
  CHECK_THROWS(build("QGlobalAveragePool", DType::kUInt8, {1, 4096, 2048, 1}, {1, 1, 1, 1}, 0.1, 0));
  CHECK(build("QGlobalAveragePool", DType::kUInt8, {1, 4096, 2047, 1}, {1, 1, 1, 1}, 0.1, 0) != nullptr);
}

SPARQ_TEST(qlookup_maps_through_the_table_and_rejects_bad_tables) {
  std::vector<uint8_t> table(256);
  for (int v = 0; v < 256; ++v) table[static_cast<size_t>(v)] = static_cast<uint8_t>((v * 37 + 11) & 0xFF);
  for (size_t n : {size_t(1), size_t(33), size_t(63), size_t(64), size_t(65), size_t(127), size_t(50000)}) {
    TestPlan t;
    const auto xv = random_bytes(n, static_cast<uint32_t>(n));
    const int x = t.tensor(DType::kUInt8, {static_cast<int64_t>(n)}, xv);
    const int tb = t.constant(DType::kUInt8, {256}, table);
    const int y = t.tensor(DType::kUInt8, {static_cast<int64_t>(n)});
    CHECK_RUN_OK(t.run(t.op("QLookup", {x, tb}, {y}), 2));
    const auto got = t.get<uint8_t>(y);
    int bad = 0;
    for (size_t i = 0; i < n; ++i)
      if (got[i] != table[xv[i]] && bad++ < 3) CHECK_EQ(got[i], table[xv[i]]);
  }
  TestPlan t;
  const int x = t.tensor(DType::kUInt8, {4});
  const int y = t.tensor(DType::kUInt8, {4});
  const int arena_table = t.tensor(DType::kUInt8, {256});
  const int short_table = t.constant(DType::kUInt8, {255}, std::vector<uint8_t>(255));
  const int y5 = t.tensor(DType::kUInt8, {5});
  CHECK_THROWS(t.build(t.op("QLookup", {x, arena_table}, {y})));
  CHECK_THROWS(t.build(t.op("QLookup", {x, short_table}, {y})));
  const int table_ok = t.constant(DType::kUInt8, {256}, table);
  CHECK_THROWS(t.build(t.op("QLookup", {x, table_ok}, {y5})));
  CHECK_THROWS(t.build(t.op("QLookup", {x}, {y})));
}

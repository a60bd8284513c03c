// int8 Quantize/Dequantize/QAdd/QConcat/pools/QLookup: every ISA level against the scalar reference and against
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

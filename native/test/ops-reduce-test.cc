// Reductions, ArgMax, Softmax/LogSoftmax, LayerNormalization and ChannelAffine against double-precision loops.
#include <cmath>
#include <limits>

#include "runtime/plan-desc.h"
#include "test/ops-test-plan.h"
#include "test/test-harness.h"

using sparq::DType;
using sparq_test::TestPlan;

namespace {

int64_t numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::vector<int64_t> unravel(int64_t i, const std::vector<int64_t>& shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = i % shape[d];
    i /= shape[d];
  }
  return idx;
}

void check_reduce(const char* type, const std::vector<int64_t>& shape, const std::vector<int64_t>& axes,
                  bool keepdims, int threads = 1) {
  TestPlan p;
  const auto xv = sparq_test::random_floats(static_cast<size_t>(numel(shape)), -2, 2, 11);
  std::vector<bool> red(shape.size(), axes.empty());
  for (int64_t a : axes) red[static_cast<size_t>(a)] = true;
  std::vector<int64_t> out, out_keep;
  for (size_t d = 0; d < shape.size(); ++d) {
    out_keep.push_back(red[d] ? 1 : shape[d]);
    if (!red[d] || keepdims) out.push_back(red[d] ? 1 : shape[d]);
  }
  const int x = p.tensor(DType::kFloat32, shape, xv);
  const int y = p.tensor(DType::kFloat32, out);
  auto d = p.op(type, {x}, {y});
  d.attrs.numbers["axes"] = std::vector<double>(axes.begin(), axes.end());
  d.attrs.numbers["keepdims"] = {keepdims ? 1.0 : 0.0};
  CHECK_RUN_OK(p.run(d, threads));
  // Reference: accumulate every input element into its output slot in double.
  const std::string t = type;
  std::vector<double> acc(static_cast<size_t>(numel(out_keep)), t == "ReduceMax" ? -INFINITY : 0.0);
  std::vector<int64_t> cnt(acc.size(), 0);
  for (int64_t i = 0; i < numel(shape); ++i) {
    const auto idx = unravel(i, shape);
    int64_t o = 0;
    for (size_t k = 0; k < shape.size(); ++k) o = o * out_keep[k] + (red[k] ? 0 : idx[k]);
    const double v = xv[static_cast<size_t>(i)];
    acc[static_cast<size_t>(o)] = t == "ReduceMax" ? std::max(acc[static_cast<size_t>(o)], v) : acc[static_cast<size_t>(o)] + v;
    ++cnt[static_cast<size_t>(o)];
  }
  const auto got = p.get<float>(y);
  CHECK_EQ(got.size(), acc.size());
  int bad = 0;
  for (size_t i = 0; i < acc.size(); ++i) {
    const double want = t == "ReduceMean" ? acc[i] / static_cast<double>(cnt[i]) : acc[i];
    if (!(std::fabs(got[i] - want) <= 1e-4 * (1 + std::fabs(want))) && bad++ < 3) CHECK_NEAR(got[i], want, 1e-4);
  }
}

}  // namespace

SPARQ_TEST(reduce_sum_mean_max_over_axis_sets) {
  for (const char* type : {"ReduceSum", "ReduceMean", "ReduceMax"}) {
    for (bool keep : {true, false}) {
      check_reduce(type, {2, 3, 4, 5}, {}, keep);
      check_reduce(type, {2, 3, 4, 5}, {3}, keep);
      check_reduce(type, {2, 3, 4, 5}, {0}, keep);
      check_reduce(type, {2, 3, 4, 5}, {1, 2}, keep);  // NHWC spatial mean
      check_reduce(type, {2, 3, 4, 5}, {0, 2}, keep);
      check_reduce(type, {2, 3, 4, 5}, {1, 3}, keep);
      check_reduce(type, {2, 1, 4, 1}, {1, 3}, keep);
      check_reduce(type, {7}, {0}, keep);
      check_reduce(type, {3, 1000}, {1}, keep);
    }
    for (int threads : {1, 2}) {
      check_reduce(type, {64, 30, 40}, {2}, true, threads);
      check_reduce(type, {8, 56, 56, 32}, {1, 2}, false, threads);
    }
  }
  TestPlan p;
  const int x = p.tensor(DType::kFloat32, {2, 3});
  const int y = p.tensor(DType::kFloat32, {2, 1});
  auto d = p.op("ReduceSum", {x}, {y});
  d.attrs.numbers["axes"] = {-1};  // the compiler normalizes negative axes
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["axes"] = {1, 0};  // unsorted
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["axes"] = {0};  // output shape disagrees
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["axes"] = {1};
  CHECK_RUN_OK(p.run(d));
}

SPARQ_TEST(argmax_first_and_last_ties) {
  TestPlan p;
  // [2, 4, 3]: ties on purpose.
  const std::vector<float> xv = {1, 5, 2, 3, 5, 2, 3, 0, 9, 1, 1, 9,
                                 -1, -2, -3, -1, -2, -3, -4, -2, -3, -1, -5, -7};
  const int x = p.tensor(DType::kFloat32, {2, 4, 3}, xv);
  const int y = p.tensor(DType::kInt64, {2, 1, 3});
  auto d = p.op("ArgMax", {x}, {y});
  d.attrs.numbers["axis"] = {1};
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<int64_t>(y) == (std::vector<int64_t>{1, 0, 2, 0, 0, 0}));
  d.attrs.numbers["select_last_index"] = {1};
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<int64_t>(y) == (std::vector<int64_t>{2, 1, 3, 3, 2, 2}));
  const int y2 = p.tensor(DType::kInt64, {2, 4});
  auto d2 = p.op("ArgMax", {x}, {y2});
  d2.attrs.numbers["axis"] = {2};
  d2.attrs.numbers["keepdims"] = {0};
  CHECK_RUN_OK(p.run(d2));
  CHECK(p.get<int64_t>(y2) == (std::vector<int64_t>{1, 1, 2, 2, 0, 0, 1, 0}));
  const int yf = p.tensor(DType::kFloat32, {2, 4});
  CHECK_THROWS(p.build(p.op("ArgMax", {x}, {yf})));
}

namespace {

void check_softmax(bool log, const std::vector<int64_t>& shape, int64_t axis, float lo, float hi, int threads = 1) {
  TestPlan p;
  const auto xv = sparq_test::random_floats(static_cast<size_t>(numel(shape)), lo, hi, 5);
  const int x = p.tensor(DType::kFloat32, shape, xv);
  const int y = p.tensor(DType::kFloat32, shape);
  auto d = p.op(log ? "LogSoftmax" : "Softmax", {x}, {y});
  d.attrs.numbers["axis"] = {static_cast<double>(axis)};
  CHECK_RUN_OK(p.run(d, threads));
  const auto got = p.get<float>(y);
  int64_t outer = 1, inner = 1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (static_cast<int64_t>(k) < axis) outer *= shape[k];
    if (static_cast<int64_t>(k) > axis) inner *= shape[k];
  }
  const int64_t n = shape[static_cast<size_t>(axis)];
  int bad = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      // log-sum-exp in long double around the max
      long double m = -INFINITY;
      for (int64_t i = 0; i < n; ++i) m = std::max<long double>(m, xv[static_cast<size_t>((o * n + i) * inner + j)]);
      long double s = 0;
      for (int64_t i = 0; i < n; ++i) s += std::exp(xv[static_cast<size_t>((o * n + i) * inner + j)] - m);
      for (int64_t i = 0; i < n; ++i) {
        const size_t at = static_cast<size_t>((o * n + i) * inner + j);
        const long double lv = xv[at] - m - std::log(s);
        const double want = static_cast<double>(log ? lv : std::exp(lv));
        if (!(std::fabs(got[at] - want) <= 2e-5 * (1 + std::fabs(want))) && bad++ < 3) CHECK_NEAR(got[at], want, 2e-5);
      }
    }
}

}  // namespace

SPARQ_TEST(softmax_and_log_softmax_are_stable_on_every_axis) {
  for (bool log : {false, true}) {
    check_softmax(log, {3, 10}, 1, -5, 5);
    check_softmax(log, {3, 10}, 0, -5, 5);
    check_softmax(log, {2, 7, 130}, 1, -5, 5);   // column tiles of 64 with a ragged tail
    check_softmax(log, {4, 1000}, 1, 500, 900);  // would overflow exp without the max subtraction
    check_softmax(log, {4, 5}, 1, -900, -800);   // would underflow to 0/0
    check_softmax(log, {1, 1}, 1, -1, 1);
    check_softmax(log, {256, 257}, 1, -3, 3, 2);
  }
}

SPARQ_TEST(layer_norm_matches_two_pass_double_reference) {
  for (int with_bias = 0; with_bias < 2; ++with_bias) {
    for (int64_t axis : {1, 2}) {
      const std::vector<int64_t> shape = {3, 4, 37};
      TestPlan p;
      // Large common offset: a naive E[x^2] - E[x]^2 in float would lose the variance.
      const auto xv = sparq_test::random_floats(static_cast<size_t>(numel(shape)), 1000, 1001, 3);
      const std::vector<int64_t> norm(shape.begin() + axis, shape.end());
      const auto sv = sparq_test::random_floats(static_cast<size_t>(numel(norm)), 0.5f, 1.5f, 4);
      const auto bv = sparq_test::random_floats(static_cast<size_t>(numel(norm)), -1, 1, 6);
      const int x = p.tensor(DType::kFloat32, shape, xv);
      const int s = p.constant(DType::kFloat32, norm, sv);
      const int b = with_bias ? p.constant(DType::kFloat32, norm, bv) : -1;
      const int y = p.tensor(DType::kFloat32, shape);
      auto d = p.op("LayerNormalization", {x, s, b}, {y});
      d.attrs.numbers["axis"] = {static_cast<double>(axis)};
      d.attrs.numbers["epsilon"] = {1e-5};
      CHECK_RUN_OK(p.run(d));
      const auto got = p.get<float>(y);
      const int64_t n = numel(norm), rows = numel(shape) / n;
      int bad = 0;
      for (int64_t r = 0; r < rows; ++r) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < n; ++i) mean += xv[static_cast<size_t>(r * n + i)];
        mean /= static_cast<double>(n);
        for (int64_t i = 0; i < n; ++i) var += std::pow(xv[static_cast<size_t>(r * n + i)] - mean, 2);
        var /= static_cast<double>(n);
        for (int64_t i = 0; i < n; ++i) {
          const double want = (xv[static_cast<size_t>(r * n + i)] - mean) / std::sqrt(var + 1e-5) * sv[static_cast<size_t>(i)] +
                              (with_bias ? bv[static_cast<size_t>(i)] : 0.0);
          if (!(std::fabs(got[static_cast<size_t>(r * n + i)] - want) <= 2e-3) && bad++ < 3)
            CHECK_NEAR(got[static_cast<size_t>(r * n + i)], want, 2e-3);
        }
      }
    }
  }
  // Scale [C] broadcast over normalized [H, C].
  TestPlan p;
  const std::vector<float> xv = {1, 2, 3, 4, 5, 6};
  const int x = p.tensor(DType::kFloat32, {1, 3, 2}, xv);
  const int s = p.tensor(DType::kFloat32, {2}, std::vector<float>{1, 2});
  const int y = p.tensor(DType::kFloat32, {1, 3, 2});
  auto d = p.op("LayerNormalization", {x, s}, {y});
  d.attrs.numbers["axis"] = {1};
  d.attrs.numbers["epsilon"] = {0};
  CHECK_RUN_OK(p.run(d));
  const double sd = std::sqrt(35.0 / 12.0);
  const auto got = p.get<float>(y);
  for (int i = 0; i < 6; ++i) CHECK_NEAR(got[static_cast<size_t>(i)], (xv[static_cast<size_t>(i)] - 3.5) / sd * (i % 2 ? 2 : 1), 1e-5);
  const int bad_scale = p.tensor(DType::kFloat32, {3});
  auto bad = p.op("LayerNormalization", {x, bad_scale}, {y});
  bad.attrs.numbers["axis"] = {2};
  CHECK_THROWS(p.build(bad));
  bad.attrs.numbers["axis"] = {3};
  CHECK_THROWS(p.build(bad));
}

SPARQ_TEST(channel_affine_last_axis_and_planes) {
  for (int64_t axis : {1, 3}) {
    const std::vector<int64_t> shape = {2, 3, 4, 3};
    TestPlan p;
    const auto xv = sparq_test::random_floats(72, -3, 3, 9);
    const std::vector<float> sv = {0.5f, -2.f, 3.f}, bv = {1.f, 0.f, -1.f};
    const int x = p.tensor(DType::kFloat32, shape, xv);
    const int s = p.constant(DType::kFloat32, {3}, sv);
    const int b = p.constant(DType::kFloat32, {3}, bv);
    const int y = p.tensor(DType::kFloat32, shape);
    auto d = p.op("ChannelAffine", {x, s, b}, {y});
    d.attrs.numbers["axis"] = {static_cast<double>(axis)};
    CHECK_RUN_OK(p.run(d));
    const auto got = p.get<float>(y);
    for (int64_t i = 0; i < 72; ++i) {
      const size_t c = static_cast<size_t>(unravel(i, shape)[static_cast<size_t>(axis)]);
      CHECK_NEAR(got[static_cast<size_t>(i)], xv[static_cast<size_t>(i)] * sv[c] + bv[c], 1e-6);
    }
    auto bad = p.op("ChannelAffine", {x, s, b}, {y});
    bad.attrs.numbers["axis"] = {2};  // 4 channels there, 3 in scale
    CHECK_THROWS(p.build(bad));
  }
}

// The softmax exp (SSE2 span + scalar tail) against std::exp: relative error, clamped tail, NaN, ragged lengths.
#include <cmath>
#include <limits>
#include <vector>

#include "ops/exp-nonpositive.h"
#include "test/test-harness.h"

SPARQ_TEST(exp_shifted_span_is_within_two_ulp_of_std_exp) {
  std::vector<float> x, y;
  for (float v = -87.f; v <= 0.f; v += 0.0137f) x.push_back(v);
  x.push_back(0.f);
  x.push_back(-0.f);
  x.push_back(-1e-30f);
  y.resize(x.size());
  sparq::exp_shifted_span(x.data(), 0.f, y.data(), static_cast<int64_t>(x.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = std::exp(static_cast<double>(x[i]));
    worst = std::max(worst, std::fabs(y[i] - want) / want);
  }
  CHECK(worst < 2.5e-7);  // ~2 ulp of float
  // The shift is applied before the exponential, and the scalar form agrees with the span form.
  const std::vector<float> shifted = {10.f, 9.5f, 3.f, 10.f, 7.25f};
  std::vector<float> out(shifted.size());
  sparq::exp_shifted_span(shifted.data(), 10.f, out.data(), 5);
  for (size_t i = 0; i < shifted.size(); ++i) {
    CHECK_NEAR(out[i], std::exp(static_cast<double>(shifted[i]) - 10.0), 3e-7 * std::exp(shifted[i] - 10.0));
    CHECK_NEAR(sparq::exp_nonpositive(shifted[i] - 10.f), out[i], 3e-7 * out[i]);
  }
}

SPARQ_TEST(exp_shifted_span_clamps_far_tail_and_keeps_nan) {
  for (int64_t n = 0; n <= 9; ++n) {  // every SSE2 tail length
    std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n), -1.f);
    for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = i % 3 == 0 ? -500.f : i % 3 == 1 ? std::numeric_limits<float>::quiet_NaN() : -1.f;
    sparq::exp_shifted_span(x.data(), 0.f, y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const float v = y[static_cast<size_t>(i)];
      if (i % 3 == 0) CHECK(v >= 0.f && v < 1e-37f);
      else if (i % 3 == 1) CHECK(std::isnan(v));
      else CHECK_NEAR(v, std::exp(-1.0), 1e-7);
    }
  }
  CHECK(sparq::exp_nonpositive(-std::numeric_limits<float>::infinity()) < 1e-37f);
}

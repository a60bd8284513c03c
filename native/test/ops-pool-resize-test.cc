// NHWC pools and Resize against padded-window / ONNX-formula references and the ONNX spec's example values.
#include <cmath>
#include <limits>

#include "runtime/plan-desc.h"
#include "test/ops-test-plan.h"
#include "test/test-harness.h"

using sparq::DType;
using sparq_test::TestPlan;

namespace {

struct PoolCase {
  int64_t n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  bool ceil;
};

int64_t pooled(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1, bool ceil) {
  const int64_t span = in + p0 + p1 - ((k - 1) * d + 1);
  return (ceil ? (span + s - 1) / s : span / s) + 1;
}

// kind: 0 max, 1 average excluding pad, 2 average including pad
void check_pool(const PoolCase& p, int kind, int threads = 1) {
  const int64_t oh = pooled(p.h, p.kh, p.sh, p.dh, p.pt, p.pb, p.ceil);
  const int64_t ow = pooled(p.w, p.kw, p.sw, p.dw, p.pl, p.pr, p.ceil);
  TestPlan t;
  const auto xv = sparq_test::random_floats(static_cast<size_t>(p.n * p.h * p.w * p.c), -5, 5, 21);
  const int x = t.tensor(DType::kFloat32, {p.n, p.h, p.w, p.c}, xv);
  const int y = t.tensor(DType::kFloat32, {p.n, oh, ow, p.c});
  auto d = t.op(kind == 0 ? "MaxPool" : "AveragePool", {x}, {y});
  d.attrs.numbers["kernel_shape"] = {double(p.kh), double(p.kw)};
  d.attrs.numbers["strides"] = {double(p.sh), double(p.sw)};
  d.attrs.numbers["pads"] = {double(p.pt), double(p.pl), double(p.pb), double(p.pr)};
  d.attrs.numbers["dilations"] = {double(p.dh), double(p.dw)};
  if (kind == 2) d.attrs.numbers["count_include_pad"] = {1};
  CHECK_RUN_OK(t.run(d, threads));
  const auto got = t.get<float>(y);
  int bad = 0;
  for (int64_t b = 0; b < p.n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t c = 0; c < p.c; ++c) {
          // Walk every tap in padded coordinates; classify it as real, padding, or beyond the padding.
          double best = -std::numeric_limits<double>::infinity(), sum = 0;
          int real = 0, in_padded = 0;
          for (int64_t ky = 0; ky < p.kh; ++ky)
            for (int64_t kx = 0; kx < p.kw; ++kx) {
              const int64_t py = i * p.sh + ky * p.dh, px = j * p.sw + kx * p.dw;  // padded coordinates
              const int64_t iy = py - p.pt, ix = px - p.pl;
              if (py < p.h + p.pt + p.pb && px < p.w + p.pl + p.pr) ++in_padded;
              if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
              const double v = xv[static_cast<size_t>(((b * p.h + iy) * p.w + ix) * p.c + c)];
              best = std::max(best, v);
              sum += v;
              ++real;
            }
          const double want = kind == 0 ? best : kind == 1 ? sum / real : sum / in_padded;
          const float g = got[static_cast<size_t>(((b * oh + i) * ow + j) * p.c + c)];
          if (!(std::fabs(g - want) <= 1e-5 * (1 + std::fabs(want))) && bad++ < 3) CHECK_NEAR(g, want, 1e-5);
        }
}

}  // namespace

SPARQ_TEST(pools_with_pads_strides_dilations_and_ceil_sizes) {
  const std::vector<PoolCase> cases = {
      {2, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false},   // ResNet stem max pool shape
      {1, 8, 8, 3, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, false},
      {1, 7, 6, 5, 3, 2, 1, 1, 1, 1, 0, 0, 0, 0, false},
      {1, 10, 11, 4, 3, 3, 1, 2, 2, 2, 2, 1, 2, 0, false},  // dilations, asymmetric pads
      {2, 7, 7, 6, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, true},    // ceil: last window overhangs
      {1, 6, 6, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true},    // ceil with pads
      {1, 5, 5, 67, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, false},  // ragged C
      {1, 1, 9, 3, 1, 3, 1, 3, 1, 1, 0, 1, 0, 1, false},   // 1-D pool sent as H = 1
  };
  for (const PoolCase& c : cases)
    for (int kind = 0; kind < 3; ++kind) check_pool(c, kind);
  for (int threads : {1, 2}) {
    check_pool({2, 56, 56, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false}, 0, threads);
    check_pool({2, 28, 28, 32, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, false}, 1, threads);
  }
}

SPARQ_TEST(average_pool_count_include_pad_hand_values) {
  TestPlan t;
  const int x = t.tensor(DType::kFloat32, {1, 2, 2, 1}, std::vector<float>{1, 2, 3, 4});
  const int y = t.tensor(DType::kFloat32, {1, 3, 3, 1});
  auto d = t.op("AveragePool", {x}, {y});
  d.attrs.numbers["kernel_shape"] = {2, 2};
  d.attrs.numbers["pads"] = {1, 1, 1, 1};
  CHECK_RUN_OK(t.run(d));
  CHECK(t.get<float>(y) == (std::vector<float>{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}));
  d.attrs.numbers["count_include_pad"] = {1};
  CHECK_RUN_OK(t.run(d));
  CHECK(t.get<float>(y) == (std::vector<float>{0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1}));
  auto m = t.op("MaxPool", {x}, {y});
  m.attrs.numbers["kernel_shape"] = {2, 2};
  m.attrs.numbers["pads"] = {1, 1, 1, 1};
  CHECK_RUN_OK(t.run(m));
  CHECK(t.get<float>(y) == (std::vector<float>{1, 2, 2, 3, 4, 4, 3, 4, 4}));
  // Output shape that is neither the floor nor the ceil size.
  const int bad = t.tensor(DType::kFloat32, {1, 4, 3, 1});
  CHECK_THROWS(t.build(t.op("MaxPool", {x}, {bad})));
  m.outputs = {bad};
  CHECK_THROWS(t.build(m));
  const int nchw = t.tensor(DType::kFloat32, {1, 2, 2});
  m.inputs = {nchw};
  CHECK_THROWS(t.build(m));
}

SPARQ_TEST(global_pools_reduce_h_and_w) {
  for (int64_t c : {3, 16, 32, 48, 64, 112, 130}) {  // every unrolled block width, partial blocks, several blocks
    TestPlan t;
    const int64_t n = 2, h = 5, w = 7;
    const auto xv = sparq_test::random_floats(static_cast<size_t>(n * h * w * c), -4, 4, 8);
    const int x = t.tensor(DType::kFloat32, {n, h, w, c}, xv);
    const int ya = t.tensor(DType::kFloat32, {n, 1, 1, c});
    const int ym = t.tensor(DType::kFloat32, {n, 1, 1, c});
    CHECK_RUN_OK(t.run(t.op("GlobalAveragePool", {x}, {ya}), 2));
    CHECK_RUN_OK(t.run(t.op("GlobalMaxPool", {x}, {ym})));
    const auto ga = t.get<float>(ya), gm = t.get<float>(ym);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t k = 0; k < c; ++k) {
        double s = 0, mx = -1e30;
        for (int64_t i = 0; i < h * w; ++i) {
          const double v = xv[static_cast<size_t>((b * h * w + i) * c + k)];
          s += v;
          mx = std::max(mx, v);
        }
        CHECK_NEAR(ga[static_cast<size_t>(b * c + k)], s / (h * w), 1e-5);
        CHECK_EQ(gm[static_cast<size_t>(b * c + k)], static_cast<float>(mx));
      }
    const int wrong = t.tensor(DType::kFloat32, {n, c});
    CHECK_THROWS(t.build(t.op("GlobalAveragePool", {x}, {wrong})));
  }
}

namespace {

std::vector<float> run_resize(const std::vector<int64_t>& xs, const std::vector<float>& xv, int64_t oh, int64_t ow,
                              const std::string& mode, const std::string& cmode, const std::string& nmode,
                              float sh, float sw, int threads = 1) {
  TestPlan t;
  const int x = t.tensor(DType::kFloat32, xs, xv);
  const int y = t.tensor(DType::kFloat32, {xs[0], oh, ow, xs[3]});
  auto d = t.op("Resize", {x}, {y});
  d.attrs.strings["mode"] = mode;
  d.attrs.strings["coordinate_transformation_mode"] = cmode;
  d.attrs.strings["nearest_mode"] = nmode;
  d.attrs.numbers["scales"] = {sh, sw};
  CHECK_RUN_OK(t.run(d, threads));
  return t.get<float>(y);
}

void check_close(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  CHECK_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) CHECK_NEAR(got[i], want[i], tol);
}

// The ONNX spec's formulas in double precision.
double original(const std::string& cm, double o, double scale, double out_len, double in_len) {
  if (cm == "half_pixel") return (o + 0.5) / scale - 0.5;
  if (cm == "pytorch_half_pixel") return out_len > 1 ? (o + 0.5) / scale - 0.5 : 0;
  if (cm == "align_corners") return out_len == 1 ? 0 : o * (in_len - 1) / (out_len - 1);
  if (cm == "asymmetric") return o / scale;
  return (o + 0.5) / scale;  // tf_half_pixel_for_nn
}
int64_t nearest(const std::string& nm, double v, int64_t len) {
  int64_t i;
  if (nm == "floor") i = static_cast<int64_t>(std::floor(v));
  else if (nm == "ceil") i = static_cast<int64_t>(std::ceil(v));
  else if (v - std::floor(v) == 0.5) i = static_cast<int64_t>(nm == "round_prefer_floor" ? std::floor(v) : std::ceil(v));
  else i = static_cast<int64_t>(std::floor(v + 0.5));
  return std::min(std::max<int64_t>(i, 0), len - 1);
}

}  // namespace

SPARQ_TEST(resize_matches_onnx_spec_examples) {
  const std::vector<int64_t> s22 = {1, 2, 2, 1};
  const std::vector<float> x22 = {1, 2, 3, 4};
  check_close(run_resize(s22, x22, 4, 6, "nearest", "half_pixel", "round_prefer_floor", 2, 3),
              {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}, 0);
  check_close(run_resize(s22, x22, 4, 4, "linear", "half_pixel", "round_prefer_floor", 2, 2),
              {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4}, 1e-6);
  check_close(run_resize(s22, x22, 4, 4, "linear", "align_corners", "round_prefer_floor", 2, 2),
              {1, 4. / 3, 5. / 3, 2, 5. / 3, 2, 7. / 3, 8. / 3, 7. / 3, 8. / 3, 3, 10. / 3, 3, 10. / 3, 11. / 3, 4},
              1e-5);
  const std::vector<int64_t> s24 = {1, 2, 4, 1};
  const std::vector<float> x24 = {1, 2, 3, 4, 5, 6, 7, 8};
  check_close(run_resize(s24, x24, 1, 2, "linear", "half_pixel", "round_prefer_floor", 0.6f, 0.6f),
              {2.6666665, 4.3333331}, 1e-5);
  check_close(run_resize(s24, x24, 1, 2, "nearest", "half_pixel", "round_prefer_floor", 0.6f, 0.6f), {1, 3}, 0);
  // align_corners divides by (output length - 1) with the integer output length, as onnxruntime does
  // (the ONNX reference's 3.142857 uses the unrounded 4 * 0.6; see onnx/onnx#2462).
  check_close(run_resize(s24, x24, 1, 2, "linear", "align_corners", "round_prefer_floor", 0.6f, 0.6f), {1, 4}, 1e-6);
}

SPARQ_TEST(resize_every_mode_matches_formula_reference) {
  const std::vector<int64_t> xs = {2, 5, 7, 3};
  const auto xv = sparq_test::random_floats(2 * 5 * 7 * 3, -3, 3, 17);
  struct Size {
    int64_t oh, ow;
    float sh, sw;
  };
  const std::vector<Size> sizes = {{10, 14, 2, 2}, {15, 7, 3, 1}, {2, 3, 0.5f, 0.5f}, {7, 10, 1.5f, 1.5f},
                                   {1, 1, 0.25f, 0.15f}};
  for (const char* cm : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"}) {
    for (const Size& s : sizes) {
      for (const char* nm : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
        const auto got = run_resize(xs, xv, s.oh, s.ow, "nearest", cm, nm, s.sh, s.sw);
        int bad = 0;
        for (int64_t b = 0; b < 2; ++b)
          for (int64_t i = 0; i < s.oh; ++i)
            for (int64_t j = 0; j < s.ow; ++j) {
              const int64_t iy = nearest(nm, original(cm, double(i), s.sh, double(s.oh), 5), 5);
              const int64_t ix = nearest(nm, original(cm, double(j), s.sw, double(s.ow), 7), 7);
              for (int64_t c = 0; c < 3; ++c) {
                const float want = xv[static_cast<size_t>(((b * 5 + iy) * 7 + ix) * 3 + c)];
                const float g = got[static_cast<size_t>(((b * s.oh + i) * s.ow + j) * 3 + c)];
                if (g != want && bad++ < 2) CHECK_EQ(g, want);
              }
            }
      }
      const auto got = run_resize(xs, xv, s.oh, s.ow, "linear", cm, "round_prefer_floor", s.sh, s.sw, 2);
      int bad = 0;
      auto taps = [&](double v, int64_t len, int64_t& lo, int64_t& hi, double& w_lo, double& w_hi) {
        v = std::min(std::max(v, 0.0), double(len - 1));
        lo = static_cast<int64_t>(v);
        hi = std::min(lo + 1, len - 1);
        w_hi = v - double(lo);
        w_lo = 1 - w_hi;
        if (lo == hi) w_lo = w_hi = 0.5;
      };
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t i = 0; i < s.oh; ++i)
          for (int64_t j = 0; j < s.ow; ++j) {
            int64_t y0, y1, x0, x1;
            double wy0, wy1, wx0, wx1;
            taps(original(cm, double(i), s.sh, double(s.oh), 5), 5, y0, y1, wy0, wy1);
            taps(original(cm, double(j), s.sw, double(s.ow), 7), 7, x0, x1, wx0, wx1);
            for (int64_t c = 0; c < 3; ++c) {
              auto at = [&](int64_t yy, int64_t xx) { return double(xv[static_cast<size_t>(((b * 5 + yy) * 7 + xx) * 3 + c)]); };
              const double want = wy0 * (wx0 * at(y0, x0) + wx1 * at(y0, x1)) + wy1 * (wx0 * at(y1, x0) + wx1 * at(y1, x1));
              const float g = got[static_cast<size_t>(((b * s.oh + i) * s.ow + j) * 3 + c)];
              if (!(std::fabs(g - want) <= 1e-5) && bad++ < 2) CHECK_NEAR(g, want, 1e-5);
            }
          }
    }
  }
}

SPARQ_TEST(resize_validation) {
  TestPlan t;
  const int x = t.tensor(DType::kFloat32, {1, 4, 4, 2});
  const int y = t.tensor(DType::kFloat32, {1, 8, 8, 2});
  auto d = t.op("Resize", {x}, {y});
  d.attrs.numbers["scales"] = {2, 2};
  d.attrs.strings["mode"] = "cubic";
  CHECK_THROWS(t.build(d));
  d.attrs.strings["mode"] = "linear";
  d.attrs.strings["coordinate_transformation_mode"] = "tf_crop_and_resize";
  CHECK_THROWS(t.build(d));
  d.attrs.strings["coordinate_transformation_mode"] = "asymmetric";
  d.attrs.strings["nearest_mode"] = "nearest";
  CHECK_THROWS(t.build(d));
  d.attrs.strings["nearest_mode"] = "floor";
  d.attrs.numbers["scales"] = {3, 2};  // Y would be 12 high
  CHECK_THROWS(t.build(d));
  d.attrs.numbers["scales"] = {2, 2};
  CHECK_RUN_OK(t.run(d));
}

SPARQ_TEST(resize_to_an_empty_output_of_huge_height_builds_no_index_tables) {
  // Y [1, 2^40, 4, 0] holds nothing, but an index table per output row would need 8 TB (found by the plan fuzzer).
  for (const char* mode : {"nearest", "linear"}) {
    TestPlan t;
    const int x = t.tensor(DType::kFloat32, {1, 4, 4, 0});
    const int y = t.tensor(DType::kFloat32, {1, int64_t(1) << 40, 4, 0});
    auto d = t.op("Resize", {x}, {y});
    d.attrs.strings["mode"] = mode;
    d.attrs.numbers["scales"] = {std::ldexp(1.0, 38), 1};
    CHECK_RUN_OK(t.run(d));
  }
}

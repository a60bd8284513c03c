// Data-movement ops (Reshape, Transpose, Slice, Expand, Concat, Split, Pad, Gather) against index-math references.
#include <numeric>

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

template <typename T>
std::vector<T> iota_values(size_t n, T start = T(0)) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<T>(start + static_cast<T>(i));
  return v;
}

// Multi-index of flat index i in `shape`.
std::vector<int64_t> unravel(int64_t i, const std::vector<int64_t>& shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = i % shape[d];
    i /= shape[d];
  }
  return idx;
}
int64_t ravel(const std::vector<int64_t>& idx, const std::vector<int64_t>& shape) {
  int64_t f = 0;
  for (size_t d = 0; d < shape.size(); ++d) f = f * shape[d] + idx[d];
  return f;
}

}  // namespace

SPARQ_TEST(reshape_aliases_or_copies) {
  TestPlan p;
  const int x = p.tensor(DType::kFloat32, {2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  const int y = p.tensor(DType::kFloat32, {3, 2});
  auto op = p.build(p.op("Reshape", {x}, {y}));
  CHECK_STR_EQ(op->kernel_name(), "reshape-copy");
  CHECK_RUN_OK(p.run(p.op("Reshape", {x}, {y})));
  CHECK(p.get<float>(y) == (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const int z = p.tensor(DType::kFloat32, {6});
  p.alias(z, x);
  CHECK_STR_EQ(p.build(p.op("Reshape", {x}, {z}))->kernel_name(), "reshape-alias");
  CHECK_RUN_OK(p.run(p.op("Reshape", {x}, {z})));
  CHECK(p.get<float>(z) == (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // A constant input is always copied even when offsets happen to match.
  const int c = p.constant(DType::kInt64, {2}, std::vector<int64_t>{7, 8});
  const int cy = p.tensor(DType::kInt64, {1, 2});
  CHECK_STR_EQ(p.build(p.op("Reshape", {c}, {cy}))->kernel_name(), "reshape-copy");
  CHECK_RUN_OK(p.run(p.op("Reshape", {c}, {cy})));
  CHECK(p.get<int64_t>(cy) == (std::vector<int64_t>{7, 8}));
  const int bad = p.tensor(DType::kFloat32, {5});
  CHECK_THROWS(p.build(p.op("Reshape", {x}, {bad})));
  const int bad_dtype = p.tensor(DType::kInt32, {6});
  CHECK_THROWS(p.build(p.op("Reshape", {x}, {bad_dtype})));
}

namespace {

template <typename T>
void check_transpose(DType dtype, const std::vector<int64_t>& shape, const std::vector<int64_t>& perm, int threads = 1) {
  TestPlan p;
  const auto xv = iota_values<T>(static_cast<size_t>(numel(shape)), T(1));
  std::vector<int64_t> out(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) out[d] = shape[static_cast<size_t>(perm[d])];
  const int x = p.tensor(dtype, shape, xv);
  const int y = p.tensor(dtype, out);
  auto d = p.op("Transpose", {x}, {y});
  d.attrs.numbers["perm"] = std::vector<double>(perm.begin(), perm.end());
  CHECK_RUN_OK(p.run(d, threads));
  const auto got = p.get<T>(y);
  int bad = 0;
  for (int64_t i = 0; i < numel(out); ++i) {
    const auto oi = unravel(i, out);
    std::vector<int64_t> ii(shape.size());
    for (size_t k = 0; k < shape.size(); ++k) ii[static_cast<size_t>(perm[k])] = oi[k];
    if (got[static_cast<size_t>(i)] != xv[static_cast<size_t>(ravel(ii, shape))] && bad++ < 3)
      CHECK_EQ(+got[static_cast<size_t>(i)], +xv[static_cast<size_t>(ravel(ii, shape))]);
  }
}

}  // namespace

SPARQ_TEST(transpose_matches_index_permutation) {
  check_transpose<float>(DType::kFloat32, {2, 3, 4, 5}, {0, 2, 3, 1});  // NCHW -> NHWC
  check_transpose<float>(DType::kFloat32, {2, 3, 4, 5}, {0, 3, 1, 2});  // NHWC -> NCHW
  check_transpose<float>(DType::kFloat32, {2, 3, 4, 5}, {3, 2, 1, 0});
  check_transpose<float>(DType::kFloat32, {2, 3, 4, 5}, {0, 1, 2, 3});  // identity collapses to one memcpy
  check_transpose<float>(DType::kFloat32, {2, 3, 4, 5}, {1, 0, 2, 3});  // inner axes stay: memcpy runs
  check_transpose<int64_t>(DType::kInt64, {7, 1, 9}, {2, 1, 0});
  check_transpose<uint8_t>(DType::kBool, {3, 5}, {1, 0});
  check_transpose<uint8_t>(DType::kUInt8, {2, 1, 3, 1}, {3, 2, 0, 1});
  check_transpose<int32_t>(DType::kInt32, {0, 3}, {1, 0});
  check_transpose<float>(DType::kFloat32, {}, {});
  for (int threads : {1, 2, 3}) check_transpose<float>(DType::kFloat32, {2, 64, 56, 56}, {0, 2, 3, 1}, threads);
  TestPlan p;
  const int x = p.tensor(DType::kFloat32, {2, 3});
  const int y = p.tensor(DType::kFloat32, {3, 2});
  auto d = p.op("Transpose", {x}, {y});
  d.attrs.numbers["perm"] = {0, 0};
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["perm"] = {0, 1};  // output shape disagrees
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["perm"] = {1, 0};
  CHECK_RUN_OK(p.run(d));
}

namespace {

void check_slice(const std::vector<int64_t>& shape, const std::vector<int64_t>& starts,
                 const std::vector<int64_t>& steps, const std::vector<int64_t>& out) {
  TestPlan p;
  const auto xv = iota_values<float>(static_cast<size_t>(numel(shape)));
  const int x = p.tensor(DType::kFloat32, shape, xv);
  const int y = p.tensor(DType::kFloat32, out);
  auto d = p.op("Slice", {x}, {y});
  d.attrs.numbers["starts"] = std::vector<double>(starts.begin(), starts.end());
  d.attrs.numbers["steps"] = std::vector<double>(steps.begin(), steps.end());
  CHECK_RUN_OK(p.run(d));
  const auto got = p.get<float>(y);
  for (int64_t i = 0; i < numel(out); ++i) {
    auto idx = unravel(i, out);
    for (size_t k = 0; k < idx.size(); ++k) idx[k] = starts[k] + idx[k] * steps[k];
    CHECK_EQ(got[static_cast<size_t>(i)], xv[static_cast<size_t>(ravel(idx, shape))]);
  }
}

}  // namespace

SPARQ_TEST(slice_with_positive_and_negative_steps) {
  check_slice({4, 5, 6}, {1, 0, 2}, {1, 1, 1}, {2, 5, 3});
  check_slice({4, 5, 6}, {3, 4, 5}, {-1, -1, -1}, {4, 5, 6});   // full reverse
  check_slice({4, 5, 6}, {0, 4, 0}, {2, -2, 3}, {2, 3, 2});
  check_slice({10}, {9}, {-3}, {4});                              // 9 6 3 0
  check_slice({4, 5, 6}, {0, 2, 0}, {1, 1, 1}, {4, 0, 6});        // empty result
  check_slice({2, 8, 3}, {1, 7, 0}, {1, -1, 1}, {1, 8, 3});       // reversed middle axis, contiguous inner
  TestPlan p;
  const int x = p.tensor(DType::kFloat32, {5}, iota_values<float>(5));
  const int y = p.tensor(DType::kFloat32, {3});
  auto d = p.op("Slice", {x}, {y});
  d.attrs.numbers["starts"] = {3};
  d.attrs.numbers["steps"] = {1};  // 3, 4, 5: leaves the input
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["starts"] = {-1};  // the compiler normalizes negative starts
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["starts"] = {0};
  d.attrs.numbers["steps"] = {0};
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["steps"] = {2};
  CHECK_RUN_OK(p.run(d));
  d.attrs.numbers["steps"] = {4.6e18};  // start + 2 * step leaves int64: a PlanError, not UB (found by the fuzzer)
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["steps"] = {-4.6e18};
  CHECK_THROWS(p.build(d));
  const int y1 = p.tensor(DType::kFloat32, {1});
  auto one = p.op("Slice", {x}, {y1});  // one output: the step is never applied, however large
  one.attrs.numbers["starts"] = {4};
  one.attrs.numbers["steps"] = {9.2e18};
  CHECK_RUN_OK(p.run(one));
  CHECK_EQ(p.get<float>(y1)[0], iota_values<float>(5)[4]);
}

SPARQ_TEST(expand_broadcasts_to_output_shape) {
  TestPlan p;
  const int x = p.tensor(DType::kInt64, {3, 1}, std::vector<int64_t>{1, 2, 3});
  const int y = p.tensor(DType::kInt64, {2, 3, 4});
  CHECK_RUN_OK(p.run(p.op("Expand", {x}, {y})));
  const auto got = p.get<int64_t>(y);
  for (size_t i = 0; i < got.size(); ++i) CHECK_EQ(got[i], static_cast<int64_t>((i / 4) % 3 + 1));
  const int s = p.tensor(DType::kFloat32, {}, std::vector<float>{2.5f});
  const int sy = p.tensor(DType::kFloat32, {3, 2});
  CHECK_RUN_OK(p.run(p.op("Expand", {s}, {sy})));
  CHECK(p.get<float>(sy) == std::vector<float>(6, 2.5f));
  const int bad = p.tensor(DType::kInt64, {2, 2, 4});
  CHECK_THROWS(p.build(p.op("Expand", {x}, {bad})));
}

SPARQ_TEST(concat_and_split_on_every_axis) {
  const std::vector<int64_t> a_shape = {2, 3, 4};
  for (int64_t axis = 0; axis < 3; ++axis) {
    std::vector<int64_t> b_shape = a_shape, c_shape = a_shape, y_shape = a_shape;
    b_shape[static_cast<size_t>(axis)] = 2;
    c_shape[static_cast<size_t>(axis)] = 0;  // empty piece
    y_shape[static_cast<size_t>(axis)] += 2;
    TestPlan p;
    const auto av = iota_values<float>(24, 0.f);
    const auto bv = iota_values<float>(static_cast<size_t>(numel(b_shape)), 100.f);
    const int a = p.tensor(DType::kFloat32, a_shape, av);
    const int b = p.tensor(DType::kFloat32, b_shape, bv);
    const int c = p.tensor(DType::kFloat32, c_shape);
    const int y = p.tensor(DType::kFloat32, y_shape);
    auto d = p.op("Concat", {a, c, b}, {y});
    d.attrs.numbers["axis"] = {static_cast<double>(axis)};
    CHECK_RUN_OK(p.run(d));
    const auto got = p.get<float>(y);
    for (int64_t i = 0; i < numel(y_shape); ++i) {
      auto idx = unravel(i, y_shape);
      float want;
      if (idx[static_cast<size_t>(axis)] < a_shape[static_cast<size_t>(axis)]) {
        want = av[static_cast<size_t>(ravel(idx, a_shape))];
      } else {
        idx[static_cast<size_t>(axis)] -= a_shape[static_cast<size_t>(axis)];
        want = bv[static_cast<size_t>(ravel(idx, b_shape))];
      }
      CHECK_EQ(got[static_cast<size_t>(i)], want);
    }
    // Split undoes the concat.
    const int a2 = p.tensor(DType::kFloat32, a_shape);
    const int c2 = p.tensor(DType::kFloat32, c_shape);
    const int b2 = p.tensor(DType::kFloat32, b_shape);
    auto s = p.op("Split", {y}, {a2, c2, b2});
    s.attrs.numbers["axis"] = {static_cast<double>(axis)};
    CHECK_RUN_OK(p.run(s));
    CHECK(p.get<float>(a2) == av);
    CHECK(p.get<float>(b2) == bv);
    // Sizes that do not add up are refused.
    auto wrong = p.op("Split", {y}, {a2, c2});
    wrong.attrs.numbers["axis"] = {static_cast<double>(axis)};
    CHECK_THROWS(p.build(wrong));
  }
  TestPlan p;
  const int a = p.tensor(DType::kFloat32, {2, 3});
  const int b = p.tensor(DType::kFloat32, {3, 3});
  const int y = p.tensor(DType::kFloat32, {5, 3});
  auto d = p.op("Concat", {a, b}, {y});
  d.attrs.numbers["axis"] = {-2};  // negative axes must be normalized by the compiler
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["axis"] = {1};  // mismatch off the axis
  CHECK_THROWS(p.build(d));
  d.attrs.numbers["axis"] = {0};
  CHECK_RUN_OK(p.run(d));
  // Large concat goes through the threaded path.
  TestPlan q;
  const auto big = iota_values<float>(64 * 56 * 56, 0.f);
  const int qa = q.tensor(DType::kFloat32, {1, 56 * 56, 64}, big);
  const int qb = q.tensor(DType::kFloat32, {1, 56 * 56, 64}, big);
  const int qy = q.tensor(DType::kFloat32, {1, 56 * 56, 128});
  auto qd = q.op("Concat", {qa, qb}, {qy});
  qd.attrs.numbers["axis"] = {2};
  CHECK_RUN_OK(q.run(qd, 2));
  const auto qg = q.get<float>(qy);
  for (size_t i = 0; i < qg.size(); i += 97) CHECK_EQ(qg[i], big[(i / 128) * 64 + (i % 128) % 64]);
}

namespace {

// Independent reference for Pad: numpy-style index arithmetic per output element (reflect folds until inside).
int64_t pad_source(int64_t i, int64_t dim, int64_t b, int64_t e, const std::string& mode) {
  const int64_t lo = std::max<int64_t>(0, -b), hi = dim - std::max<int64_t>(0, -e);
  int64_t v = i - b;
  if (v >= lo && v < hi) return v;
  if (mode == "constant") return -1;
  if (mode == "edge") return std::min(std::max(v, lo), hi - 1);
  while (v < lo || v >= hi) {
    if (hi - lo == 1) return lo;
    if (v < lo) v = 2 * lo - v;
    if (v >= hi) v = 2 * (hi - 1) - v;
  }
  return v;
}

template <typename T>
void check_pad(DType dtype, const std::vector<int64_t>& shape, const std::vector<int64_t>& pads,
               const std::string& mode, double value) {
  TestPlan p;
  const size_t r = shape.size();
  std::vector<int64_t> out(r);
  for (size_t d = 0; d < r; ++d) out[d] = shape[d] + pads[d] + pads[r + d];
  const auto xv = iota_values<T>(static_cast<size_t>(numel(shape)), T(1));
  const int x = p.tensor(dtype, shape, xv);
  const int y = p.tensor(dtype, out);
  auto d = p.op("Pad", {x}, {y});
  d.attrs.numbers["pads"] = std::vector<double>(pads.begin(), pads.end());
  d.attrs.strings["mode"] = mode;
  d.attrs.numbers["value"] = {value};
  CHECK_RUN_OK(p.run(d));
  const auto got = p.get<T>(y);
  int bad = 0;
  for (int64_t i = 0; i < numel(out); ++i) {
    auto idx = unravel(i, out);
    bool fill = false;
    for (size_t k = 0; k < r; ++k) {
      idx[k] = pad_source(idx[k], shape[k], pads[k], pads[r + k], mode);
      fill |= idx[k] < 0;
    }
    const T want = fill ? static_cast<T>(value) : xv[static_cast<size_t>(ravel(idx, shape))];
    if (got[static_cast<size_t>(i)] != want && bad++ < 3) {
      CHECK_EQ(got[static_cast<size_t>(i)], want);
    }
  }
}

}  // namespace

SPARQ_TEST(pad_constant_reflect_edge_and_negative_pads) {
  for (const std::string mode : {"constant", "reflect", "edge"}) {
    check_pad<float>(DType::kFloat32, {3, 4}, {1, 2, 2, 1}, mode, 0.5);
    check_pad<float>(DType::kFloat32, {1, 5, 5, 3}, {0, 2, 3, 0, 0, 3, 2, 0}, mode, -1);  // NHWC spatial pad
    check_pad<int64_t>(DType::kInt64, {2, 3, 4}, {1, 0, 2, 1, 2, 0}, mode, 7);
    check_pad<float>(DType::kFloat32, {4, 6}, {-1, 2, 1, -3}, mode, 9);   // crop one side, pad the other
    check_pad<float>(DType::kFloat32, {4, 6}, {-1, -2, -1, -1}, mode, 0);  // crop only
    check_pad<float>(DType::kFloat32, {3}, {5, 6}, mode, 2);               // reflect repeats past the edge
  }
  check_pad<float>(DType::kFloat32, {2, 1}, {0, 2, 0, 2}, "reflect", 0);  // length-1 axis reflects to itself
  // Hand-checked reflect and edge rows.
  TestPlan p;
  const int x = p.tensor(DType::kFloat32, {4}, std::vector<float>{1, 2, 3, 4});
  const int y = p.tensor(DType::kFloat32, {8});
  auto d = p.op("Pad", {x}, {y});
  d.attrs.numbers["pads"] = {2, 2};
  d.attrs.strings["mode"] = "reflect";
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<float>(y) == (std::vector<float>{3, 2, 1, 2, 3, 4, 3, 2}));
  d.attrs.strings["mode"] = "edge";
  CHECK_RUN_OK(p.run(d));
  CHECK(p.get<float>(y) == (std::vector<float>{1, 1, 1, 2, 3, 4, 4, 4}));
  d.attrs.strings["mode"] = "wrap";
  CHECK_THROWS(p.build(d));
  d.attrs.strings["mode"] = "constant";
  d.attrs.numbers["pads"] = {2, 1};  // output should be 7 long
  CHECK_THROWS(p.build(d));
  const int xi = p.tensor(DType::kInt32, {4});
  const int yi = p.tensor(DType::kInt32, {8});
  auto di = p.op("Pad", {xi}, {yi});
  di.attrs.numbers["pads"] = {2, 2};
  CHECK_THROWS(p.build(di));  // f32/i64 only
}

SPARQ_TEST(gather_wraps_negative_indices_and_fails_out_of_range) {
  TestPlan p;
  const auto dv = iota_values<float>(2 * 5 * 3, 0.f);
  const int data = p.tensor(DType::kFloat32, {2, 5, 3}, dv);
  const int idx = p.tensor(DType::kInt64, {2, 2}, std::vector<int64_t>{4, -5, 0, -1});
  const int y = p.tensor(DType::kFloat32, {2, 2, 2, 3});
  auto d = p.op("Gather", {data, idx}, {y});
  d.attrs.numbers["axis"] = {1};
  CHECK_RUN_OK(p.run(d));
  const auto got = p.get<float>(y);
  const int64_t wrapped[4] = {4, 0, 0, 4};
  for (int64_t o = 0; o < 2; ++o)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t c = 0; c < 3; ++c)
        CHECK_EQ(got[static_cast<size_t>((o * 4 + j) * 3 + c)], dv[static_cast<size_t>((o * 5 + wrapped[j]) * 3 + c)]);

  // Scalar index on axis 0 with i32 indices drops the axis.
  const int i32 = p.tensor(DType::kInt32, {}, std::vector<int32_t>{-1});
  const int y0 = p.tensor(DType::kFloat32, {5, 3});
  auto d0 = p.op("Gather", {data, i32}, {y0});
  d0.attrs.numbers["axis"] = {0};
  CHECK_RUN_OK(p.run(d0));
  CHECK(p.get<float>(y0) == std::vector<float>(dv.begin() + 15, dv.end()));

  // Out of range: the run fails with a message naming the index, range and node.
  p.set(idx, std::vector<int64_t>{4, 7, 0, 1});
  const std::string err = p.run(d);
  CHECK_STR_EQ(err, "Gather index 7 out of range [-5, 5) in node 'node_Gather'");
  p.set(idx, std::vector<int64_t>{-6, 0, 0, 1});
  CHECK(p.run(d).find("index -6") != std::string::npos);

  const int yb = p.tensor(DType::kFloat32, {2, 4, 3});
  auto bad = p.op("Gather", {data, idx}, {yb});
  bad.attrs.numbers["axis"] = {1};
  CHECK_THROWS(p.build(bad));
  const int fidx = p.tensor(DType::kFloat32, {2, 2});
  CHECK_THROWS(p.build(p.op("Gather", {data, fidx}, {y})));
}

// QGemm built through the registry against the reference int8 GEMM plus reference epilogue: ranks 1-3, M and N
// from 1 to 300 around the tiles, ragged K, residual, every activation, u8 and f32 outputs, threads, extreme data.
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "reference/qs8-gemm-reference.h"
#include "runtime/dispatch-qs8.h"
#include "test/ops-test-plan.h"
#include "test/qs8-op-fixture.h"
#include "test/test-harness.h"

using namespace sparq;
using namespace sparq_test;

namespace {

struct QGemmCase {
  std::vector<int64_t> lead;  // leading dims of A (their product is M)
  size_t k, n;
  Qs8Activation act = Qs8Activation::kNone;
  bool bias = true, residual = false, f32_out = false, per_channel = true;
  int threads = 1;
  int extreme = 0;  // 1: all a 255 / w -128
  int a_zero_point = -1;
};

std::string describe(const QGemmCase& c) {
  std::ostringstream os;
  os << "A[";
  for (int64_t d : c.lead) os << d << ",";
  os << c.k << "] x [" << c.k << "," << c.n << "] " << activation_name(c.act) << (c.bias ? " bias" : "")
     << (c.residual ? " residual" : "") << (c.f32_out ? " f32" : " u8") << " t" << c.threads;
  return os.str();
}

void run_case(const QGemmCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  size_t m = 1;
  for (int64_t d : c.lead) m *= static_cast<size_t>(d);
  std::vector<uint8_t> a = random_values<uint8_t>(rng, m * c.k, 0, 255);
  std::vector<int8_t> w = random_values<int8_t>(rng, c.k * c.n, -128, 127);
  std::vector<int32_t> b = random_values<int32_t>(rng, c.n, -50000, 50000);
  std::vector<uint8_t> r = random_values<uint8_t>(rng, c.residual ? m * c.n : 0, 0, 255);
  if (c.extreme) {
    std::fill(a.begin(), a.end(), 255);
    std::fill(w.begin(), w.end(), -128);
  }
  const int32_t zp = c.a_zero_point >= 0 ? c.a_zero_point : std::uniform_int_distribution<int>(0, 255)(rng);
  const Qs8QuantizedOutput q = random_quantization(rng, c.n, c.k, c.f32_out ? Qs8Output::kFloat : Qs8Output::kUint8,
                                                   c.act, c.residual, c.per_channel);
  TestPlan plan;
  std::vector<int64_t> a_shape = c.lead, y_shape = c.lead;
  a_shape.push_back(static_cast<int64_t>(c.k));
  y_shape.push_back(static_cast<int64_t>(c.n));
  const int ia = plan.tensor(DType::kUInt8, a_shape, a);
  const int iw = plan.constant(DType::kInt8, {static_cast<int64_t>(c.k), static_cast<int64_t>(c.n)}, w);
  const int ib = c.bias ? plan.constant(DType::kInt32, {static_cast<int64_t>(c.n)}, b) : -1;
  const int ir = c.residual ? plan.tensor(DType::kUInt8, y_shape, r) : -1;
  const int iy = plan.tensor(c.f32_out ? DType::kFloat32 : DType::kUInt8, y_shape);
  OpDesc d = plan.op("QGemm", {ia, iw, ib, ir}, {iy});
  set_quantization_attrs(d.attrs, "a", q, zp);
  try {
    CHECK_RUN_OK(plan.run(d, c.threads));
  } catch (const std::exception& e) {
    report_failure(__FILE__, __LINE__, describe(c) + ": " + e.what());
    return;
  }
  std::vector<int32_t> acc(m * c.n);
  qs8_gemm_reference(m, c.n, c.k, a.data(), c.k, zp, w.data(), c.n, 1, c.bias ? b.data() : nullptr, acc.data(), c.n);
  const std::vector<uint8_t> want = reference_outputs(acc, c.n, r, q);
  std::vector<uint8_t> got(want.size());
  if (c.f32_out) {
    const std::vector<float> v = plan.get<float>(iy);
    if (!v.empty()) std::memcpy(got.data(), v.data(), got.size());
  } else {
    got = plan.get<uint8_t>(iy);
  }
  CHECK_EQ(count_mismatches(got, want, c.f32_out ? 4 : 1, describe(c)), size_t(0));
}

}  // namespace

SPARQ_TEST(qgemm_op_tile_edges_and_ranks) {
  const Qs8GemmKernel& kernel = select_qs8_gemm_kernel(features_for_level(default_level()));
  const size_t mr = kernel.mr, nr = kernel.pack.nr;
  uint32_t seed = 1;
  for (size_t m : {size_t(1), mr - 1, mr, mr + 1, 2 * mr + 1})
    for (size_t n : {size_t(1), nr - 1, nr, nr + 1, 3 * nr + 5})
      for (size_t k : {1, 3, 17, 67}) {
        QGemmCase c{{static_cast<int64_t>(m)}, k, n};
        run_case(c, seed++);
      }
  run_case(QGemmCase{{}, 37, 21}, seed++);             // rank-1 A: one row
  run_case(QGemmCase{{2, 3, 5}, 19, 40}, seed++);       // batch dims fold into M
  QGemmCase fc{{1}, 2048, 1000};                         // the ResNet classifier
  fc.threads = 2;
  run_case(fc, seed++);
}

SPARQ_TEST(qgemm_op_random_shapes) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> dim(1, 300), act(0, 4), coin(0, 1), threads(1, 3);
  for (uint32_t trial = 0; trial < 40; ++trial) {
    QGemmCase c{{static_cast<int64_t>(dim(rng))}, dim(rng), dim(rng)};
    if (c.k % 4 == 0) ++c.k;
    c.act = static_cast<Qs8Activation>(act(rng));
    c.bias = coin(rng);
    c.residual = coin(rng);
    c.f32_out = coin(rng);
    c.per_channel = coin(rng);
    c.threads = static_cast<int>(threads(rng));
    run_case(c, 100 + trial);
  }
}

SPARQ_TEST(qgemm_op_extreme_data) {
  uint32_t seed = 200;
  for (int zp : {0, 255})
    for (size_t k : {7, 255, 1027, 4099})
      for (bool f32_out : {false, true}) {
        QGemmCase c{{13}, k, 37};
        c.extreme = 1;
        c.a_zero_point = zp;
        c.f32_out = f32_out;
        run_case(c, seed++);
      }
}

SPARQ_TEST(qgemm_op_rejects_bad_descriptors) {
  auto build = [](const std::function<void(TestPlan&, OpDesc&)>& mutate) {
    TestPlan plan;
    const int ia = plan.tensor(DType::kUInt8, {4, 8});
    const int iw = plan.constant(DType::kInt8, {8, 5}, std::vector<int8_t>(40, 1));
    const int iy = plan.tensor(DType::kUInt8, {4, 5});
    OpDesc d = plan.op("QGemm", {ia, iw}, {iy});
    d.attrs.numbers["a_scale"] = {0.02};
    d.attrs.numbers["a_zero_point"] = {0};
    d.attrs.numbers["w_scales"] = {0.01, 0.01, 0.01, 0.01, 0.01};
    d.attrs.numbers["y_scale"] = {0.1};
    d.attrs.numbers["y_zero_point"] = {255};
    mutate(plan, d);
    plan.build(d);
  };
  const std::string node = "node_QGemm";
  auto rejects = [&](const std::function<void(TestPlan&, OpDesc&)>& mutate) {
    return throws_plan_error([&] { build(mutate); }, node);
  };
  CHECK(!rejects([](TestPlan&, OpDesc&) {}));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs[0] = p.tensor(DType::kInt8, {4, 8}); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs[1] = p.constant(DType::kInt8, {7, 5}, std::vector<int8_t>(35, 1)); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs[1] = p.tensor(DType::kInt8, {8, 5}); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs[1] = p.constant(DType::kInt8, {8, 5, 1}, std::vector<int8_t>(40, 1)); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs.push_back(p.constant(DType::kInt32, {4}, std::vector<int32_t>(4, 0))); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.outputs[0] = p.tensor(DType::kUInt8, {4, 6}); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.outputs[0] = p.tensor(DType::kInt8, {4, 5}); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) {
    d.inputs[0] = p.tensor(DType::kUInt8, {4, 0});
    d.inputs[1] = p.constant(DType::kInt8, {0, 5}, std::vector<int8_t>());
  }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["w_scales"] = {0.01, 0.01}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["a_scale"] = {-0.5}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["a_zero_point"] = {300}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.strings["activation"] = "gelu"; }));
  // M = 0 rows is a valid empty product
  CHECK(!rejects([](TestPlan& p, OpDesc& d) {
    d.inputs[0] = p.tensor(DType::kUInt8, {0, 8});
    d.outputs[0] = p.tensor(DType::kUInt8, {0, 5});
  }));
}

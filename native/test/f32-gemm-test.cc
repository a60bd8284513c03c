// fp32 GEMM: every microkernel the ISA level allows, through the blocked driver, against the plain reference
// over shapes around the tile edges; then the Gemm and MatMul ops built through the registry.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/f32-gemm-driver.h"
#include "ops/f32-op-validation.h"
#include "reference/f32-gemm.h"
#include "runtime/dispatch-f32.h"
#include "test/f32-plan-fixture.h"
#include "test/test-harness.h"

using sparq_test::random_floats;

namespace {

sparq::ActivationParams act_of(sparq::Activation kind, float alpha = 0.f, float beta = 0.f) {
  sparq::ActivationParams p;
  p.kind = kind;
  p.alpha = alpha;
  p.beta = beta;
  return p;
}

// Tolerance from the magnitude of the terms: float accumulation of k products.
void check_close(const std::vector<float>& got, const std::vector<float>& want, float tol, const std::string& what) {
  if (got.size() != want.size()) {
    CHECK_EQ(got.size(), want.size());
    return;
  }
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const float t = tol * (1.f + std::fabs(want[i]));
    if (!(std::fabs(got[i] - want[i]) <= t)) {
      if (bad++ < 3) {
        std::ostringstream os;
        os << what << " [" << i << "] got " << got[i] << " want " << want[i];
        ::sparq_test::report_failure(__FILE__, __LINE__, os.str());
      }
    }
  }
}

// C = act(A B + bias + R) through pack + f32_gemm_compute with one kernel, split like a 2-thread task grid.
std::vector<float> driver_gemm(const sparq::F32GemmKernelInfo& kernel, size_t m, size_t n, size_t k,
                               const std::vector<float>& a, const std::vector<float>& b, const float* bias,
                               const float* residual, const sparq::ActivationParams& act, bool split) {
  sparq::AlignedFloats packed(sparq::f32_gemm_packed_size(k, n, kernel.nr) + 1);
  sparq::f32_gemm_pack_b(b.data(), k, n, n, 1, kernel.nr, 1.f, packed.data());
  sparq::AlignedFloats padded_bias(sparq::f32_gemm_packed_size(1, n, kernel.nr) + 1);
  for (size_t j = 0; j < sparq::f32_gemm_packed_size(1, n, kernel.nr); ++j)
    padded_bias.data()[j] = bias && j < n ? bias[j] : 0.f;
  std::vector<float> c(m * n, -555.f);
  sparq::F32GemmOutput out;
  out.c = c.data();
  out.c_stride = n;
  out.bias = bias ? padded_bias.data() : nullptr;
  out.residual = residual;
  out.residual_stride = n;
  out.activation = &act;
  sparq::F32DirectRows rows(a.data(), k);
  if (!split) {
    sparq::f32_gemm_compute(kernel, packed.data(), k, n, rows, 0, m, 0, n, out);
  } else {
    sparq::ThreadPool pool(2);
    sparq::f32_gemm_parallel(&pool, 1, m, n, k, kernel.mr, kernel.nr, [&](size_t, size_t m0, size_t m1, size_t n0, size_t n1) {
      sparq::F32DirectRows r(a.data(), k);
      sparq::f32_gemm_compute(kernel, packed.data(), k, n, r, m0, m1, n0, n1, out);
    });
  }
  return c;
}

std::vector<float> reference_gemm(size_t m, size_t n, size_t k, const std::vector<float>& a, const std::vector<float>& b,
                                  const float* bias, const float* residual, const sparq::ActivationParams& act) {
  std::vector<float> c(m * n);
  sparq::f32_gemm_reference(m, n, k, a.data(), k, b.data(), n, bias, residual, n, c.data(), n, act);
  return c;
}

const std::vector<const sparq::F32GemmKernelInfo*> kernels() {
  return sparq::f32_gemm_kernels_for(sparq::features_for_level(sparq::default_level()));
}

}  // namespace

SPARQ_TEST(f32_gemm_dispatch_matches_level) {
  const auto f = sparq::features_for_level(sparq::default_level());
  const std::string name = sparq::f32_gemm_kernel_for(f).name;
  if (f.avx512f) {
    CHECK(name == "f32-gemm-14x32-avx512");
    CHECK(std::string(sparq::f32_gemm_kernel_for(f, 16).name) == "f32-gemm-14x16-avx512");
    CHECK(std::string(sparq::f32_gemm_kernel_for(f, 24).name) == "f32-gemm-14x32-avx512");
    CHECK(std::string(sparq::f32_gemm_kernel_for(f, 48).name) == "f32-gemm-14x16-avx512");
    CHECK(std::string(sparq::f32_gemm_kernel_for(f, 64).name) == "f32-gemm-14x32-avx512");
  }
  else if (f.avx2) CHECK(name == "f32-gemm-6x16-avx2");
  else CHECK(name.find("scalar") != std::string::npos || name.find("neon") != std::string::npos);
}

SPARQ_TEST(f32_gemm_tile_edges_match_reference) {
  const size_t ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16, 27, 28, 29, 33, 70};
  const size_t ns[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 64, 65};
  const size_t ks[] = {1, 2, 3, 7, 16, 17, 64, 129};
  for (const auto* kernel : kernels()) {
    for (size_t m : ms)
      for (size_t n : ns)
        for (size_t k : ks) {
          const auto a = random_floats(m * k, static_cast<uint32_t>(m * 131 + k));
          const auto b = random_floats(k * n, static_cast<uint32_t>(n * 71 + k));
          const auto none = act_of(sparq::Activation::kNone);
          check_close(driver_gemm(*kernel, m, n, k, a, b, nullptr, nullptr, none, false),
                      reference_gemm(m, n, k, a, b, nullptr, nullptr, none), 1e-5f,
                      std::string(kernel->name) + " m" + std::to_string(m) + " n" + std::to_string(n) + " k" +
                          std::to_string(k));
        }
  }
}

SPARQ_TEST(f32_gemm_epilogue_bias_residual_activation) {
  struct Case {
    sparq::ActivationParams act;
    const char* name;
  } acts[] = {{act_of(sparq::Activation::kNone), "none"},
              {act_of(sparq::Activation::kRelu), "relu"},
              {act_of(sparq::Activation::kClip, -0.5f, 0.75f), "clip"},
              {act_of(sparq::Activation::kLeakyRelu, 0.1f), "leaky"},
              {act_of(sparq::Activation::kHardSwish), "hardswish"},
              {act_of(sparq::Activation::kSigmoid), "sigmoid"},
              {act_of(sparq::Activation::kGelu), "gelu"}};
  const size_t shapes[][3] = {{1, 1, 1}, {15, 33, 9}, {29, 47, 64}, {14, 32, 5}, {43, 70, 37}};
  for (const auto* kernel : kernels())
    for (const auto& sh : shapes)
      for (const auto& ac : acts)
        for (int variant = 0; variant < 4; ++variant) {
          const size_t m = sh[0], n = sh[1], k = sh[2];
          const auto a = random_floats(m * k, 3);
          const auto b = random_floats(k * n, 4);
          const auto bias = random_floats(n, 5);
          const auto res = random_floats(m * n, 6);
          const float* bp = (variant & 1) ? bias.data() : nullptr;
          const float* rp = (variant & 2) ? res.data() : nullptr;
          check_close(driver_gemm(*kernel, m, n, k, a, b, bp, rp, ac.act, variant == 3),
                      reference_gemm(m, n, k, a, b, bp, rp, ac.act), 1e-5f,
                      std::string(kernel->name) + " " + ac.name + " variant " + std::to_string(variant));
        }
}

SPARQ_TEST(f32_gemm_large_k_blocks_and_threads) {
  // K > the driver's K block (512), M over many tiles, wide N; 1 and 2 threads.
  const size_t shapes[][3] = {{100, 90, 1100}, {97, 40, 2304}, {31, 520, 700}};
  for (const auto* kernel : kernels())
    for (const auto& sh : shapes) {
      const size_t m = sh[0], n = sh[1], k = sh[2];
      const auto a = random_floats(m * k, 7);
      const auto b = random_floats(k * n, 8);
      const auto bias = random_floats(n, 9);
      const auto res = random_floats(m * n, 10);
      const auto relu = act_of(sparq::Activation::kRelu);
      const auto want = reference_gemm(m, n, k, a, b, bias.data(), res.data(), relu);
      check_close(driver_gemm(*kernel, m, n, k, a, b, bias.data(), res.data(), relu, false), want, 5e-5f, kernel->name);
      check_close(driver_gemm(*kernel, m, n, k, a, b, bias.data(), res.data(), relu, true), want, 5e-5f, kernel->name);
    }
}

SPARQ_TEST(f32_gemm_residual_may_alias_output) {
  // In-place residual (the memory planner may put Y on R): R is read before any K block writes C.
  for (const auto* kernel : kernels()) {
    const size_t m = 37, n = 45, k = 1030;
    const auto a = random_floats(m * k, 11);
    const auto b = random_floats(k * n, 12);
    const auto res = random_floats(m * n, 13);
    const auto none = act_of(sparq::Activation::kNone);
    const auto want = reference_gemm(m, n, k, a, b, nullptr, res.data(), none);
    sparq::AlignedFloats packed(sparq::f32_gemm_packed_size(k, n, kernel->nr));
    sparq::f32_gemm_pack_b(b.data(), k, n, n, 1, kernel->nr, 1.f, packed.data());
    std::vector<float> c = res;
    sparq::F32GemmOutput out;
    out.c = c.data();
    out.c_stride = n;
    out.residual = c.data();
    out.residual_stride = n;
    sparq::F32DirectRows rows(a.data(), k);
    sparq::f32_gemm_compute(*kernel, packed.data(), k, n, rows, 0, m, 0, n, out);
    check_close(c, want, 5e-5f, kernel->name);
  }
}

namespace {

sparq::OpAttrs attrs_of(std::initializer_list<std::pair<const char*, double>> numbers,
                        std::initializer_list<std::pair<const char*, const char*>> strings = {}) {
  sparq::OpAttrs at;
  for (const auto& kv : numbers) at.numbers[kv.first] = {kv.second};
  for (const auto& kv : strings) at.strings[kv.first] = kv.second;
  return at;
}

// Reference Gemm: Y = act(alpha * op(A) op(B) + beta * C + R).
std::vector<float> reference_gemm_op(size_t m, size_t n, size_t k, const std::vector<float>& a, bool ta,
                                     const std::vector<float>& b, bool tb, float alpha, float beta,
                                     const std::vector<float>* c, size_t c_rows, size_t c_cols,
                                     const std::vector<float>* r, const sparq::ActivationParams& act) {
  std::vector<float> y(m * n);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double acc = 0;
      for (size_t kk = 0; kk < k; ++kk)
        acc += static_cast<double>(ta ? a[kk * m + i] : a[i * k + kk]) * (tb ? b[j * k + kk] : b[kk * n + j]);
      acc *= alpha;
      if (c) acc += beta * (*c)[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
      if (r) acc += (*r)[i * n + j];
      y[i * n + j] = sparq::activate(static_cast<float>(acc), act);
    }
  return y;
}

}  // namespace

SPARQ_TEST(f32_gemm_op_transposes_alpha_beta_broadcast_c) {
  const size_t m = 19, n = 37, k = 23;
  struct CShape {
    std::vector<int64_t> shape;
    size_t rows, cols;
  } cshapes[] = {{{}, 1, 1}, {{n}, 1, n}, {{1, n}, 1, n}, {{m, 1}, m, 1}, {{m, n}, m, n}};
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (const auto& cs : cshapes)
        for (int b_const = 0; b_const < 2; ++b_const)
          for (int with_r = 0; with_r < 2; ++with_r) {
            sparq_test::F32PlanFixture f;
            const auto a = random_floats(m * k, 21), b = random_floats(k * n, 22);
            const auto c = random_floats(cs.rows * cs.cols, 23), r = random_floats(m * n, 24);
            const int32_t ia = f.input(ta ? std::vector<int64_t>{k, m} : std::vector<int64_t>{m, k}, a);
            const std::vector<int64_t> bshape = tb ? std::vector<int64_t>{n, k} : std::vector<int64_t>{k, n};
            const int32_t ib = b_const ? f.constant(bshape, b) : f.input(bshape, b);
            const int32_t ic = f.constant(cs.shape, c);
            const int32_t ir = with_r ? f.input({m, n}, r) : -1;
            const int32_t iy = f.output({m, n});
            auto at = attrs_of({{"transA", ta}, {"transB", tb}, {"alpha", 0.75}, {"beta", -1.5}, {"alpha_act", -0.4}, {"beta_act", 0.9}},
                               {{"activation", "clip"}});
            auto op = f.build("Gemm", {ia, ib, ic, ir}, iy, at);
            const auto want = reference_gemm_op(m, n, k, a, ta, b, tb, 0.75f, -1.5f, &c, cs.rows, cs.cols,
                                                with_r ? &r : nullptr, act_of(sparq::Activation::kClip, -0.4f, 0.9f));
            for (int threads : {1, 2}) check_close(f.run(*op, iy, threads), want, 1e-5f, "Gemm " + op->kernel_name());
          }
}

SPARQ_TEST(f32_gemm_op_runtime_c_and_no_c) {
  const size_t m = 30, n = 17, k = 40;
  sparq_test::F32PlanFixture f;
  const auto a = random_floats(m * k, 31), b = random_floats(n * k, 32), c = random_floats(n, 33);
  const int32_t ia = f.input({m, k}, a), ib = f.constant({n, k}, b), ic = f.input({n}, c), iy = f.output({m, n});
  auto op = f.build("Gemm", {ia, ib, ic}, iy, attrs_of({{"transB", 1}}));
  check_close(f.run(*op, iy, 2), reference_gemm_op(m, n, k, a, false, b, true, 1.f, 1.f, &c, 1, n, nullptr, act_of(sparq::Activation::kNone)), 1e-5f, "Gemm runtime C");
  auto op2 = f.build("Gemm", {ia, ib}, iy, attrs_of({{"transB", 1}}, {{"activation", "relu"}}));
  check_close(f.run(*op2, iy, 1), reference_gemm_op(m, n, k, a, false, b, true, 1.f, 1.f, nullptr, 1, 1, nullptr, act_of(sparq::Activation::kRelu)), 1e-5f, "Gemm no C");
}

SPARQ_TEST(f32_gemm_op_rejects_bad_shapes) {
  sparq_test::F32PlanFixture f;
  const int32_t ia = f.input({4, 5}, random_floats(20, 1)), ib = f.constant({6, 3}, random_floats(18, 2));
  const int32_t iy = f.output({4, 3});
  CHECK_THROWS(f.build("Gemm", {ia, ib}, iy, {}));
  const int32_t ib2 = f.constant({5, 3}, random_floats(15, 2));
  const int32_t iy2 = f.output({4, 4});
  CHECK_THROWS(f.build("Gemm", {ia, ib2}, iy2, {}));
  const int32_t ic = f.constant({3, 3}, random_floats(9, 2));
  CHECK_THROWS(f.build("Gemm", {ia, ib2, ic}, iy, {}));
  bool named = false;
  try {
    f.build("Gemm", {ia, ib}, iy, {});
  } catch (const sparq::PlanError& e) {
    named = std::string(e.what()).find("Gemm") != std::string::npos && std::string(e.what()).find("node_Gemm") != std::string::npos;
  }
  CHECK(named);
}

namespace {

// numpy matmul reference on explicit shapes.
std::vector<float> reference_matmul(const std::vector<int64_t>& as, const std::vector<float>& a,
                                    const std::vector<int64_t>& bs, const std::vector<float>& b,
                                    const std::vector<int64_t>& ys, const float* bias, const std::vector<float>* r,
                                    const sparq::ActivationParams& act) {
  std::vector<int64_t> a2 = as, b2 = bs;
  if (a2.size() == 1) a2.insert(a2.begin(), 1);
  if (b2.size() == 1) b2.push_back(1);
  const size_t m = static_cast<size_t>(a2[a2.size() - 2]), k = static_cast<size_t>(a2.back()), n = static_cast<size_t>(b2.back());
  std::vector<int64_t> ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  const size_t rank = std::max(ab.size(), bb.size());
  while (ab.size() < rank) ab.insert(ab.begin(), 1);
  while (bb.size() < rank) bb.insert(bb.begin(), 1);
  size_t batches = 1;
  for (size_t i = 0; i < rank; ++i) batches *= static_cast<size_t>(std::max(ab[i], bb[i]));
  std::vector<float> y;
  for (size_t bi = 0; bi < batches; ++bi) {
    size_t rem = bi, ao = 0, bo = 0, as_ = 1, bs_ = 1;
    for (size_t d = rank; d-- > 0;) {
      const size_t od = static_cast<size_t>(std::max(ab[d], bb[d]));
      const size_t idx = rem % od;
      rem /= od;
      ao += (ab[d] == 1 ? 0 : idx) * as_;
      bo += (bb[d] == 1 ? 0 : idx) * bs_;
      as_ *= static_cast<size_t>(ab[d]);
      bs_ *= static_cast<size_t>(bb[d]);
    }
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j) {
        double acc = bias ? bias[j] : 0.0;
        for (size_t kk = 0; kk < k; ++kk) acc += static_cast<double>(a[ao * m * k + i * k + kk]) * b[bo * k * n + kk * n + j];
        if (r) acc += (*r)[y.size()];
        y.push_back(sparq::activate(static_cast<float>(acc), act));
      }
  }
  size_t total = 1;
  for (int64_t d : ys) total *= static_cast<size_t>(d);
  CHECK_EQ(total, y.size());
  return y;
}

}  // namespace

SPARQ_TEST(f32_matmul_numpy_shapes) {
  struct Case {
    std::vector<int64_t> a, b, y;
  } cases[] = {
      {{5, 7}, {7, 9}, {5, 9}},
      {{7}, {7, 9}, {9}},
      {{5, 7}, {7}, {5}},
      {{7}, {7}, {}},
      {{3, 5, 7}, {7, 33}, {3, 5, 33}},
      {{2, 1, 4, 6}, {3, 6, 17}, {2, 3, 4, 17}},
      {{4, 6}, {2, 6, 5}, {2, 4, 5}},
      {{2, 3, 15, 20}, {2, 3, 20, 31}, {2, 3, 15, 31}},
      {{6}, {4, 6, 3}, {4, 3}},
      {{1, 40, 70}, {70, 20}, {1, 40, 20}},
  };
  for (const auto& cs : cases)
    for (int b_const = 0; b_const < 2; ++b_const) {
      size_t an = 1, bn = 1, yn = 1;
      for (auto d : cs.a) an *= static_cast<size_t>(d);
      for (auto d : cs.b) bn *= static_cast<size_t>(d);
      for (auto d : cs.y) yn *= static_cast<size_t>(d);
      sparq_test::F32PlanFixture f;
      const auto a = random_floats(an, 41), b = random_floats(bn, 42);
      const int32_t ia = f.input(cs.a, a), ib = b_const ? f.constant(cs.b, b) : f.input(cs.b, b), iy = f.output(cs.y);
      auto op = f.build("MatMul", {ia, ib}, iy, {});
      const auto want = reference_matmul(cs.a, a, cs.b, b, cs.y, nullptr, nullptr, act_of(sparq::Activation::kNone));
      for (int threads : {1, 2}) check_close(f.run(*op, iy, threads), want, 1e-5f, "MatMul " + sparq::shape_string(cs.a) + " x " + sparq::shape_string(cs.b));
    }
}

SPARQ_TEST(f32_matmul_bias_residual_activation) {
  const std::vector<int64_t> as = {2, 29, 50}, bs = {50, 45}, ys = {2, 29, 45};
  sparq_test::F32PlanFixture f;
  const auto a = random_floats(2 * 29 * 50, 51), b = random_floats(50 * 45, 52), bias = random_floats(45, 53);
  const auto r = random_floats(2 * 29 * 45, 54);
  const int32_t ia = f.input(as, a), ib = f.constant(bs, b), ibias = f.constant({45}, bias), ir = f.input(ys, r);
  const int32_t iy = f.output(ys);
  sparq::OpAttrs at;
  at.strings["activation"] = "hard_swish";
  auto op = f.build("MatMul", {ia, ib, ibias, ir}, iy, at);
  const auto want = reference_matmul(as, a, bs, b, ys, bias.data(), &r, act_of(sparq::Activation::kHardSwish));
  for (int threads : {1, 2}) check_close(f.run(*op, iy, threads), want, 1e-5f, "MatMul epilogue");
  // Broadcast batches (no folding) with a residual.
  const std::vector<int64_t> as2 = {3, 1, 9, 20}, bs2 = {2, 20, 18}, ys2 = {3, 2, 9, 18};
  const auto a2 = random_floats(3 * 9 * 20, 55), b2 = random_floats(2 * 20 * 18, 56), r2 = random_floats(3 * 2 * 9 * 18, 57);
  const int32_t ja = f.input(as2, a2), jb = f.input(bs2, b2), jr = f.input(ys2, r2), jy = f.output(ys2);
  at.strings["activation"] = "relu";
  auto op2 = f.build("MatMul", {ja, jb, -1, jr}, jy, at);
  const auto want2 = reference_matmul(as2, a2, bs2, b2, ys2, nullptr, &r2, act_of(sparq::Activation::kRelu));
  for (int threads : {1, 2}) check_close(f.run(*op2, jy, threads), want2, 1e-5f, "MatMul broadcast residual");
}

SPARQ_TEST(f32_matmul_empty_output_with_huge_batch_returns) {
  // An empty output is nothing to compute however many matrices its batch dims count: the fuzzer found a MatMul whose
  // 2^62 empty B matrices were packed one by one. Before the fix this test ran for hours.
  const int64_t huge = int64_t{1} << 40;
  for (int b_const = 0; b_const < 2; ++b_const) {
    sparq_test::F32PlanFixture f;
    const int32_t ia = f.input({1, 3, 0}, {});
    const int32_t ib = b_const ? f.constant({huge, 0, 0}, {}) : f.input({huge, 0, 0}, {});
    const int32_t iy = f.output({huge, 3, 0});
    auto op = f.build("MatMul", {ia, ib}, iy, {});
    CHECK(f.run(*op, iy, 1).empty());
  }
}

SPARQ_TEST(f32_matmul_rejects_bad_shapes) {
  sparq_test::F32PlanFixture f;
  const int32_t ia = f.input({2, 4, 5}, random_floats(40, 1)), ib = f.constant({3, 5, 6}, random_floats(90, 2));
  CHECK_THROWS(f.build("MatMul", {ia, ib}, f.output({2, 4, 6}), {}));  // batch 2 vs 3
  const int32_t ib2 = f.constant({4, 6}, random_floats(24, 2));
  CHECK_THROWS(f.build("MatMul", {ia, ib2}, f.output({2, 4, 6}), {}));  // K 5 vs 4
  const int32_t ib3 = f.constant({5, 6}, random_floats(30, 2));
  CHECK_THROWS(f.build("MatMul", {ia, ib3}, f.output({2, 4, 7}), {}));  // wrong Y
  CHECK_THROWS(f.build("MatMul", {ia, ib3, f.input({6}, random_floats(6, 3))}, f.output({2, 4, 6}), {}));  // runtime bias
}

// 2:4 format (validation, compression round trip) and fp32 sparse GEMM against the dense reference on the
// zero-filled weights, for every kernel the ISA level allows, shapes around tile edges.
#include <random>
#include <string>
#include <vector>

#include "reference/sparse24-reference.h"
#include "runtime/dispatch-sparse24.h"
#include "runtime/plan-desc.h"
#include "test/test-harness.h"

namespace {

using namespace sparq;

// Dense N x K weights with a random 2:4 pattern (0, 1 or 2 non-zeros per group).
std::vector<float> random_24_weights(size_t n, size_t k, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> w(n * k, 0.f);
  for (size_t r = 0; r < n; ++r) {
    for (size_t g = 0; g < k; g += 4) {
      const size_t valid = std::min<size_t>(4, k - g);
      const size_t keep = rng() % 3;
      for (size_t i = 0; i < keep; ++i) w[r * k + g + rng() % valid] = dist(rng);
    }
  }
  return w;
}

void check_gemm(const F32Sparse24Kernel& kernel, size_t m, size_t n, size_t k, const ActivationParams& act,
                bool with_bias, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  const size_t ldx = k + 3, ldy = n + 5;
  std::vector<float> x(m * ldx), bias(n);
  for (auto& v : x) v = dist(rng);
  for (auto& v : bias) v = dist(rng);
  const auto w = random_24_weights(n, k, rng);
  const float* b = with_bias ? bias.data() : nullptr;
  std::vector<float> ref(m * ldy, 0.f), got(m * ldy, 0.f);
  gemm_nt_f32_reference(m, n, k, x.data(), ldx, w.data(), b, act, ref.data(), ldy);
  const auto packed = f32_sparse24_pack(sparse24_compress(w.data(), n, k, "test weights"), b, kernel.nr);
  std::vector<float> ws(f32_sparse24_workspace_floats(packed, kernel.block_rows));
  const size_t split = m / 3;
  kernel.gemm(m, x.data(), ldx, packed, act, got.data(), ldy, ws.data(), 0, split);
  kernel.gemm(m, x.data(), ldx, packed, act, got.data(), ldy, ws.data(), split, m);
  int bad = 0;
  for (size_t i = 0; i < m && bad < 5; ++i) {
    for (size_t j = 0; j < n && bad < 5; ++j) {
      const double r = ref[i * ldy + j], g = got[i * ldy + j];
      // 1e-5 relative to the row's scale (sum of |x w| over K grows like sqrt(K))
      const double tol = 1e-5 * std::max(1.0, std::sqrt(static_cast<double>(k))) * std::max(1.0, std::fabs(r));
      if (!(std::fabs(g - r) <= tol)) {
        ++bad;
        CHECK_NEAR(g, r, tol);
      }
    }
  }
}

}  // namespace

SPARQ_TEST(sparse24_format_round_trip_and_validation) {
  std::mt19937 rng(7);
  for (size_t k : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 13u, 64u}) {
    const auto w = random_24_weights(9, k, rng);
    CHECK(sparse24_is_valid(w.data(), 9, k));
    const auto s = sparse24_compress(w.data(), 9, k, "w");
    CHECK_EQ(s.values.size(), 9 * ((k + 3) / 4) * 2);
    for (size_t r = 0; r < 9; ++r)
      for (size_t g = 0; g < s.groups; ++g)
        for (size_t slot = 0; slot < 2; ++slot) CHECK(4 * g + s.index(r, g, slot) < k);
    CHECK(sparse24_decompress(s) == w);
  }
  std::vector<int8_t> q = {1, 0, 2, 0, 0, 0, 0, 0, 3, 4, 5, 0};
  CHECK(!sparse24_is_valid(q.data(), 1, 12));
  std::string message;
  try {
    sparse24_compress(q.data(), 1, 12, "Conv 'layer3.conv1' weights");
  } catch (const PlanError& e) {
    message = e.what();
  }
  CHECK(message == "Expected 2:4 structured sparsity along K for Conv 'layer3.conv1' weights but received 3 "
                   "non-zeros in output channel 0, K 8..11");
  std::vector<float> partial = {0.f, 0.f, 0.f, 0.f, 1.f, 2.f, 3.f};  // last group K 4..6 has three
  CHECK_THROWS(sparse24_validate(partial.data(), 1, 7, "w"));
}

SPARQ_TEST(sparse24_f32_gemm_matches_dense_reference_on_tile_edges) {
  const auto kernels = f32_sparse24_kernels(features_for_level(default_level()));
  CHECK(!kernels.empty());
  std::mt19937 rng(11);
  ActivationParams none;
  for (const auto& kernel : kernels) {
    for (size_t m : {1u, 2u, 7u, 15u, 16u, 17u, 33u, 64u, 65u, 130u}) {
      for (size_t n : {1u, 3u, 5u, 6u, 7u, 13u}) {
        for (size_t k : {1u, 4u, 6u, 17u, 64u}) check_gemm(kernel, m, n, k, none, m % 2 == 0, rng);
      }
    }
    check_gemm(kernel, 100, 64, 576, none, true, rng);  // several K blocks
    check_gemm(kernel, 49, 40, 1155, ActivationParams{Activation::kRelu, 0.f, 0.f}, true, rng);
    check_gemm(kernel, 20, 17, 300, ActivationParams{Activation::kClip, -0.3f, 0.4f}, true, rng);
    check_gemm(kernel, 9, 10, 40, ActivationParams{Activation::kSilu, 0.f, 0.f}, true, rng);
  }
}

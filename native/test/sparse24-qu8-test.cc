// int8 2:4 sparse GEMM: bit-exact s32 sums and u8 outputs against the dense reference on the zero-filled weights,
// every kernel the ISA level allows, tile edges, ragged K, extreme data and zero points.
#include <random>
#include <vector>

#include "reference/sparse24-reference.h"
#include "runtime/dispatch-sparse24.h"
#include "test/test-harness.h"

namespace {

using namespace sparq;

enum class Fill { kRandom, kExtreme };

void check_qu8(const QU8Sparse24Kernel& kernel, size_t m, size_t n, size_t k, int32_t zp, Fill fill,
               std::mt19937& rng) {
  const size_t ldx = k + 5, ldy = n + 3;
  std::vector<uint8_t> x(m * ldx);
  std::vector<int8_t> w(n * k, 0);
  std::vector<int32_t> bias(n);
  std::vector<float> scale(n);
  for (auto& v : x) v = fill == Fill::kExtreme ? 255 : static_cast<uint8_t>(rng());
  for (size_t r = 0; r < n; ++r) {
    for (size_t g = 0; g < k; g += 4) {
      const size_t valid = std::min<size_t>(4, k - g), keep = fill == Fill::kExtreme ? 2 : rng() % 3;
      for (size_t i = 0; i < keep && i < valid; ++i) {
        const size_t at = fill == Fill::kExtreme ? i : rng() % valid;
        w[r * k + g + at] = fill == Fill::kExtreme ? int8_t{-128} : static_cast<int8_t>(rng());
      }
    }
  }
  for (auto& b : bias) b = static_cast<int32_t>(rng() % 20001) - 10000;
  for (auto& s : scale) s = 1.f / static_cast<float>(64 + rng() % 4096);
  Requant8 rq;
  rq.scale = scale.data();
  rq.output_zero_point = 128;
  rq.qmin = 0;
  rq.qmax = 255;
  std::vector<uint8_t> ref(m * ldy, 0), got(m * ldy, 0);
  std::vector<int32_t> ref_acc(m * n), got_acc(m * n, -1);
  gemm_nt_qu8_reference(m, n, k, x.data(), ldx, zp, w.data(), bias.data(), rq, ref.data(), ldy, ref_acc.data());
  const auto packed = qu8_sparse24_pack(sparse24_compress(w.data(), n, k, "test weights"), bias.data(), zp);
  const size_t split = m / 2;
  kernel.gemm(x.data(), ldx, packed, rq, got.data(), ldy, 0, split, got_acc.data());
  kernel.gemm(x.data(), ldx, packed, rq, got.data(), ldy, split, m, got_acc.data());
  int bad = 0;
  for (size_t i = 0; i < m * n && bad < 5; ++i) {
    if (got_acc[i] != ref_acc[i]) {
      ++bad;
      CHECK_EQ(got_acc[i], ref_acc[i]);
    }
  }
  CHECK(got == ref);
}

}  // namespace

SPARQ_TEST(sparse24_qu8_gemm_bit_exact_to_dense_reference) {
  const auto kernels = qu8_sparse24_kernels(features_for_level(default_level()));
  CHECK(!kernels.empty());
  std::mt19937 rng(5);
  for (const auto& kernel : kernels) {
    for (size_t m : {1u, 3u, 4u, 5u, 9u}) {
      for (size_t n : {1u, 15u, 16u, 17u, 33u, 48u}) {
        for (size_t k : {1u, 7u, 64u, 65u, 130u}) check_qu8(kernel, m, n, k, static_cast<int32_t>(rng() % 256), Fill::kRandom, rng);
      }
    }
    check_qu8(kernel, 13, 70, 576, 0, Fill::kRandom, rng);
    check_qu8(kernel, 6, 40, 300, 255, Fill::kRandom, rng);
    check_qu8(kernel, 5, 20, 4608, 0, Fill::kExtreme, rng);  // all 255 x all -128, largest ResNet K
  }
}

// The fp32 hard_swish kernels against activate() of ops/activation.h, bit for bit: special values (NaN, infinities,
// signed zeros, the -3 / 3 knees), random values, and every length around the vector widths (tails).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/f32-activation/f32-hardswish.h"
#include "ops/activation.h"
#include "runtime/cpu.h"
#include "test/test-harness.h"

namespace sparq {

SPARQ_TEST(f32_hardswish_kernels_match_the_scalar_activation_bitwise) {
  std::vector<F32HardswishFn> kernels;
#if defined(__x86_64__)
  if (detected_features().avx2) kernels.push_back(&f32_hardswish__avx2);
  if (detected_features().avx512f) kernels.push_back(&f32_hardswish__avx512);
#endif
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> specials = {0.f, -0.f, -3.f, 3.f, -2.9999998f, 2.9999998f, 6.f, -6.f, 1e30f, -1e30f,
                                       inf, -inf, nan, 1e-40f, -1e-40f, 0.5f, -0.5f, 1.f / 3.f};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-8.f, 8.f);
  ActivationParams p;
  p.kind = Activation::kHardSwish;
  for (F32HardswishFn fn : kernels)
    for (size_t n = 0; n <= 70; ++n) {
      std::vector<float> x(n + 1);
      for (size_t i = 0; i < n; ++i) x[i] = i < specials.size() && n % 2 ? specials[(i + n) % specials.size()] : u(rng);
      x[n] = 12345.f;  // guard: must stay
      std::vector<float> got = x;
      fn(got.data(), n);
      for (size_t i = 0; i < n; ++i) {
        const float want = activate(x[i], p);
        CHECK(std::memcmp(&got[i], &want, sizeof(float)) == 0 || (std::isnan(got[i]) && std::isnan(want)));
      }
      CHECK(got[n] == 12345.f);
    }
  // The selected kernel is one of the built ones, or none on a CPU (or SPARQ_ISA level) without AVX2.
  const F32HardswishFn chosen = f32_hardswish_kernel();
  const CpuFeatures f = features_for_level(default_level());
  CHECK(chosen == nullptr || f.avx2);
}

}  // namespace sparq

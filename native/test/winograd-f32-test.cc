// Winograd F(2,3) fp32 conv against the direct reference: every kernel the ISA level allows, shapes around tile edges.
#include <random>
#include <vector>

#include "reference/winograd-reference.h"
#include "runtime/dispatch-winograd.h"
#include "test/test-harness.h"

namespace {

using namespace sparq;

void check_case(const WinogradF32Kernel& k, size_t batch, size_t h, size_t w, size_t c, size_t m, size_t pad,
                size_t pad_end, const ActivationParams& act, bool with_bias, uint32_t seed) {
  WinogradF23Problem p;
  p.batch = batch;
  p.in_h = h;
  p.in_w = w;
  p.channels = c;
  p.out_channels = m;
  p.pad_top = p.pad_left = pad;
  p.out_h = h + pad + pad_end - 2;
  p.out_w = w + pad + pad_end - 2;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> x(batch * h * w * c), wt(m * c * 9), bias(m);
  for (auto& v : x) v = dist(rng);
  for (auto& v : wt) v = dist(rng);
  for (auto& v : bias) v = dist(rng);
  const float* b = with_bias ? bias.data() : nullptr;
  std::vector<float> ref(batch * p.out_h * p.out_w * m), got(ref.size(), -7.f);
  conv3x3_nhwc_f32_reference(p, x.data(), wt.data(), b, act, ref.data());
  const auto packed = winograd_f23_f32_pack(wt.data(), b, c, m, k.nr);
  std::vector<float> ws(winograd_f23_f32_workspace_floats(c, packed.out_channels_padded, k.mr));
  // Two calls over a split tile range, as threads would run it.
  const size_t tiles = p.tiles(), half = tiles / 2;
  k.conv(p, k.gemm_tile(), x.data(), packed, act, got.data(), ws.data(), 0, half);
  k.conv(p, k.gemm_tile(), x.data(), packed, act, got.data(), ws.data(), half, tiles);
  // Relative to the magnitude of the sum of |terms| (sqrt(9C) random terms): 1e-4 of the output scale.
  double scale = 0;
  for (float v : ref) scale = std::max(scale, static_cast<double>(std::fabs(v)));
  int bad = 0;
  for (size_t i = 0; i < ref.size() && bad < 5; ++i) {
    const double tol = 1e-4 * std::max(1.0, scale);
    if (!(std::fabs(got[i] - ref[i]) <= tol)) {
      ++bad;
      CHECK_NEAR(got[i], ref[i], tol);
    }
  }
}

}  // namespace

SPARQ_TEST(winograd_f32_matches_direct_conv_on_tile_edges) {
  const auto kernels = winograd_f32_kernels(features_for_level(default_level()));
  CHECK(!kernels.empty());
  ActivationParams none;
  uint32_t seed = 1;
  for (const auto& k : kernels) {
    for (size_t hw : {1u, 2u, 3u, 4u, 5u, 7u, 8u}) {
      for (size_t c : {1u, 3u, 8u, 17u}) {
        for (size_t m : {1u, 7u, 16u, 33u}) {
          check_case(k, 1, hw, hw + 1, c, m, 1, 1, none, true, seed++);
        }
      }
    }
    check_case(k, 2, 6, 5, 9, 40, 0, 0, none, false, seed++);
    check_case(k, 1, 9, 9, 5, 11, 1, 0, none, true, seed++);
    check_case(k, 3, 11, 13, 20, 70, 1, 1, none, true, seed++);
  }
}

SPARQ_TEST(winograd_f32_resnet_like_layers_and_epilogues) {
  const auto kernels = winograd_f32_kernels(features_for_level(default_level()));
  ActivationParams relu{Activation::kRelu, 0.f, 0.f};
  ActivationParams clip{Activation::kClip, -0.5f, 0.75f};
  ActivationParams swish{Activation::kHardSwish, 0.f, 0.f};
  uint32_t seed = 100;
  for (const auto& k : kernels) {
    check_case(k, 1, 14, 14, 64, 64, 1, 1, relu, true, seed++);
    check_case(k, 1, 7, 7, 128, 96, 1, 1, clip, true, seed++);
    check_case(k, 1, 10, 6, 40, 24, 1, 1, swish, true, seed++);
  }
}

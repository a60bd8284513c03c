// int8 Winograd F(2,3): bit-exact to the scalar int8 Winograd reference and to the direct int8 conv (the exact
// division makes them equal), every kernel the ISA level allows, tile edges, zero points, and the channel bound.
#include <random>
#include <vector>

#include "reference/winograd-reference.h"
#include "runtime/dispatch-winograd.h"
#include "test/test-harness.h"

namespace {

using namespace sparq;

enum class Fill { kRandom, kExtreme };

void check_case(const WinogradQU8Kernel& k, size_t batch, size_t h, size_t w, size_t c, size_t m, size_t pad,
                size_t pad_end, int32_t zp, Fill fill, uint32_t seed, bool check_reference_acc) {
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
  std::vector<uint8_t> x(batch * h * w * c);
  std::vector<int8_t> wt(m * c * 9);
  std::vector<int32_t> bias(m);
  std::vector<float> scale(m);
  for (auto& v : x) v = fill == Fill::kExtreme ? 255 : static_cast<uint8_t>(rng());
  for (auto& v : wt) v = fill == Fill::kExtreme ? int8_t{-128} : static_cast<int8_t>(rng());
  for (auto& b : bias) b = fill == Fill::kExtreme ? 0 : static_cast<int32_t>(rng() % 40001) - 20000;
  for (auto& s : scale) s = fill == Fill::kExtreme ? 1.f / 4194304.f : 1.f / static_cast<float>(200 + rng() % 20000);
  Requant8 rq;
  rq.scale = scale.data();
  rq.output_zero_point = static_cast<int32_t>(rng() % 256);
  rq.qmin = fill == Fill::kExtreme ? 0 : static_cast<int32_t>(rng() % 20);
  rq.qmax = 255 - static_cast<int32_t>(rng() % 20);
  const size_t outputs = batch * p.out_h * p.out_w * m;
  std::vector<uint8_t> direct(outputs), wino_ref(outputs), got(outputs, 77);
  std::vector<int32_t> direct_acc(outputs), wino_acc(outputs);
  conv3x3_nhwc_qu8_reference(p, x.data(), zp, wt.data(), bias.data(), rq, direct.data(), direct_acc.data());
  winograd_f23_qu8_reference(p, x.data(), zp, wt.data(), bias.data(), rq, wino_ref.data(), wino_acc.data());
  if (check_reference_acc) CHECK(direct_acc == wino_acc);
  CHECK(direct == wino_ref);
  const auto packed = winograd_f23_qu8_pack(wt.data(), bias.data(), c, m, k.nr);
  std::vector<uint8_t> ws(winograd_f23_qu8_workspace_bytes(c, packed.out_channels_padded, k.mr));
  const size_t tiles = p.tiles(), half = tiles / 2;
  k.conv(p, x.data(), zp, packed, rq, got.data(), ws.data(), 0, half);
  k.conv(p, x.data(), zp, packed, rq, got.data(), ws.data(), half, tiles);
  int bad = 0;
  for (size_t i = 0; i < outputs && bad < 5; ++i) {
    if (got[i] != wino_ref[i]) {
      ++bad;
      CHECK_EQ(got[i], wino_ref[i]);
    }
  }
}

}  // namespace

SPARQ_TEST(winograd_qu8_bit_exact_on_tile_edges) {
  const auto kernels = winograd_qu8_kernels(features_for_level(default_level()));
  CHECK(!kernels.empty());
  uint32_t seed = 1;
  for (const auto& k : kernels) {
    for (size_t hw : {1u, 2u, 3u, 5u, 8u}) {
      for (size_t c : {1u, 2u, 7u, 16u, 33u}) {
        for (size_t m : {1u, 9u, 16u, 40u}) {
          check_case(k, 1, hw, hw + 1, c, m, 1, 1, static_cast<int32_t>(seed * 37 % 256), Fill::kRandom, seed, true);
          ++seed;
        }
      }
    }
    check_case(k, 2, 9, 7, 64, 70, 0, 0, 0, Fill::kRandom, seed++, true);
    check_case(k, 1, 14, 14, 128, 64, 1, 1, 255, Fill::kRandom, seed++, true);
  }
}

SPARQ_TEST(winograd_qu8_exact_at_the_channel_bound) {
  // All 255 x all -128 with zero point 0 at C = kWinogradQu8MaxChannels: 4 * 9 * C * 255 * 128 = 2146798080 < 2^31,
  // so the int32 products and transform wrap but the result is still exact.
  CHECK_EQ(kWinogradQu8MaxChannels, size_t{1827});
  CHECK(4.0 * 9 * 1827 * 255 * 128 < 2147483648.0);
  CHECK(4.0 * 9 * 1828 * 255 * 128 >= 2147483648.0);
  const auto kernels = winograd_qu8_kernels(features_for_level(default_level()));
  for (const auto& k : kernels) check_case(k, 1, 3, 3, kWinogradQu8MaxChannels, 3, 1, 1, 0, Fill::kExtreme, 9, true);
}

// The int8 global average pool kernels: every built kernel the CPU runs against the scalar one (which the op tests
// check against independently computed means), over channel counts around the vector and block widths, extreme
// bytes and zero points, and long columns.
#include <cstdint>
#include <vector>

#include "kernels/qu8-gavgpool/qu8-gavgpool.h"
#include "runtime/cpu.h"
#include "test/test-harness.h"

namespace sparq {
namespace {

std::vector<uint8_t> bytes(size_t n, uint32_t seed, int mode) {
  std::vector<uint8_t> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (auto& b : v) {
    s = s * 1664525u + 1013904223u;
    b = mode == 0 ? static_cast<uint8_t>(s >> 24) : mode == 1 ? uint8_t{255} : uint8_t{0};
  }
  return v;
}

void expect_same_as_scalar(Qu8GavgpoolFn fn, size_t rows, size_t channels, int mode, int32_t x_zp, int32_t y_zp,
                           float x_scale, float y_scale) {
  const std::vector<uint8_t> x = bytes(rows * channels, static_cast<uint32_t>(rows * 131 + channels), mode);
  Qu8GavgpoolParams p;
  p.x_scale = x_scale, p.y_scale = y_scale, p.x_zero_point = x_zp, p.y_zero_point = y_zp;
  p.lo = static_cast<float>(-y_zp), p.hi = static_cast<float>(255 - y_zp);
  // One guard byte past the output: a kernel must not write beyond `channels`.
  std::vector<uint8_t> want(channels + 1, 0xA5), got(channels + 1, 0xA5);
  qu8_gavgpool_ukernel__scalar(rows, channels, x.data(), p, want.data());
  fn(rows, channels, x.data(), p, got.data());
  int bad = 0;
  for (size_t c = 0; c <= channels; ++c)
    if (got[c] != want[c] && bad++ < 3) CHECK_EQ(int(got[c]), int(want[c]));
}

}  // namespace

SPARQ_TEST(qu8_gavgpool_kernels_match_the_scalar_kernel) {
  std::vector<Qu8GavgpoolFn> kernels;
#if defined(__x86_64__)
  if (detected_features().avx512f) kernels.push_back(&qu8_gavgpool_ukernel__avx512);
#endif
  for (Qu8GavgpoolFn fn : kernels) {
    for (size_t channels : {1, 3, 15, 16, 17, 24, 40, 63, 64, 65, 72, 96, 120, 130, 200, 256, 300})
      for (size_t rows : {1, 2, 16, 49, 196})
        for (int mode = 0; mode < 3; ++mode)
          for (int32_t zp : {0, 128, 255}) expect_same_as_scalar(fn, rows, channels, mode, zp, 255 - zp, 0.05f, 0.02f);
    // Means that land on .5 (scale 1): ties go to even in both.
    expect_same_as_scalar(fn, 2, 37, 0, 0, 0, 1.f, 1.f);
    // Long columns of 255 with zero point 0: sums near 255 * 2^16, far outside the output range (clamped).
    expect_same_as_scalar(fn, 1 << 16, 20, 1, 0, 0, 1.f, 0.5f);
    expect_same_as_scalar(fn, 1 << 16, 20, 2, 255, 0, 1.f, 1e-3f);
  }
}

}  // namespace sparq

// int8 global average pool microkernel contract (NHWC): per channel, the mean of `rows` u8 values requantized.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

// For c < channels: centered = sum_{i < rows} x[i * channels + c] - rows * x_zero_point (exact integer), then
//   y[c] = rne(min(max(float(centered) * x_scale / float(rows) / y_scale, lo), hi)) + y_zero_point
// as separately rounded float operations in this order (NaN -> 0 before the clamp; lo = -y_zero_point,
// hi = 255 - y_zero_point). rows * 255 must stay below 2^31 (the op limits H * W to less than 2^23).
struct Qu8GavgpoolParams {
  float x_scale = 1.f, y_scale = 1.f, lo = 0.f, hi = 255.f;
  int32_t x_zero_point = 0, y_zero_point = 0;
};

using Qu8GavgpoolFn = void (*)(size_t rows, size_t channels, const uint8_t* x, const Qu8GavgpoolParams& p,
                               uint8_t* y);

void qu8_gavgpool_ukernel__scalar(size_t rows, size_t channels, const uint8_t* x, const Qu8GavgpoolParams& p,
                                  uint8_t* y);
#if defined(__x86_64__)
void qu8_gavgpool_ukernel__avx512(size_t rows, size_t channels, const uint8_t* x, const Qu8GavgpoolParams& p,
                                  uint8_t* y);
#endif

}  // namespace sparq

// Contiguous f32 sums with eight independent partial sums: vectorizable without -ffast-math and more accurate.
#pragma once
#include <cstdint>

namespace sparq {

inline float row_sum(const float* x, int64_t n) {
  float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += x[i + k];
  for (int k = 0; i < n; ++i, ++k) acc[k] += x[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// sum((x - mean)^2), the second pass of a two-pass variance.
inline float row_sum_squared_deviation(const float* x, int64_t n, float mean) {
  float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) {
      const float d = x[i + k] - mean;
      acc[k] += d * d;
    }
  for (int k = 0; i < n; ++i, ++k) {
    const float d = x[i] - mean;
    acc[k] += d * d;
  }
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

inline float row_max(const float* x, int64_t n) {
  float acc[8];
  for (int k = 0; k < 8; ++k) acc[k] = -__builtin_huge_valf();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] = x[i + k] > acc[k] ? x[i + k] : acc[k];
  for (int k = 0; i < n; ++i, ++k) acc[k] = x[i] > acc[k] ? x[i] : acc[k];
  float m = acc[0];
  for (int k = 1; k < 8; ++k) m = acc[k] > m ? acc[k] : m;
  return m;
}

}  // namespace sparq

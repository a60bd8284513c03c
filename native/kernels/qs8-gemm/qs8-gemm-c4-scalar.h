// Body of the portable int8 GEMM microkernels (MR x NR tile, weights packed c4): plain loops, any compiler.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

template <size_t MR, size_t NR>
inline void qs8_gemm_c4_scalar(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                               int32_t* acc) {
  const uint8_t* rows[MR];
  rows[0] = static_cast<const uint8_t*>(a);
  for (size_t i = 1; i < MR; ++i) rows[i] = i < mr ? rows[i - 1] + a_stride : rows[i - 1];
  uint32_t sums[MR][NR];  // unsigned: wraps modulo 2^32 like the SIMD kernels
  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  for (size_t i = 0; i < MR; ++i)
    for (size_t j = 0; j < NR; ++j) sums[i][j] = static_cast<uint32_t>(bias[j]);
  const int8_t* w = reinterpret_cast<const int8_t*>(bias + NR);
  for (size_t k0 = 0; k0 < k; k0 += 4, w += 4 * NR) {
    const size_t kc = k - k0 < 4 ? k - k0 : 4;  // the packed weights are zero past k
    for (size_t i = 0; i < MR; ++i) {
      uint8_t av[4] = {0, 0, 0, 0};
      std::memcpy(av, rows[i] + k0, kc);
      for (size_t j = 0; j < NR; ++j) {
        int32_t dot = 0;
        for (size_t t = 0; t < 4; ++t) dot += static_cast<int32_t>(av[t]) * w[j * 4 + t];
        sums[i][j] += static_cast<uint32_t>(dot);
      }
    }
  }
  std::memcpy(acc, sums, sizeof(sums));
}

}  // namespace
}  // namespace sparq

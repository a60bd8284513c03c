// Body of the AVX-VNNI int8 GEMM microkernels: VEX vpdpbusd ymm (u8 x s8 -> s32), 4 depth values per lane.
// Include only from -avxvnni.cc files (compiled with -mavxvnni).
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

// MR rows x (NV * 8) columns; 16 ymm registers bound MR * NV + NV + 1.
template <size_t MR, size_t NV>
inline void qs8_gemm_c4_avxvnni(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                int32_t* acc) {
  constexpr size_t NR = NV * 8;
  const uint8_t* rows[MR];
  rows[0] = static_cast<const uint8_t*>(a);
  for (size_t i = 1; i < MR; ++i) rows[i] = i < mr ? rows[i - 1] + a_stride : rows[i - 1];

  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  __m256i vacc[MR][NV];
#pragma GCC unroll 8
  for (size_t j = 0; j < NV; ++j) vacc[0][j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8 * j));
#pragma GCC unroll 16
  for (size_t i = 1; i < MR; ++i)
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vacc[i][j] = vacc[0][j];

  const int8_t* w = reinterpret_cast<const int8_t*>(bias + NR);
  size_t kk = k;
  for (; kk >= 4; kk -= 4) {
    __m256i vb[NV];
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vb[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * j));
    w += 4 * NR;
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      int32_t a4;
      std::memcpy(&a4, rows[i], 4);
      rows[i] += 4;
      const __m256i va = _mm256_set1_epi32(a4);
#pragma GCC unroll 8
      for (size_t j = 0; j < NV; ++j) vacc[i][j] = _mm256_dpbusd_avx_epi32(vacc[i][j], va, vb[j]);
    }
  }
  if (kk != 0) {
    __m256i vb[NV];
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vb[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * j));
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      int32_t a4 = 0;
      std::memcpy(&a4, rows[i], kk);
      const __m256i va = _mm256_set1_epi32(a4);
#pragma GCC unroll 8
      for (size_t j = 0; j < NV; ++j) vacc[i][j] = _mm256_dpbusd_avx_epi32(vacc[i][j], va, vb[j]);
    }
  }
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + i * NR + 8 * j), vacc[i][j]);
}

}  // namespace
}  // namespace sparq

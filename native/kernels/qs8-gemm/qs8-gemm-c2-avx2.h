// Body of the AVX2 int8 GEMM microkernels: u16 activations x s16 weights with vpmaddwd + vpaddd.
// vpmaddubsw would saturate its s16 sum on full-range u8 x s8 (255*-128*2 < -32768), so both operands are widened
// first (activations per run by qs8_pack_a_u16, weights at pack time) and every product and pair sum is exact.
// Include only from -avx2.cc files.
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

// MR rows x (NV * 8) columns, 2 depth values per s32 lane. A rows are u16, padded with a zero to even depth.
template <size_t MR, size_t NV>
inline void qs8_gemm_c2_avx2(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
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

  const int16_t* w = reinterpret_cast<const int16_t*>(bias + NR);
  for (size_t pairs = (k + 1) / 2; pairs != 0; --pairs) {
    __m256i vb[NV];
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vb[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16 * j));
    w += 2 * NR;
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      int32_t a2;
      std::memcpy(&a2, rows[i], 4);
      rows[i] += 4;
      const __m256i va = _mm256_set1_epi32(a2);
#pragma GCC unroll 8
      for (size_t j = 0; j < NV; ++j) vacc[i][j] = _mm256_add_epi32(vacc[i][j], _mm256_madd_epi16(va, vb[j]));
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

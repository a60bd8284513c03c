// Body of the AVX-512 VNNI int8 GEMM microkernels: vpdpbusd zmm (u8 x s8 -> s32), 4 depth values per lane.
// Include only from -avx512vnni.cc files (compiled with the AVX-512 VNNI flags).
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

// MR rows x (NV * 16) columns. Per 4 depth values: NV weight loads, MR 4-byte broadcasts of A, MR * NV vpdpbusd.
// Weights panel (c4): for each group of 4 depth values, NR columns x 4 bytes -> NV zmm.
template <size_t MR, size_t NV>
inline void qs8_gemm_c4_avx512vnni(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                   int32_t* acc) {
  constexpr size_t NR = NV * 16;
  const uint8_t* rows[MR];
  rows[0] = static_cast<const uint8_t*>(a);
  for (size_t i = 1; i < MR; ++i) rows[i] = i < mr ? rows[i - 1] + a_stride : rows[i - 1];

  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  __m512i vacc[MR][NV];
#pragma GCC unroll 8
  for (size_t j = 0; j < NV; ++j) vacc[0][j] = _mm512_loadu_si512(bias + 16 * j);
#pragma GCC unroll 16
  for (size_t i = 1; i < MR; ++i)
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vacc[i][j] = vacc[0][j];

  const int8_t* w = reinterpret_cast<const int8_t*>(bias + NR);
  size_t kk = k;
  for (; kk >= 4; kk -= 4) {
    __m512i vb[NV];
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vb[j] = _mm512_loadu_si512(w + 64 * j);
    w += 4 * NR;
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      int32_t a4;
      std::memcpy(&a4, rows[i], 4);
      rows[i] += 4;
      const __m512i va = _mm512_set1_epi32(a4);
#pragma GCC unroll 8
      for (size_t j = 0; j < NV; ++j) vacc[i][j] = _mm512_dpbusd_epi32(vacc[i][j], va, vb[j]);
    }
  }
  if (kk != 0) {
    // Last 1..3 depth values: read only what exists; the packed weights are zero past k.
    __m512i vb[NV];
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vb[j] = _mm512_loadu_si512(w + 64 * j);
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      int32_t a4 = 0;
      std::memcpy(&a4, rows[i], kk);
      const __m512i va = _mm512_set1_epi32(a4);
#pragma GCC unroll 8
      for (size_t j = 0; j < NV; ++j) vacc[i][j] = _mm512_dpbusd_epi32(vacc[i][j], va, vb[j]);
    }
  }
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) _mm512_storeu_si512(acc + i * NR + 16 * j, vacc[i][j]);
}

// The same MR x (NV * 16) tile from segmented rows (see Qs8GemmSegUkernelFn): seg_len % 4 == 0, so every group
// of 4 depth values lies inside one run and there is no depth remainder.
template <size_t MR, size_t NV>
inline void qs8_gemm_c4seg_avx512vnni(size_t mr, size_t segs, size_t seg_len, size_t seg_stride,
                                      const uint8_t* const* a, const void* packed_w, int32_t* acc) {
  constexpr size_t NR = NV * 16;
  const uint8_t* rows[MR];
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i) rows[i] = a[i < mr ? i : mr - 1];

  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  __m512i vacc[MR][NV];
#pragma GCC unroll 8
  for (size_t j = 0; j < NV; ++j) vacc[0][j] = _mm512_loadu_si512(bias + 16 * j);
#pragma GCC unroll 16
  for (size_t i = 1; i < MR; ++i)
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vacc[i][j] = vacc[0][j];

  const int8_t* w = reinterpret_cast<const int8_t*>(bias + NR);
  for (size_t s = 0; s < segs; ++s) {
    for (size_t kk = 0; kk < seg_len; kk += 4) {
      __m512i vb[NV];
#pragma GCC unroll 8
      for (size_t j = 0; j < NV; ++j) vb[j] = _mm512_loadu_si512(w + 64 * j);
      w += 4 * NR;
#pragma GCC unroll 16
      for (size_t i = 0; i < MR; ++i) {
        int32_t a4;
        std::memcpy(&a4, rows[i] + kk, 4);
        const __m512i va = _mm512_set1_epi32(a4);
#pragma GCC unroll 8
        for (size_t j = 0; j < NV; ++j) vacc[i][j] = _mm512_dpbusd_epi32(vacc[i][j], va, vb[j]);
      }
    }
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) rows[i] += seg_stride;
  }
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) _mm512_storeu_si512(acc + i * NR + 16 * j, vacc[i][j]);
}

}  // namespace
}  // namespace sparq

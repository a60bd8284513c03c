// Body of the AVX-512 VNNI int8 GEMM microkernels: vpdpbusd zmm (u8 x s8 -> s32), 4 depth values per lane.
// Include only from -avx512vnni.cc files (compiled with the AVX-512 VNNI flags).
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "kernels/qs8-epilogue/qs8-pack-u8-avx512.h"
#include "kernels/qs8-epilogue/qs8-residual-add-avx512.h"
#include "kernels/store-u8-avx512.h"

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

// The pieces both kernel forms share. A tile is MR rows x (NV * 16) columns of s32 accumulators; the weights panel
// (c4) holds NR = NV * 16 int32 biases, then for each group of 4 depth values NR columns x 4 bytes (NV zmm).
template <size_t MR, size_t NV>
inline const int8_t* c4_init(const void* packed_w, __m512i (&vacc)[MR][NV]) {
  const int32_t* bias = static_cast<const int32_t*>(packed_w);
#pragma GCC unroll 8
  for (size_t j = 0; j < NV; ++j) vacc[0][j] = _mm512_loadu_si512(bias + 16 * j);
#pragma GCC unroll 16
  for (size_t i = 1; i < MR; ++i)
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vacc[i][j] = vacc[0][j];
  return reinterpret_cast<const int8_t*>(bias + NV * 16);
}

// One group of 4 depth values: NV weight loads, MR broadcasts of the 4 bytes at rows[i] + offset (`count` of them,
// 1..4, read when count < 4: the packed weights are zero past the true depth), MR * NV vpdpbusd.
template <size_t MR, size_t NV, bool kFull = true>
inline void c4_step(__m512i (&vacc)[MR][NV], const uint8_t* const (&rows)[MR], size_t offset, const int8_t* w,
                    size_t count = 4) {
  __m512i vb[NV];
#pragma GCC unroll 8
  for (size_t j = 0; j < NV; ++j) vb[j] = _mm512_loadu_si512(w + 64 * j);
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i) {
    int32_t a4 = 0;
    if (kFull) std::memcpy(&a4, rows[i] + offset, 4);
    else std::memcpy(&a4, rows[i] + offset, count);
    const __m512i va = _mm512_set1_epi32(a4);
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) vacc[i][j] = _mm512_dpbusd_epi32(vacc[i][j], va, vb[j]);
  }
}

template <size_t MR, size_t NV>
inline void c4_store(const __m512i (&vacc)[MR][NV], int32_t* acc) {
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) _mm512_storeu_si512(acc + i * NV * 16 + 16 * j, vacc[i][j]);
}

// The u8 fast epilogue (kernels/qs8-epilogue/qs8-epilogue.h) straight from the accumulator registers, bit-identical
// to qs8_epilogue__avx512: rows i < mr, columns j < nc of `out`. With kAdd, each requantized vector then takes the
// QAdd of the residual bytes (residual_after_requantization), one vector at a time as the epilogue does it. Without,
// the vectors go through the saturating packs of qs8-pack-u8-avx512.h four at a time: two rows of two 16-column
// vectors (8x32), or four rows of one (14x16, stored as one 64-byte block when the four rows are contiguous).
template <size_t MR, size_t NV, bool kAdd>
inline void c4_store_u8(const __m512i (&vacc)[MR][NV], size_t mr, size_t nc, const float* scale,
                        const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, uint8_t* out,
                        size_t out_stride) {
  __mmask16 mask[NV];
  __m512 vscale[NV];
#pragma GCC unroll 8
  for (size_t j = 0; j < NV; ++j) {
    const size_t left = nc > 16 * j ? nc - 16 * j : 0;
    mask[j] = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    vscale[j] = _mm512_maskz_loadu_ps(mask[j], scale + 16 * j);
  }
  if (NV == 2 && !kAdd) {
    const PackU8Constants k(p.hi, p.lo, p.zero_point);
    const __mmask32 row_mask = nc >= 32 ? ~__mmask32(0) : (__mmask32(1) << nc) - 1;
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; i += 2) {
      if (i >= mr) break;
      const size_t i1 = i + 1 < MR ? i + 1 : i;  // an odd last row pairs with itself
      const __m512i b = pack4_u8(rne_below_hi(vacc[i][0], vscale[0], k), rne_below_hi(vacc[i][NV - 1], vscale[NV - 1], k),
                                 rne_below_hi(vacc[i1][0], vscale[0], k),
                                 rne_below_hi(vacc[i1][NV - 1], vscale[NV - 1], k), k);
      uint8_t* row = out + i * out_stride;
      if (nc >= 32) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(row), _mm512_castsi512_si256(b));
        if (i + 1 < mr) _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + out_stride), _mm512_extracti64x4_epi64(b, 1));
      } else {
        _mm256_mask_storeu_epi8(row, row_mask, _mm512_castsi512_si256(b));
        if (i + 1 < mr) _mm256_mask_storeu_epi8(row + out_stride, row_mask, _mm512_extracti64x4_epi64(b, 1));
      }
    }
    return;
  }
  if (NV == 1 && !kAdd) {
    const PackU8Constants k(p.hi, p.lo, p.zero_point);
    const bool dense = nc == 16 && out_stride == 16;  // four whole rows are 64 contiguous bytes
#pragma GCC unroll 4
    for (size_t i = 0; i < MR; i += 4) {
      if (i >= mr) break;
      __m512i q[4];  // rows past MR repeat the last one (computed, not stored)
#pragma GCC unroll 4
      for (size_t t = 0; t < 4; ++t) q[t] = rne_below_hi(vacc[i + t < MR ? i + t : MR - 1][0], vscale[0], k);
      const __m512i b = pack4_u8(q[0], q[1], q[2], q[3], k);
      uint8_t* row = out + i * out_stride;
      if (dense && i + 4 <= mr) {
        _mm512_storeu_si512(row, b);
        continue;
      }
      const __m128i bytes[4] = {_mm512_castsi512_si128(b), _mm512_extracti32x4_epi32(b, 1),
                                _mm512_extracti32x4_epi32(b, 2), _mm512_extracti32x4_epi32(b, 3)};
#pragma GCC unroll 4
      for (size_t t = 0; t < 4; ++t) {
        if (i + t >= mr) break;
        if (nc >= 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(row + t * out_stride), bytes[t]);
        else _mm_mask_storeu_epi8(row + t * out_stride, mask[0], bytes[t]);
      }
    }
    return;
  }
  const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  const __m512i zero_point = _mm512_set1_epi32(p.zero_point);
  const ResidualAdd16 add(p.add);  // read only with kAdd
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i) {
    if (i >= mr) break;
#pragma GCC unroll 8
    for (size_t j = 0; j < NV; ++j) {
      if (!mask[j]) continue;
      // max(lo, x) and min(hi, x) in this operand order pick x on ties, like the epilogue's clamp16.
      const __m512 x = _mm512_mul_ps(_mm512_cvtepi32_ps(vacc[i][j]), vscale[j]);
      const __m512 clamped = _mm512_min_ps(hi, _mm512_max_ps(lo, x));
      __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(clamped), zero_point);
      if (kAdd) q = add(q, _mm_maskz_loadu_epi8(mask[j], residual + i * residual_stride + 16 * j));
      store_u8x16(out + i * out_stride + 16 * j, mask[j], q);
    }
  }
}

// c4_store_u8 with the residual added after requantization when p says so (see Qs8GemmU8UkernelFn).
template <size_t MR, size_t NV>
inline void c4_finish_u8(const __m512i (&vacc)[MR][NV], size_t mr, size_t nc, const float* scale,
                         const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, uint8_t* out,
                         size_t out_stride) {
  if (p.residual_after_requantization)
    c4_store_u8<MR, NV, true>(vacc, mr, nc, scale, p, residual, residual_stride, out, out_stride);
  else
    c4_store_u8<MR, NV, false>(vacc, mr, nc, scale, p, nullptr, 0, out, out_stride);
}

// The tile's accumulators over the whole depth k, rows `a_stride` bytes apart (row mr - 1 repeated past mr).
template <size_t MR, size_t NV>
inline void c4_accumulate(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                          __m512i (&vacc)[MR][NV]) {
  const uint8_t* rows[MR];
  rows[0] = static_cast<const uint8_t*>(a);
  for (size_t i = 1; i < MR; ++i) rows[i] = i < mr ? rows[i - 1] + a_stride : rows[i - 1];
  const int8_t* w = c4_init<MR, NV>(packed_w, vacc);
  size_t kk = 0;
  for (; kk + 4 <= k; kk += 4, w += 64 * NV) c4_step<MR, NV>(vacc, rows, kk, w);
  if (kk != k) c4_step<MR, NV, false>(vacc, rows, kk, w, k - kk);  // last 1..3 depth values: read only what exists
}

// MR rows x (NV * 16) columns from rows `a_stride` bytes apart (see Qs8GemmUkernelFn).
template <size_t MR, size_t NV>
inline void qs8_gemm_c4_avx512vnni(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                   int32_t* acc) {
  __m512i vacc[MR][NV];
  c4_accumulate<MR, NV>(mr, k, a, a_stride, packed_w, vacc);
  c4_store<MR, NV>(vacc, acc);
}

// The same tile with the u8 fast epilogue fused (see Qs8GemmU8UkernelFn).
template <size_t MR, size_t NV>
inline void qs8_gemm_c4_u8_avx512vnni(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                      size_t nc, const float* scale, const Qs8EpilogueParams& p,
                                      const uint8_t* residual, size_t residual_stride, uint8_t* out,
                                      size_t out_stride) {
  __m512i vacc[MR][NV];
  c4_accumulate<MR, NV>(mr, k, a, a_stride, packed_w, vacc);
  c4_finish_u8<MR, NV>(vacc, mr, nc, scale, p, residual, residual_stride, out, out_stride);
}

// The tile's accumulators from segmented rows (see Qs8GemmSegUkernelFn): seg_len % 4 == 0, so every group of 4
// depth values lies inside one run and there is no depth remainder.
template <size_t MR, size_t NV>
inline void c4seg_accumulate(size_t mr, size_t segs, size_t seg_len, size_t seg_stride, const uint8_t* const* a,
                             const void* packed_w, __m512i (&vacc)[MR][NV]) {
  const uint8_t* rows[MR];
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i) rows[i] = a[i < mr ? i : mr - 1];
  const int8_t* w = c4_init<MR, NV>(packed_w, vacc);
  for (size_t s = 0; s < segs; ++s) {
    for (size_t kk = 0; kk < seg_len; kk += 4, w += 64 * NV) c4_step<MR, NV>(vacc, rows, kk, w);
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) rows[i] += seg_stride;
  }
}

// MR rows x (NV * 16) columns from segmented rows (see Qs8GemmSegUkernelFn).
template <size_t MR, size_t NV>
inline void qs8_gemm_c4seg_avx512vnni(size_t mr, size_t segs, size_t seg_len, size_t seg_stride,
                                      const uint8_t* const* a, const void* packed_w, int32_t* acc) {
  __m512i vacc[MR][NV];
  c4seg_accumulate<MR, NV>(mr, segs, seg_len, seg_stride, a, packed_w, vacc);
  c4_store<MR, NV>(vacc, acc);
}

// The segmented tile with the u8 fast epilogue fused (see Qs8GemmSegU8UkernelFn).
template <size_t MR, size_t NV>
inline void qs8_gemm_c4seg_u8_avx512vnni(size_t mr, size_t segs, size_t seg_len, size_t seg_stride,
                                         const uint8_t* const* a, const void* packed_w, size_t nc, const float* scale,
                                         const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride,
                                         uint8_t* out, size_t out_stride) {
  __m512i vacc[MR][NV];
  c4seg_accumulate<MR, NV>(mr, segs, seg_len, seg_stride, a, packed_w, vacc);
  c4_finish_u8<MR, NV>(vacc, mr, nc, scale, p, residual, residual_stride, out, out_stride);
}

}  // namespace
}  // namespace sparq

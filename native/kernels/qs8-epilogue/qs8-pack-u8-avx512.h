// The u8 fast epilogue (qs8-epilogue.h) for four 16-lane vectors at once, on AVX-512: the lower clamp and the final
// narrowing come from saturating packs instead of a float max and vpmovdb per vector.
// Include only from AVX-512 .cc files.
//
// Per vector: q = rne(min(float(acc) * scale, hi)) (cvtps2dq; a value below the s32 range gives INT_MIN). Then four
// such vectors pack with signed saturation to s16, take the zero point with a saturating add, pack with unsigned
// saturation to u8 and take max(., lo + zero_point). Because lo and hi are whole numbers with lo + zero_point >= 0
// and hi + zero_point <= 255, every byte equals rne(min(max(x, lo), hi)) + zero_point, the form the other kernels
// compute: the saturations only ever clip values that the clamp to [lo, hi] clips anyway.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

struct PackU8Constants {
  __m512 hi;
  __m512i zero_point16, floor8, order;
  PackU8Constants(float hi_bound, float lo_bound, int32_t zero_point)
      : hi(_mm512_set1_ps(hi_bound)),
        zero_point16(_mm512_set1_epi16(static_cast<int16_t>(zero_point))),
        floor8(_mm512_set1_epi8(static_cast<char>(static_cast<int32_t>(lo_bound) + zero_point))),
        // packs interleave their sources per 128-bit lane; this puts each source vector's 16 bytes together
        order(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)) {}
};

inline __m512i rne_below_hi(__m512i acc, __m512 scale, const PackU8Constants& k) {
  return _mm512_cvtps_epi32(_mm512_min_ps(k.hi, _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale)));
}

// Bytes [v0's 16 | v1's 16 | v2's 16 | v3's 16] of four rne_below_hi results.
inline __m512i pack4_u8(__m512i v0, __m512i v1, __m512i v2, __m512i v3, const PackU8Constants& k) {
  const __m512i w01 = _mm512_adds_epi16(_mm512_packs_epi32(v0, v1), k.zero_point16);
  const __m512i w23 = _mm512_adds_epi16(_mm512_packs_epi32(v2, v3), k.zero_point16);
  return _mm512_permutexvar_epi32(k.order, _mm512_max_epu8(_mm512_packus_epi16(w01, w23), k.floor8));
}

}  // namespace
}  // namespace sparq

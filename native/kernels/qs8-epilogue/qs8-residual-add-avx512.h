// The QAdd of a residual after requantization (qs8-epilogue.h, residual_after_requantization) on 16 lanes, shared by
// the AVX-512 epilogue and the GEMM kernels that requantize from their registers, so both compute it alike.
// Include only from AVX-512 .cc files.
#pragma once
#include <immintrin.h>

#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

// float(q - zero_point) * scale as its own rounding: the empty asm keeps the product out of an fma (-mfma).
inline __m512 real16(__m512i q, __m512i zero_point, __m512 scale) {
  __m512 r = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q, zero_point)), scale);
  __asm__("" : "+v"(r));
  return r;
}

// QAdd of the requantized output q (s32 lanes, 0..255) and residual bytes r: the steps of qu8-add-avx512.cc. The
// constants live in registers for a whole block (the output stores are char stores, which would otherwise force
// the compiler to reload every QAddParams field after each one).
struct ResidualAdd16 {
  __m512i a_zero_point, b_zero_point, y_zero_point;
  __m512 a_scale, b_scale, y_scale, lo, hi;
  bool relu;
  explicit ResidualAdd16(const QAddParams& a)
      : a_zero_point(_mm512_set1_epi32(a.a_zero_point)), b_zero_point(_mm512_set1_epi32(a.b_zero_point)),
        y_zero_point(_mm512_set1_epi32(a.y_zero_point)), a_scale(_mm512_set1_ps(a.a_scale)),
        b_scale(_mm512_set1_ps(a.b_scale)), y_scale(_mm512_set1_ps(a.y_scale)), lo(_mm512_set1_ps(a.lo)),
        hi(_mm512_set1_ps(a.hi)), relu(a.relu) {}

  __m512i operator()(__m512i q, __m128i r8) const {
    const __m512 ra = real16(q, a_zero_point, a_scale);
    const __m512 rb = real16(_mm512_cvtepu8_epi32(r8), b_zero_point, b_scale);
    __m512 sum = _mm512_add_ps(ra, rb);
    if (relu) sum = _mm512_max_ps(sum, _mm512_setzero_ps());
    __m512 v = _mm512_div_ps(sum, y_scale);
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
    return _mm512_add_epi32(_mm512_cvtps_epi32(v), y_zero_point);
  }
};

}  // namespace
}  // namespace sparq

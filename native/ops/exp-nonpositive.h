// exp(x) for x <= 0 (softmax after max subtraction) in plain C++ that compilers vectorize; ~1 ulp, NaN kept.
#pragma once
#include <cstdint>
#include <cstring>

namespace sparq {

// exp(x) = 2^n * e^r with n = round(x / ln2), |r| <= ln2 / 2, e^r by a degree-7 Taylor polynomial
// (truncation error r^8/8! < 3e-9). Inputs below -87.3 are clamped so 2^n stays a normal float: the
// result is then ~1e-38 instead of a smaller number or 0, which no softmax sum can notice.
inline float exp_nonpositive(float x) {
  const float xc = x < -87.3f ? -87.3f : x;
  const float shifter = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
  const float t = xc * 1.44269504088896341f + shifter;
  const float n = t - shifter;
  // Unsigned: a NaN x makes t_bits - shifter_bits anything, and a signed left shift of a negative value is UB
  // (the NaN is returned below anyway).
  uint32_t t_bits, shifter_bits;
  std::memcpy(&t_bits, &t, sizeof t);
  std::memcpy(&shifter_bits, &shifter, sizeof shifter);
  const uint32_t scale_bits = (t_bits - shifter_bits + 127u) << 23;
  float scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  const float r = (xc - n * 0.693145751953125f) - n * 1.42860682030941723e-6f;  // ln2 split hi + lo
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const float e = p * scale;
  return x != x ? x : e;
}

}  // namespace sparq

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace sparq {

// y[i] = exp(x[i] - shift) for x[i] <= shift, stride between consecutive x/y elements 1. SSE2 four at a
// time on x86-64 (the scalar form has selects that compilers will not if-convert), scalar elsewhere.
inline void exp_shifted_span(const float* x, float shift, float* y, int64_t n) {
  int64_t i = 0;
#if defined(__x86_64__)
  const __m128 vshift = _mm_set1_ps(shift), lo = _mm_set1_ps(-87.3f), log2e = _mm_set1_ps(1.44269504088896341f);
  const __m128 shifter = _mm_set1_ps(12582912.f);
  const __m128 ln2_hi = _mm_set1_ps(0.693145751953125f), ln2_lo = _mm_set1_ps(1.42860682030941723e-6f);
  const __m128i bias = _mm_sub_epi32(_mm_set1_epi32(127), _mm_castps_si128(shifter));
  for (; i + 4 <= n; i += 4) {
    const __m128 v = _mm_sub_ps(_mm_loadu_ps(x + i), vshift);
    const __m128 nan = _mm_cmpunord_ps(v, v);
    const __m128 xc = _mm_max_ps(v, lo);
    const __m128 t = _mm_add_ps(_mm_mul_ps(xc, log2e), shifter);
    const __m128 nf = _mm_sub_ps(t, shifter);
    const __m128 scale = _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_castps_si128(t), bias), 23));
    const __m128 r = _mm_sub_ps(_mm_sub_ps(xc, _mm_mul_ps(nf, ln2_hi)), _mm_mul_ps(nf, ln2_lo));
    __m128 p = _mm_set1_ps(1.f / 5040.f);
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.f / 720.f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.f / 120.f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.f / 24.f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.f / 6.f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(0.5f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.f));
    p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.f));
    const __m128 e = _mm_mul_ps(p, scale);
    _mm_storeu_ps(y + i, _mm_or_ps(_mm_and_ps(nan, v), _mm_andnot_ps(nan, e)));
  }
#endif
  for (; i < n; ++i) y[i] = exp_nonpositive(x[i] - shift);
}

}  // namespace sparq

// AVX-512 QMul u8 x u8 -> u8, 16 values per step (masked tail): dequantize both, multiply, divide, requantize; and
// the per-channel broadcast rows kernel, which dequantizes the channel vector once for all rows.
#include <immintrin.h>
// GCC 12's own AVX-512 headers trip -Wmaybe-uninitialized (their _mm512_undefined_* placeholders).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>

#include "kernels/qu8-elementwise/qu8-elementwise.h"
#include "kernels/store-u8-avx512.h"

namespace sparq {
namespace {

inline __mmask16 tail_mask(size_t rest) { return rest >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << rest) - 1); }

// float(q - zero_point) * scale: DequantizeLinear's value. Products only feed a multiply here, never an add, so no
// fma can form and no barrier is needed.
inline __m512 real16(__m128i q, __m512i zero_point, __m512 scale) {
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(q), zero_point)), scale);
}

struct Requantize16 {
  __m512 y_scale, lo, hi;
  __m512i y_zp;
  explicit Requantize16(const QMulParams& p)
      : y_scale(_mm512_set1_ps(p.y_scale)), lo(_mm512_set1_ps(p.lo)), hi(_mm512_set1_ps(p.hi)),
        y_zp(_mm512_set1_epi32(p.y_zero_point)) {}

  // QuantizeLinear of the product: divide, NaN -> 0 (only when kMayBeNaN), clamp, round to nearest even, + zp.
  template <bool kMayBeNaN>
  void store(__m512 product, __mmask16 mask, uint8_t* y) const {
    __m512 v = _mm512_div_ps(product, y_scale);
    if (kMayBeNaN) v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
    store_u8x16(y, mask, _mm512_add_epi32(_mm512_cvtps_epi32(v), y_zp));
  }
};

template <bool kBroadcastB, bool kMayBeNaN>
void mul(size_t n, const uint8_t* a, const uint8_t* b, const QMulParams& p, uint8_t* y) {
  const __m512i a_zp = _mm512_set1_epi32(p.a_zero_point), b_zp = _mm512_set1_epi32(p.b_zero_point);
  const __m512 a_scale = _mm512_set1_ps(p.a_scale), b_scale = _mm512_set1_ps(p.b_scale);
  const Requantize16 out(p);
  const __m512 rb_splat = real16(_mm_set1_epi8(static_cast<char>(b[0])), b_zp, b_scale);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 mask = tail_mask(n - i);
    const __m512 rb = kBroadcastB ? rb_splat : real16(_mm_maskz_loadu_epi8(mask, b + i), b_zp, b_scale);
    out.store<kMayBeNaN>(_mm512_mul_ps(real16(_mm_maskz_loadu_epi8(mask, a + i), a_zp, a_scale), rb), mask, y + i);
  }
}

constexpr size_t kBlock = 512;  // channels per pass of the rows kernels: their dequantized values stay in L1

// 16 <= channels <= kBlock: the rows are one flat run of 16-value steps (no ragged step per row). rb holds the
// dequantized channel vector followed by its first 16 values again, so the step starting at channel c reads its
// factors from rb + c even where it wraps into the next row.
template <bool kMayBeNaN>
void mul_rows_flat(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b, const QMulParams& p,
                   uint8_t* y) {
  alignas(64) float rb[kBlock + 32];
  const __m512i a_zp = _mm512_set1_epi32(p.a_zero_point), b_zp = _mm512_set1_epi32(p.b_zero_point);
  const __m512 a_scale = _mm512_set1_ps(p.a_scale), b_scale = _mm512_set1_ps(p.b_scale);
  const Requantize16 out(p);
  for (size_t c = 0; c < channels; c += 16)
    _mm512_storeu_ps(rb + c, real16(_mm_maskz_loadu_epi8(tail_mask(channels - c), b + c), b_zp, b_scale));
  _mm512_storeu_ps(rb + channels, _mm512_loadu_ps(rb));
  const size_t n = rows * channels;
  size_t c = 0;  // channel of a[i]
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 mask = tail_mask(n - i);
    const __m512 ra = real16(_mm_maskz_loadu_epi8(mask, a + i), a_zp, a_scale);
    out.store<kMayBeNaN>(_mm512_mul_ps(ra, _mm512_loadu_ps(rb + c)), mask, y + i);
    c += 16;
    if (c >= channels) c -= channels;
  }
}

template <bool kMayBeNaN>
void mul_rows(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b, const QMulParams& p, uint8_t* y) {
  if (channels >= 16 && channels <= kBlock) return mul_rows_flat<kMayBeNaN>(rows, channels, a, b, p, y);
  alignas(64) float rb[kBlock];
  const __m512i a_zp = _mm512_set1_epi32(p.a_zero_point), b_zp = _mm512_set1_epi32(p.b_zero_point);
  const __m512 a_scale = _mm512_set1_ps(p.a_scale), b_scale = _mm512_set1_ps(p.b_scale);
  const Requantize16 out(p);
  for (size_t c0 = 0; c0 < channels; c0 += kBlock) {
    const size_t nc = std::min(kBlock, channels - c0);
    for (size_t c = 0; c < nc; c += 16)
      _mm512_store_ps(rb + c, real16(_mm_maskz_loadu_epi8(tail_mask(nc - c), b + c0 + c), b_zp, b_scale));
    for (size_t r = 0; r < rows; ++r) {
      const uint8_t* ar = a + r * channels + c0;
      uint8_t* yr = y + r * channels + c0;
      for (size_t c = 0; c < nc; c += 16) {
        const __mmask16 mask = tail_mask(nc - c);
        const __m512 ra = real16(_mm_maskz_loadu_epi8(mask, ar + c), a_zp, a_scale);
        out.store<kMayBeNaN>(_mm512_mul_ps(ra, _mm512_load_ps(rb + c)), mask, yr + c);
      }
    }
  }
}

}  // namespace

void qu8_mul_ukernel__avx512(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                             uint8_t* y) {
  const bool nan = qmul_may_be_nan(p);
  if (b_stride == 0) nan ? mul<true, true>(n, a, b, p, y) : mul<true, false>(n, a, b, p, y);
  else nan ? mul<false, true>(n, a, b, p, y) : mul<false, false>(n, a, b, p, y);
}

void qu8_mul_rows_ukernel__avx512(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b,
                                  const QMulParams& p, uint8_t* y) {
  if (qmul_may_be_nan(p)) mul_rows<true>(rows, channels, a, b, p, y);
  else mul_rows<false>(rows, channels, a, b, p, y);
}

}  // namespace sparq

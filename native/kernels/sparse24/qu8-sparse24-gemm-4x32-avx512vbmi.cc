// AVX-512 VBMI+VNNI 2:4 int8 sparse GEMM: 4 rows x 32 channels. Per pair of K groups one vpermb gathers, for 16
// channels at once, the 4 activation bytes each channel's indices select from a 64-byte X chunk, and one vpdpbusd
// multiplies them by the 4 kept weights: 8 dense K per instruction pair, exact s32.
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels/sparse24/sparse24-gemm.h"
#include "kernels/store-u8-avx512.h"

// GCC 12 flags the undefined pass-through vectors inside its own intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace sparq {

namespace {

// u8 = clamp(cvt_rne(float(acc) * scale) + zp), 16 channels; stores `count` bytes.
inline void requantize_store(__m512i acc, const float* scale, __mmask16 mask, const Requant8& rq, uint8_t* y) {
  const __m512 s = _mm512_maskz_loadu_ps(mask, scale);
  __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), s));  // MXCSR default: nearest even
  q = _mm512_add_epi32(q, _mm512_set1_epi32(rq.output_zero_point));
  q = _mm512_max_epi32(q, _mm512_set1_epi32(rq.qmin));
  q = _mm512_min_epi32(q, _mm512_set1_epi32(rq.qmax));
  store_u8x16(y, mask, q);
}

template <size_t R>
void rows_block(const uint8_t* const* xr, const QU8Sparse24Packed& w, size_t b, const Requant8& rq, uint8_t* const* yr,
                int32_t* const* accr) {
  // Two 16-channel blocks b, b + 1 (the second may not exist).
  const bool two = b + 1 < w.n_padded / 16;
  __m512i acc[R][2];
  const __m512i bias0 = _mm512_loadu_si512(w.bias_folded.data() + b * 16);
  const __m512i bias1 = two ? _mm512_loadu_si512(w.bias_folded.data() + (b + 1) * 16) : _mm512_setzero_si512();
  for (size_t r = 0; r < R; ++r) {
    acc[r][0] = bias0;
    acc[r][1] = bias1;
  }
  const uint8_t* p0 = w.data.data() + b * w.chunks * 1024;
  const uint8_t* p1 = two ? p0 + w.chunks * 1024 : p0;
  for (size_t c = 0; c < w.chunks; ++c) {
    const size_t valid = w.k - c * 64 < 64 ? w.k - c * 64 : 64;
    const __mmask64 km = valid == 64 ? ~__mmask64{0} : ((__mmask64{1} << valid) - 1);
    __m512i xc[R];
    for (size_t r = 0; r < R; ++r) xc[r] = _mm512_maskz_loadu_epi8(km, xr[r] + c * 64);
    for (size_t q = 0; q < 8; ++q, p0 += 128, p1 += 128) {
      const __m512i v0 = _mm512_load_si512(p0), i0 = _mm512_load_si512(p0 + 64);
      const __m512i v1 = _mm512_load_si512(p1), i1 = _mm512_load_si512(p1 + 64);
      for (size_t r = 0; r < R; ++r) {
        acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], _mm512_permutexvar_epi8(i0, xc[r]), v0);
        if (two) acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], _mm512_permutexvar_epi8(i1, xc[r]), v1);
      }
    }
  }
  for (size_t h = 0; h < (two ? 2u : 1u); ++h) {
    const size_t n0 = (b + h) * 16;
    if (n0 >= w.n) break;
    const size_t count = w.n - n0 < 16 ? w.n - n0 : 16;
    const __mmask16 mask = static_cast<__mmask16>((1u << count) - 1u);
    for (size_t r = 0; r < R; ++r) {
      if (accr[r]) _mm512_mask_storeu_epi32(accr[r] + n0, mask, acc[r][h]);
      requantize_store(acc[r][h], rq.scale + n0, mask, rq, yr[r] + n0);
    }
  }
}

}  // namespace

void qu8_sparse24_gemm_4x32__avx512vbmi(const uint8_t* x, size_t ldx, const QU8Sparse24Packed& w, const Requant8& rq,
                                        uint8_t* y, size_t ldy, size_t row_begin, size_t row_end, int32_t* acc_out) {
  const size_t blocks = w.n_padded / 16;
  for (size_t m = row_begin; m < row_end; m += 4) {
    const size_t rows = row_end - m < 4 ? row_end - m : 4;
    const uint8_t* xr[4];
    uint8_t* yr[4];
    int32_t* accr[4];
    for (size_t r = 0; r < 4; ++r) {
      const size_t row = m + (r < rows ? r : rows - 1);
      xr[r] = x + row * ldx;
      yr[r] = y + row * ldy;
      accr[r] = acc_out ? acc_out + row * w.n : nullptr;
    }
    for (size_t b = 0; b < blocks; b += 2) {
      switch (rows) {
        case 1: rows_block<1>(xr, w, b, rq, yr, accr); break;
        case 2: rows_block<2>(xr, w, b, rq, yr, accr); break;
        case 3: rows_block<3>(xr, w, b, rq, yr, accr); break;
        default: rows_block<4>(xr, w, b, rq, yr, accr); break;
      }
    }
  }
}

}  // namespace sparq
#endif

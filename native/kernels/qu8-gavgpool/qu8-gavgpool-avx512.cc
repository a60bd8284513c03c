// AVX-512 int8 global average pool: 16 channels per vector, up to four vectors (64 channels) of u32 sums kept in
// registers across the rows, then the recipe of qu8-gavgpool.h on whole vectors (same operations, same order).
// GCC 12's AVX-512 headers start conversions from _mm512_undefined_*(), which -Wall reports as uninitialized.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/qu8-gavgpool/qu8-gavgpool.h"
#include "kernels/store-u8-avx512.h"

namespace sparq {
namespace {

inline __mmask16 dword_mask(size_t n) { return n >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1); }

template <size_t kVectors>
void pool_block(size_t rows, size_t channels, size_t n, const uint8_t* x, const Qu8GavgpoolParams& p, uint8_t* y) {
  __m512i sum[kVectors];
  __mmask16 mask[kVectors];
  for (size_t v = 0; v < kVectors; ++v) {
    sum[v] = _mm512_setzero_si512();
    mask[v] = dword_mask(n - 16 * v);
  }
  for (size_t i = 0; i < rows; ++i, x += channels)
    for (size_t v = 0; v < kVectors; ++v)
      sum[v] = _mm512_add_epi32(sum[v], _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask[v], x + 16 * v)));
  const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(rows) * p.x_zero_point);
  const __m512 x_scale = _mm512_set1_ps(p.x_scale), count = _mm512_set1_ps(static_cast<float>(rows));
  const __m512 y_scale = _mm512_set1_ps(p.y_scale), lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  const __m512i zero_point = _mm512_set1_epi32(p.y_zero_point);
  for (size_t v = 0; v < kVectors; ++v) {
    __m512 real = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(sum[v], offset)), x_scale);
    __m512 q = _mm512_div_ps(_mm512_div_ps(real, count), y_scale);
    q = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(q, q, _CMP_ORD_Q), q);
    // max(lo, q) and min(hi, q) in this operand order pick q on ties, like the scalar `q < lo ? lo : q`.
    q = _mm512_min_ps(hi, _mm512_max_ps(lo, q));
    store_u8x16(y + 16 * v, mask[v], _mm512_add_epi32(_mm512_cvtps_epi32(q), zero_point));
  }
}

}  // namespace

void qu8_gavgpool_ukernel__avx512(size_t rows, size_t channels, const uint8_t* x, const Qu8GavgpoolParams& p,
                                  uint8_t* y) {
  for (size_t c0 = 0; c0 < channels; c0 += 64) {
    const size_t n = channels - c0 < 64 ? channels - c0 : 64;
    switch ((n + 15) / 16) {
      case 1: pool_block<1>(rows, channels, n, x + c0, p, y + c0); break;
      case 2: pool_block<2>(rows, channels, n, x + c0, p, y + c0); break;
      case 3: pool_block<3>(rows, channels, n, x + c0, p, y + c0); break;
      default: pool_block<4>(rows, channels, n, x + c0, p, y + c0); break;
    }
  }
}

}  // namespace sparq

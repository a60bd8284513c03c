// AVX2 QMul u8 x u8 -> u8, 8 values per step (scalar tail): dequantize both, multiply, divide, requantize; and the
// per-channel broadcast rows kernel, which dequantizes the channel vector once for all rows.
#include <immintrin.h>

#include <algorithm>

#include "kernels/qu8-elementwise/qu8-binary-avx2.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

using qu8_binary_avx2::real8;
using qu8_binary_avx2::Requantize8;

template <bool kBroadcastB, bool kMayBeNaN>
void mul(size_t n, const uint8_t* a, const uint8_t* b, const QMulParams& p, uint8_t* y) {
  const __m256i a_zp = _mm256_set1_epi32(p.a_zero_point), b_zp = _mm256_set1_epi32(p.b_zero_point);
  const __m256 a_scale = _mm256_set1_ps(p.a_scale), b_scale = _mm256_set1_ps(p.b_scale);
  const Requantize8 out(p);
  uint8_t b_splat[8];
  for (int k = 0; k < 8; ++k) b_splat[k] = b[0];
  const __m256 rb_splat = real8(b_splat, b_zp, b_scale);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 rb = kBroadcastB ? rb_splat : real8(b + i, b_zp, b_scale);
    out.store<kMayBeNaN>(_mm256_mul_ps(real8(a + i, a_zp, a_scale), rb), y + i);
  }
  if (i < n) qu8_mul__reference(n - i, a + i, kBroadcastB ? b : b + i, kBroadcastB ? 0 : 1, p, y + i);
}

template <bool kMayBeNaN>
void mul_rows(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b, const QMulParams& p, uint8_t* y) {
  constexpr size_t kBlock = 512;  // channels per pass: their dequantized values stay in L1
  alignas(32) float rb[kBlock];
  const __m256i a_zp = _mm256_set1_epi32(p.a_zero_point), b_zp = _mm256_set1_epi32(p.b_zero_point);
  const __m256 a_scale = _mm256_set1_ps(p.a_scale), b_scale = _mm256_set1_ps(p.b_scale);
  const Requantize8 out(p);
  for (size_t c0 = 0; c0 < channels; c0 += kBlock) {
    const size_t nc = std::min(kBlock, channels - c0), full = nc / 8 * 8;
    for (size_t c = 0; c < full; c += 8) _mm256_store_ps(rb + c, real8(b + c0 + c, b_zp, b_scale));
    for (size_t r = 0; r < rows; ++r) {
      const uint8_t* ar = a + r * channels + c0;
      uint8_t* yr = y + r * channels + c0;
      for (size_t c = 0; c < full; c += 8)
        out.store<kMayBeNaN>(_mm256_mul_ps(real8(ar + c, a_zp, a_scale), _mm256_load_ps(rb + c)), yr + c);
      if (full < nc) qu8_mul__reference(nc - full, ar + full, b + c0 + full, 1, p, yr + full);
    }
  }
}

}  // namespace

void qu8_mul_ukernel__avx2(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QMulParams& p,
                           uint8_t* y) {
  const bool nan = qmul_may_be_nan(p);
  if (b_stride == 0) nan ? mul<true, true>(n, a, b, p, y) : mul<true, false>(n, a, b, p, y);
  else nan ? mul<false, true>(n, a, b, p, y) : mul<false, false>(n, a, b, p, y);
}

void qu8_mul_rows_ukernel__avx2(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b, const QMulParams& p,
                                uint8_t* y) {
  if (qmul_may_be_nan(p)) mul_rows<true>(rows, channels, a, b, p, y);
  else mul_rows<false>(rows, channels, a, b, p, y);
}

}  // namespace sparq

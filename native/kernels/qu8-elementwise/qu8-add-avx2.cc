// AVX2 QAdd u8 + u8 -> u8, 8 values per step: two separately rounded products, one add, relu, divide, requantize.
#include "kernels/qu8-elementwise/qu8-binary-avx2.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

using qu8_binary_avx2::real8;
using qu8_binary_avx2::Requantize8;

template <bool kBroadcastB>
void add(size_t n, const uint8_t* a, const uint8_t* b, const QAddParams& p, uint8_t* y) {
  const __m256i a_zp = _mm256_set1_epi32(p.a_zero_point), b_zp = _mm256_set1_epi32(p.b_zero_point);
  const __m256 a_scale = _mm256_set1_ps(p.a_scale), b_scale = _mm256_set1_ps(p.b_scale);
  const Requantize8 out(p);
  uint8_t b_splat[8];
  for (int k = 0; k < 8; ++k) b_splat[k] = b[0];
  const __m256 rb_splat = real8(b_splat, b_zp, b_scale);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 rb = kBroadcastB ? rb_splat : real8(b + i, b_zp, b_scale);
    __m256 sum = _mm256_add_ps(real8(a + i, a_zp, a_scale), rb);
    if (p.relu) sum = _mm256_max_ps(sum, _mm256_setzero_ps());  // NaN -> 0, like `sum > 0 ? sum : 0`
    out.store<true>(sum, y + i);
  }
  if (i < n) qu8_add__reference(n - i, a + i, kBroadcastB ? b : b + i, kBroadcastB ? 0 : 1, p, y + i);
}

}  // namespace

void qu8_add_ukernel__avx2(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const QAddParams& p,
                           uint8_t* y) {
  if (b_stride == 0) add<true>(n, a, b, p, y);
  else add<false>(n, a, b, p, y);
}

}  // namespace sparq

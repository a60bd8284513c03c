// AVX2 2:4 fp32 GEMV: up to 4 rows x 16 output channels (two ymm); the group's 4 x values are broadcast to both
// 128-bit lanes and vpermps picks, per channel, the x its index byte selects (bits 0-1 slot 0, bits 2-3 slot 1).
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#include "kernels/f32-gemv/f32-gemv.h"

namespace sparq {
namespace {

template <size_t R>
void block_rows(const F32GemvSparse24Packed& w, const F32GemvSparse24Args& a, size_t blk) {
  constexpr size_t B = kF32Sparse24GemvBlock;
  const size_t G = w.groups;
  const float* vals = w.vals.data() + blk * G * 2 * B;
  const uint8_t* meta = w.meta.data() + blk * G * B;
  const float* x[R];
  for (size_t r = 0; r < R; ++r) x[r] = a.x + r * a.x_stride;
  // [row][half of the 16 channels][slot]: four independent FMA chains per row.
  __m256 acc[R][2][2];
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) acc[r][0][0] = acc[r][0][1] = acc[r][1][0] = acc[r][1][1] = _mm256_setzero_ps();
  for (size_t g = 0; g < G; ++g) {
    const float* v = vals + g * 2 * B;
#pragma GCC unroll 2
    for (size_t h = 0; h < 2; ++h) {
      const __m256i d0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(meta + g * B + 8 * h)));
      const __m256i d1 = _mm256_srli_epi32(d0, 2);
      const __m256 v0 = _mm256_load_ps(v + 8 * h), v1 = _mm256_load_ps(v + B + 8 * h);
#pragma GCC unroll 4
      for (size_t r = 0; r < R; ++r) {
        const __m256 xq = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(x[r] + 4 * g));
        acc[r][h][0] = _mm256_fmadd_ps(v0, _mm256_permutevar8x32_ps(xq, d0), acc[r][h][0]);
        acc[r][h][1] = _mm256_fmadd_ps(v1, _mm256_permutevar8x32_ps(xq, d1), acc[r][h][1]);
      }
    }
  }
  const size_t n0 = blk * B, count = std::min(B, w.n - n0);
  const __m256 lo = _mm256_set1_ps(a.min), hi = _mm256_set1_ps(a.max);
  for (size_t r = 0; r < R; ++r) {
    float out[B];
    for (size_t h = 0; h < 2; ++h) {
      __m256 s = _mm256_add_ps(_mm256_add_ps(acc[r][h][0], acc[r][h][1]), _mm256_loadu_ps(w.bias.data() + n0 + 8 * h));
      _mm256_storeu_ps(out + 8 * h, s);
    }
    float* y = a.y + r * a.y_stride + n0;
    const float* res = a.residual ? a.residual + r * a.residual_stride + n0 : nullptr;
    if (count == B && !res) {
      for (size_t h = 0; h < 2; ++h)
        _mm256_storeu_ps(y + 8 * h, _mm256_min_ps(_mm256_max_ps(_mm256_loadu_ps(out + 8 * h), lo), hi));
    } else {
      for (size_t l = 0; l < count; ++l) y[l] = std::min(std::max(out[l] + (res ? res[l] : 0.f), a.min), a.max);
    }
  }
}

}  // namespace

void f32_sparse24_gemv_ukernel_4x16__avx2(const F32GemvSparse24Packed& w, const F32GemvSparse24Args& a,
                                          size_t block_begin, size_t block_end) {
  for (size_t blk = block_begin; blk < block_end; ++blk) {
    switch (a.rows) {
      case 1: block_rows<1>(w, a, blk); break;
      case 2: block_rows<2>(w, a, blk); break;
      case 3: block_rows<3>(w, a, blk); break;
      default: block_rows<4>(w, a, blk); break;
    }
  }
}

}  // namespace sparq
#endif

// AVX-512 2:4 fp32 GEMV: up to 4 rows x 16 output channels; the group's 4 x values are broadcast to every 128-bit
// lane and vpermps picks, per channel, the x its index byte selects (bits 0-1 slot 0, bits 2-3 slot 1).
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#include "kernels/f32-gemv/f32-gemv.h"

// GCC 12 flags the undefined pass-through inside its own _mm512_max_ps/_mm512_min_ps (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

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
  // Two accumulator sets (even / odd groups) x two slots: four independent FMA chains per row.
  __m512 acc[R][4];
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = _mm512_setzero_ps();
  size_t g = 0;
  for (; g + 2 <= G; g += 2) {
    // Values and indices stream from memory once: fetch them a few groups ahead of use.
    _mm_prefetch(reinterpret_cast<const char*>(vals + (g + 16) * 2 * B), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(vals + (g + 16) * 2 * B + B), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(meta + (g + 32) * B), _MM_HINT_T0);
#pragma GCC unroll 2
    for (size_t h = 0; h < 2; ++h) {
      const __m512i d0 = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(meta + (g + h) * B)));
      const __m512i d1 = _mm512_srli_epi32(d0, 2);
      const __m512 v0 = _mm512_load_ps(vals + (g + h) * 2 * B), v1 = _mm512_load_ps(vals + (g + h) * 2 * B + B);
#pragma GCC unroll 4
      for (size_t r = 0; r < R; ++r) {
        const __m512 xq = _mm512_broadcast_f32x4(_mm_loadu_ps(x[r] + 4 * (g + h)));
        acc[r][2 * h] = _mm512_fmadd_ps(v0, _mm512_permutexvar_ps(d0, xq), acc[r][2 * h]);
        acc[r][2 * h + 1] = _mm512_fmadd_ps(v1, _mm512_permutexvar_ps(d1, xq), acc[r][2 * h + 1]);
      }
    }
  }
  for (; g < G; ++g) {
    const __m512i d0 = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(meta + g * B)));
    const __m512i d1 = _mm512_srli_epi32(d0, 2);
    const __m512 v0 = _mm512_load_ps(vals + g * 2 * B), v1 = _mm512_load_ps(vals + g * 2 * B + B);
    for (size_t r = 0; r < R; ++r) {
      const __m512 xq = _mm512_broadcast_f32x4(_mm_loadu_ps(x[r] + 4 * g));
      acc[r][0] = _mm512_fmadd_ps(v0, _mm512_permutexvar_ps(d0, xq), acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(v1, _mm512_permutexvar_ps(d1, xq), acc[r][1]);
    }
  }
  const size_t n0 = blk * B, count = std::min(B, w.n - n0);
  const __mmask16 mask = static_cast<__mmask16>((1u << count) - 1u);
  const __m512 bias = _mm512_loadu_ps(w.bias.data() + n0);
  const __m512 lo = _mm512_set1_ps(a.min), hi = _mm512_set1_ps(a.max);
  for (size_t r = 0; r < R; ++r) {
    __m512 s = _mm512_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]), _mm512_add_ps(acc[r][2], acc[r][3]));
    s = _mm512_add_ps(s, bias);
    if (a.residual) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(mask, a.residual + r * a.residual_stride + n0));
    s = _mm512_min_ps(_mm512_max_ps(s, lo), hi);
    _mm512_mask_storeu_ps(a.y + r * a.y_stride + n0, mask, s);
  }
}

}  // namespace

void f32_sparse24_gemv_ukernel_4x16__avx512(const F32GemvSparse24Packed& w, const F32GemvSparse24Args& a,
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

// AVX2 int8 GEMM epilogue: 8 output columns per step (a padded copy for the last < 8); the operations of qs8-epilogue.h.
#include <immintrin.h>

#include <cstring>

#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "kernels/qu8-elementwise/qu8-elementwise.h"

namespace sparq {
namespace {

// max(lo, x) and min(hi, x) in this operand order pick x on ties, exactly like the scalar `x < lo ? lo : x`.
inline __m256 clamp8(__m256 x, __m256 lo, __m256 hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, x)); }

inline __m256 activate8(__m256 x, const Qs8EpilogueParams& p) {
  switch (p.activation) {
    case Qs8Activation::kNone: return x;
    case Qs8Activation::kRelu: return _mm256_max_ps(_mm256_setzero_ps(), x);
    case Qs8Activation::kClip: return clamp8(x, _mm256_set1_ps(p.alpha), _mm256_set1_ps(p.beta));
    case Qs8Activation::kLeakyRelu: {
      const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
      return _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(p.alpha)), negative);
    }
    case Qs8Activation::kHardSwish: {
      const __m256 gate = _mm256_fmadd_ps(x, _mm256_set1_ps(1.f / 6.f), _mm256_set1_ps(0.5f));
      return _mm256_mul_ps(x, clamp8(gate, _mm256_setzero_ps(), _mm256_set1_ps(1.f)));
    }
  }
  return x;
}

// 8 columns: accumulators (and residual bytes) in, 8 floats or 8 bytes out.
inline void epilogue8(const int32_t* acc, const float* scale, const uint8_t* residual, const Qs8EpilogueParams& p,
                      void* out) {
  __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc))),
                           _mm256_loadu_ps(scale));
  if (!(p.output == Qs8Output::kUint8 && p.fast)) {
    if (p.residual && !p.residual_after_requantization) {
      const __m256i r32 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(residual)));
      const __m256 r = _mm256_cvtepi32_ps(_mm256_sub_epi32(r32, _mm256_set1_epi32(p.residual_zero_point)));
      x = _mm256_fmadd_ps(r, _mm256_set1_ps(p.residual_scale), x);
    }
    x = activate8(x, p);
    if (p.output == Qs8Output::kFloat) {
      _mm256_storeu_ps(static_cast<float*>(out), x);
      return;
    }
    x = _mm256_mul_ps(x, _mm256_set1_ps(p.inv_y_scale));
  }
  const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(clamp8(x, _mm256_set1_ps(p.lo), _mm256_set1_ps(p.hi))),
                                     _mm256_set1_epi32(p.zero_point));
  // 0..255 in each s32 lane: pack to s16 then u8 (no saturation happens), fix the lane order, keep 8 bytes.
  const __m256i q16 = _mm256_packs_epi32(q, q);
  const __m256i q8 = _mm256_packus_epi16(q16, q16);
  const __m128i bytes = _mm_unpacklo_epi32(_mm256_castsi256_si128(q8), _mm256_extracti128_si256(q8, 1));
  _mm_storel_epi64(static_cast<__m128i*>(out), bytes);
}

}  // namespace

void qs8_epilogue__avx2(size_t mr, size_t nc, size_t n0, const int32_t* acc, size_t acc_stride,
                        const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                        size_t out_stride) {
  const size_t out_bytes = p.output == Qs8Output::kUint8 ? 1 : 4;
  if (p.output == Qs8Output::kInt32) {
    for (size_t i = 0; i < mr; ++i)
      std::memcpy(static_cast<int32_t*>(out) + i * out_stride, acc + i * acc_stride, nc * sizeof(int32_t));
    return;
  }
  for (size_t i = 0; i < mr; ++i) {
    const int32_t* acc_row = acc + i * acc_stride;
    const uint8_t* residual_row = p.residual ? residual + i * residual_stride : nullptr;
    uint8_t* out_row = static_cast<uint8_t*>(out) + i * out_stride * out_bytes;
    size_t j = 0;
    for (; j + 8 <= nc; j += 8)
      epilogue8(acc_row + j, p.scale + n0 + j, residual_row ? residual_row + j : nullptr, p, out_row + j * out_bytes);
    if (j < nc) {
      const size_t rest = nc - j;
      int32_t acc_tail[8] = {0};
      float scale_tail[8] = {0};
      uint8_t residual_tail[8] = {0};
      alignas(32) uint8_t out_tail[32];
      std::memcpy(acc_tail, acc_row + j, rest * sizeof(int32_t));
      std::memcpy(scale_tail, p.scale + n0 + j, rest * sizeof(float));
      if (residual_row) std::memcpy(residual_tail, residual_row + j, rest);
      epilogue8(acc_tail, scale_tail, residual_tail, p, out_tail);
      std::memcpy(out_row + j * out_bytes, out_tail, rest * out_bytes);
    }
    if (p.residual_after_requantization) qu8_add_ukernel__avx2(nc, out_row, residual_row, 1, p.add, out_row);
  }
}

}  // namespace sparq

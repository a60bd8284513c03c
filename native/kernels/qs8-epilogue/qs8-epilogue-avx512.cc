// AVX-512 int8 GEMM epilogue: 16 output columns per step, masked at the row end; the operations of qs8-epilogue.h.
// GCC 12's AVX-512 headers start conversions from _mm512_undefined_*(), which -Wall reports as uninitialized.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "kernels/qs8-epilogue/qs8-pack-u8-avx512.h"
#include "kernels/qs8-epilogue/qs8-residual-add-avx512.h"
#include "kernels/store-u8-avx512.h"

namespace sparq {
namespace {

// max(lo, x) and min(hi, x) in this operand order pick x on ties, exactly like the scalar `x < lo ? lo : x`.
inline __m512 clamp16(__m512 x, __m512 lo, __m512 hi) { return _mm512_min_ps(hi, _mm512_max_ps(lo, x)); }

inline __m512 activate16(__m512 x, const Qs8EpilogueParams& p) {
  switch (p.activation) {
    case Qs8Activation::kNone: return x;
    case Qs8Activation::kRelu: return _mm512_max_ps(_mm512_setzero_ps(), x);
    case Qs8Activation::kClip: return clamp16(x, _mm512_set1_ps(p.alpha), _mm512_set1_ps(p.beta));
    case Qs8Activation::kLeakyRelu: {
      const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
      return _mm512_mask_mul_ps(x, negative, x, _mm512_set1_ps(p.alpha));
    }
    case Qs8Activation::kHardSwish: {
      const __m512 gate = _mm512_fmadd_ps(x, _mm512_set1_ps(1.f / 6.f), _mm512_set1_ps(0.5f));
      return _mm512_mul_ps(x, clamp16(gate, _mm512_setzero_ps(), _mm512_set1_ps(1.f)));
    }
  }
  return x;
}

// The u8 fast form (the common case: convs whose activation folds into the clamp bounds), for blocks of at most
// NV * 16 columns: the column scales and masks are loaded once per block instead of once per row, and nothing is
// decided per row but the optional fused QAdd. The fast-form operations of qs8-epilogue.h, in that order.
template <size_t NV, bool kAdd>
void epilogue_u8_fast(size_t mr, size_t nc, size_t n0, const int32_t* acc, size_t acc_stride,
                      const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, uint8_t* out,
                      size_t out_stride) {
  const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  const __m512i zero_point = _mm512_set1_epi32(p.zero_point);
  __mmask16 mask[NV];
  __m512 scale[NV];
#pragma GCC unroll 4
  for (size_t v = 0; v < NV; ++v) {
    const size_t left = nc - 16 * v;
    mask[v] = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    scale[v] = _mm512_maskz_loadu_ps(mask[v], p.scale + n0 + 16 * v);
  }
  if (!kAdd && NV >= 3) {
    // 48 or 64 columns: one row's vectors through the saturating packs, one store per row.
    const PackU8Constants k(p.hi, p.lo, p.zero_point);
    const __mmask64 row_mask = nc >= 64 ? ~__mmask64(0) : (__mmask64(1) << nc) - 1;
    for (size_t i = 0; i < mr; ++i) {
      const int32_t* acc_row = acc + i * acc_stride;
      __m512i q[4];
#pragma GCC unroll 4
      for (size_t v = 0; v < 4; ++v) {
        const size_t src = v < NV ? v : NV - 1;
        q[v] = rne_below_hi(_mm512_maskz_loadu_epi32(mask[src], acc_row + 16 * src), scale[src], k);
      }
      const __m512i b = pack4_u8(q[0], q[1], q[2], q[3], k);
      if (nc >= 64) _mm512_storeu_si512(out + i * out_stride, b);
      else _mm512_mask_storeu_epi8(out + i * out_stride, row_mask, b);
    }
    return;
  }
  const ResidualAdd16 add(p.add);
  for (size_t i = 0; i < mr; ++i) {
    const int32_t* acc_row = acc + i * acc_stride;
    uint8_t* out_row = out + i * out_stride;
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v) {
      const __m512 x = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(mask[v], acc_row + 16 * v)), scale[v]);
      __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(clamp16(x, lo, hi)), zero_point);
      if (kAdd) q = add(q, _mm_maskz_loadu_epi8(mask[v], residual + i * residual_stride + 16 * v));
      store_u8x16(out_row + 16 * v, mask[v], q);
    }
  }
}

template <bool kAdd>
void epilogue_u8_fast_narrow(size_t mr, size_t nc, size_t n0, const int32_t* acc, size_t acc_stride,
                             const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                             size_t out_stride) {
  uint8_t* y = static_cast<uint8_t*>(out);
  switch ((nc + 15) / 16) {
    case 1: return epilogue_u8_fast<1, kAdd>(mr, nc, n0, acc, acc_stride, p, residual, residual_stride, y, out_stride);
    case 2: return epilogue_u8_fast<2, kAdd>(mr, nc, n0, acc, acc_stride, p, residual, residual_stride, y, out_stride);
    case 3: return epilogue_u8_fast<3, kAdd>(mr, nc, n0, acc, acc_stride, p, residual, residual_stride, y, out_stride);
    default: return epilogue_u8_fast<4, kAdd>(mr, nc, n0, acc, acc_stride, p, residual, residual_stride, y, out_stride);
  }
}

}  // namespace

void qs8_epilogue__avx512(size_t mr, size_t nc, size_t n0, const int32_t* acc, size_t acc_stride,
                          const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                          size_t out_stride) {
  if (p.output == Qs8Output::kInt32) {
    for (size_t i = 0; i < mr; ++i)
      std::memcpy(static_cast<int32_t*>(out) + i * out_stride, acc + i * acc_stride, nc * sizeof(int32_t));
    return;
  }
  if (p.output == Qs8Output::kUint8 && p.fast) {
    // Blocks of at most 64 columns (wide rows such as a depthwise conv's 72 or 120 channels take several).
    for (size_t c0 = 0; c0 < nc; c0 += 64) {
      const size_t w = nc - c0 < 64 ? nc - c0 : 64;
      const uint8_t* r = residual ? residual + c0 : nullptr;
      uint8_t* y = static_cast<uint8_t*>(out) + c0;
      if (p.residual_after_requantization)
        epilogue_u8_fast_narrow<true>(mr, w, n0 + c0, acc + c0, acc_stride, p, r, residual_stride, y, out_stride);
      else
        epilogue_u8_fast_narrow<false>(mr, w, n0 + c0, acc + c0, acc_stride, p, r, residual_stride, y, out_stride);
    }
    return;
  }
  const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  const __m512i zero_point = _mm512_set1_epi32(p.zero_point);
  const __m512 inv_y_scale = _mm512_set1_ps(p.inv_y_scale);
  const __m512i residual_zero_point = _mm512_set1_epi32(p.residual_zero_point);
  const __m512 residual_scale = _mm512_set1_ps(p.residual_scale);
  for (size_t i = 0; i < mr; ++i) {
    const int32_t* acc_row = acc + i * acc_stride;
    for (size_t j = 0; j < nc; j += 16) {
      const __mmask16 mask = nc - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (nc - j)) - 1);
      const __m512 vacc = _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(mask, acc_row + j));
      __m512 x = _mm512_mul_ps(vacc, _mm512_maskz_loadu_ps(mask, p.scale + n0 + j));
      if (p.residual && !p.residual_after_requantization) {
        const __m128i r8 = _mm_maskz_loadu_epi8(mask, residual + i * residual_stride + j);
        const __m512 r = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(r8), residual_zero_point));
        x = _mm512_fmadd_ps(r, residual_scale, x);
      }
      x = activate16(x, p);
      if (p.output == Qs8Output::kFloat) {
        _mm512_mask_storeu_ps(static_cast<float*>(out) + i * out_stride + j, mask, x);
        continue;
      }
      x = _mm512_mul_ps(x, inv_y_scale);
      __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(clamp16(x, lo, hi)), zero_point);
      if (p.residual_after_requantization)
        q = ResidualAdd16(p.add)(q, _mm_maskz_loadu_epi8(mask, residual + i * residual_stride + j));
      store_u8x16(static_cast<uint8_t*>(out) + i * out_stride + j, mask, q);
    }
  }
}

}  // namespace sparq

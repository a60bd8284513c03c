// int8 depthwise convolution, AVX-512: per output pixel, 64 then 16 (masked) channels per step; each tap pair is
// interleaved per channel, widened to s16 and multiplied with vpmaddwd (two taps of a channel in one s32 lane, exact).
#include <immintrin.h>

#include <algorithm>

#include "kernels/qs8-dwconv/qs8-dwconv-taps.h"

namespace sparq {

namespace {

// 16 channels of a tap pair: x0[c], x1[c] interleaved as s16 pairs against packed weights (W(c, 2j), W(c, 2j+1)).
inline __m512i tap_pair16(__m128i x0, __m128i x1, const int16_t* w) {
  const __m256i interleaved = _mm256_set_m128i(_mm_unpackhi_epi8(x0, x1), _mm_unpacklo_epi8(x0, x1));
  return _mm512_madd_epi16(_mm512_cvtepu8_epi16(interleaved), _mm512_loadu_si512(w));
}

}  // namespace

void qs8_dwconv_ukernel_c64__avx512(const Qs8DwconvParams& p, size_t oh, const uint8_t* x_image, const int16_t* w,
                                    const int32_t* bias, int32_t* acc) {
  const size_t channels = p.channels, cp = p.padded_channels;
  Qs8DwconvTaps taps(p);
  const size_t pairs = taps.pairs();
  for (size_t ow = 0; ow < p.out_w; ++ow) {
    taps.fill(oh, ow, x_image);
    const uint8_t* const* ptr = taps.pointers();
    int32_t* out = acc + ow * channels;
    size_t c0 = 0;
    for (; c0 + 64 <= channels; c0 += 64) {
      __m512i a0 = _mm512_loadu_si512(bias + c0), a1 = _mm512_loadu_si512(bias + c0 + 16);
      __m512i a2 = _mm512_loadu_si512(bias + c0 + 32), a3 = _mm512_loadu_si512(bias + c0 + 48);
      for (size_t j = 0; j < pairs; ++j) {
        const uint8_t* x0 = ptr[2 * j] + c0;
        const uint8_t* x1 = ptr[2 * j + 1] + c0;
        const int16_t* wj = w + (j * cp + c0) * 2;
        a0 = _mm512_add_epi32(a0, tap_pair16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x0)),
                                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(x1)), wj));
        a1 = _mm512_add_epi32(a1, tap_pair16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x0 + 16)),
                                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(x1 + 16)), wj + 32));
        a2 = _mm512_add_epi32(a2, tap_pair16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x0 + 32)),
                                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(x1 + 32)), wj + 64));
        a3 = _mm512_add_epi32(a3, tap_pair16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x0 + 48)),
                                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(x1 + 48)), wj + 96));
      }
      _mm512_storeu_si512(out + c0, a0);
      _mm512_storeu_si512(out + c0 + 16, a1);
      _mm512_storeu_si512(out + c0 + 32, a2);
      _mm512_storeu_si512(out + c0 + 48, a3);
    }
    for (; c0 < channels; c0 += 16) {
      const size_t n = std::min<size_t>(16, channels - c0);
      const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
      __m512i a = _mm512_loadu_si512(bias + c0);  // bias is padded to whole 64-channel blocks
      for (size_t j = 0; j < pairs; ++j) {
        const int16_t* wj = w + (j * cp + c0) * 2;
        a = _mm512_add_epi32(a, tap_pair16(_mm_maskz_loadu_epi8(mask, ptr[2 * j] + c0),
                                           _mm_maskz_loadu_epi8(mask, ptr[2 * j + 1] + c0), wj));
      }
      _mm512_mask_storeu_epi32(out + c0, mask, a);
    }
  }
}

}  // namespace sparq

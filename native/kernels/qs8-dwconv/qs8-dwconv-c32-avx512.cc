// int8 depthwise convolution, AVX-512: per output pixel, 32 channels per step (masked tail). Each tap widens 32
// activations to s16 once and vpmaddwd's them against the tap's even-channel and odd-channel weights (the other
// half zero), so no per-tap interleaving is needed; the even/odd s32 sums are put back in channel order per pixel.
// GCC 12's AVX-512 headers start conversions from _mm512_undefined_*(), which -Wall reports as uninitialized.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/qs8-dwconv/qs8-dwconv-taps.h"

namespace sparq {

void qs8_dwconv_ukernel_c32__avx512(const Qs8DwconvParams& p, size_t oh, const uint8_t* x_image, const int16_t* w,
                                    const int32_t* bias, int32_t* acc) {
  const size_t channels = p.channels, blocks = p.padded_channels / 32, taps_count = p.kernel_h * p.kernel_w;
  Qs8DwconvTaps taps(p);
  // qwords of (unpacklo, unpackhi) of (even, odd) that hold channels 0..15 and 16..31 of the block
  const __m512i first_half = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i second_half = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
  for (size_t ow = 0; ow < p.out_w; ++ow) {
    taps.fill(oh, ow, x_image);
    const uint8_t* const* ptr = taps.pointers();
    int32_t* out = acc + ow * channels;
    for (size_t b = 0; b * 32 < channels; ++b) {
      const size_t c0 = b * 32, n = channels - c0 < 32 ? channels - c0 : 32;
      const __mmask32 mask = n == 32 ? ~__mmask32(0) : static_cast<__mmask32>((1u << n) - 1);
      __m512i even = _mm512_setzero_si512(), odd = _mm512_setzero_si512();
      const int16_t* wb = w + b * 64;
      for (size_t t = 0; t < taps_count; ++t) {
        const __m512i x = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(mask, ptr[t] + c0));
        const int16_t* wt = wb + t * blocks * 64;
        even = _mm512_add_epi32(even, _mm512_madd_epi16(x, _mm512_loadu_si512(wt)));
        odd = _mm512_add_epi32(odd, _mm512_madd_epi16(x, _mm512_loadu_si512(wt + 32)));
      }
      const __m512i lo = _mm512_unpacklo_epi32(even, odd), hi = _mm512_unpackhi_epi32(even, odd);
      const __m512i out0 = _mm512_add_epi32(_mm512_permutex2var_epi64(lo, first_half, hi), _mm512_loadu_si512(bias + c0));
      const __m512i out1 =
          _mm512_add_epi32(_mm512_permutex2var_epi64(lo, second_half, hi), _mm512_loadu_si512(bias + c0 + 16));
      _mm512_mask_storeu_epi32(out + c0, static_cast<__mmask16>(mask), out0);
      _mm512_mask_storeu_epi32(out + c0 + 16, static_cast<__mmask16>(mask >> 16), out1);
    }
  }
}

}  // namespace sparq

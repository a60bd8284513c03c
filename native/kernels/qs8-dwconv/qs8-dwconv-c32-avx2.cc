// int8 depthwise convolution, AVX2: per output pixel, 32 then 8 channels per step (scalar below 8); each tap pair is
// interleaved per channel, widened to s16 and multiplied with vpmaddwd (two taps of a channel in one s32 lane, exact).
#include <immintrin.h>

#include "kernels/qs8-dwconv/qs8-dwconv-taps.h"

namespace sparq {

namespace {

// 8 channels of a tap pair (8 bytes from each tap).
inline __m256i tap_pair8(const uint8_t* x0, const uint8_t* x1, const int16_t* w) {
  const __m128i interleaved = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x0)),
                                                _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x1)));
  return _mm256_madd_epi16(_mm256_cvtepu8_epi16(interleaved), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
}

}  // namespace

void qs8_dwconv_ukernel_c32__avx2(const Qs8DwconvParams& p, size_t oh, const uint8_t* x_image, const int16_t* w,
                                  const int32_t* bias, int32_t* acc) {
  const size_t channels = p.channels, cp = p.padded_channels;
  Qs8DwconvTaps taps(p);
  const size_t pairs = taps.pairs();
  for (size_t ow = 0; ow < p.out_w; ++ow) {
    taps.fill(oh, ow, x_image);
    const uint8_t* const* ptr = taps.pointers();
    int32_t* out = acc + ow * channels;
    size_t c0 = 0;
    for (; c0 + 32 <= channels; c0 += 32) {
      __m256i a[4];
      for (size_t i = 0; i < 4; ++i) a[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + c0 + 8 * i));
      for (size_t j = 0; j < pairs; ++j) {
        const uint8_t* x0 = ptr[2 * j] + c0;
        const uint8_t* x1 = ptr[2 * j + 1] + c0;
        const int16_t* wj = w + (j * cp + c0) * 2;
        for (size_t i = 0; i < 4; ++i) a[i] = _mm256_add_epi32(a[i], tap_pair8(x0 + 8 * i, x1 + 8 * i, wj + 16 * i));
      }
      for (size_t i = 0; i < 4; ++i) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + c0 + 8 * i), a[i]);
    }
    for (; c0 + 8 <= channels; c0 += 8) {
      __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + c0));
      for (size_t j = 0; j < pairs; ++j)
        a = _mm256_add_epi32(a, tap_pair8(ptr[2 * j] + c0, ptr[2 * j + 1] + c0, w + (j * cp + c0) * 2));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + c0), a);
    }
    for (; c0 < channels; ++c0) {
      int32_t a = bias[c0];
      for (size_t j = 0; j < pairs; ++j) {
        const int16_t* wj = w + (j * cp + c0) * 2;
        a += int32_t(ptr[2 * j][c0]) * wj[0] + int32_t(ptr[2 * j + 1][c0]) * wj[1];
      }
      out[c0] = a;
    }
  }
}

}  // namespace sparq

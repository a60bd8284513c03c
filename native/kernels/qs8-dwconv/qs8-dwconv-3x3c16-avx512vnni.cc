// int8 depthwise 3x3 convolution (undilated, any strides and padding), AVX-512 VNNI, requantized to u8 in the kernel.
// Whole row ranges per call, two vectors of 16 channels per pass, the channel loop outside the rows so that the
// weights, bias and requantization constants stay in registers for the whole call. The input columns an output row reads are turned into row quads
// (dword c = four input rows of channel c: one vpdpbusd adds a kernel column's three taps), built from four 16-byte
// loads by a 4x4 dword transpose across lanes (vpermd) and a 4x4 byte transpose within lanes (vpshufb), and one set
// of quads serves two output rows (see vector_rows). The accumulators go straight through the u8 fast form of
// qs8-epilogue.h (the float operations of qs8_epilogue__avx512, in its order) and out as bytes: no s32 row buffer, no
// second pass. The old per-row path (qs8-dwconv-c64 + epilogue) spent most of its time on per-row fixed costs on the
// small images of mobile nets.
// GCC 12's AVX-512 headers start conversions from _mm512_undefined_*(), which -Wall reports as uninitialized.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/qs8-dwconv/qs8-dwconv.h"
#include "kernels/store-u8-avx512.h"

namespace sparq {
namespace {

// Column quads buffered per chunk of an output row (two 4 KB buffers on the stack); wider rows go in chunks.
constexpr size_t kBufferColumns = 64;

// The u8 fast form of qs8-epilogue.h for 16 channels: scale, clamp to [lo, hi], round to nearest even, + zero point.
struct Requantize16 {
  __m512 scale, lo, hi;
  __m512i zero_point;
  __mmask16 mask;
  void store(uint8_t* dst, __m512i acc) const {
    const __m512 x = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_min_ps(hi, _mm512_max_ps(lo, x))), zero_point);
    store_u8x16(dst, mask, q);
  }
};

// Quads of 16 channels of one input column from four rows: dword c = (r0[c], r1[c], r2[c], r3[c]). The loads put row
// i in lane i; vpermd moves dword j of lane i to dword i of lane j (lane j then holds bytes 4j..4j+3 of every row) and
// vpshufb interleaves those bytes channel by channel. kFull: all 16 channels exist (else masked loads, no over-read).
template <bool kFull>
inline __m512i column_quads(const uint8_t* r0, const uint8_t* r1, const uint8_t* r2, const uint8_t* r3,
                            __mmask16 mask) {
  const auto row = [mask](const uint8_t* r) {
    return kFull ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(r)) : _mm_maskz_loadu_epi8(mask, r);
  };
  __m512i v = _mm512_castsi128_si512(row(r0));
  v = _mm512_inserti32x4(v, row(r1), 1);
  v = _mm512_inserti32x4(v, row(r2), 2);
  v = _mm512_inserti32x4(v, row(r3), 3);
  const __m512i lanes = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i bytes = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
  return _mm512_shuffle_epi8(_mm512_permutexvar_epi32(lanes, v), bytes);
}

// Column quads of padded-input columns [col_begin, col_end) of the row group whose first input row is first_row, for
// kV vectors of 16 channels from c0 (the last one masked unless kFull), into buf[(col - col_begin) * kV + v]. A row
// outside the input reads the zero-point row (a whole input row long, so it is read like an input row), a column
// outside the input is the zero point in every row.
template <size_t kV, bool kFull>
inline void build_columns(const Qs8DwconvParams& p, const uint8_t* x_image, long first_row, size_t c0,
                          size_t col_begin, size_t col_end, __mmask16 last_mask, __m512i zero_point_quads,
                          __m512i* buf) {
  const size_t row_bytes = p.in_w * p.channels;
  const uint8_t* row[4];
  bool any_inside = false;
  for (size_t i = 0; i < 4; ++i) {
    const long ih = first_row + static_cast<long>(i);
    const bool inside = ih >= 0 && ih < static_cast<long>(p.in_h);
    row[i] = (inside ? x_image + static_cast<size_t>(ih) * row_bytes : p.zero_row) + c0;
    any_inside |= inside;
  }
  // A group of padding rows only (the stride-2 chain's group past the bottom) is the zero point everywhere.
  const size_t inside_begin = any_inside && p.pad_left < col_end ? p.pad_left : col_end;
  const size_t inside_end = any_inside && p.pad_left + p.in_w < col_end ? p.pad_left + p.in_w : col_end;
  size_t col = col_begin;
  for (; col < inside_begin; ++col)
    for (size_t v = 0; v < kV; ++v) buf[(col - col_begin) * kV + v] = zero_point_quads;
  for (size_t offset = (col - p.pad_left) * p.channels; col < inside_end; ++col, offset += p.channels) {
    __m512i* dst = buf + (col - col_begin) * kV;
    for (size_t v = 0; v + 1 < kV; ++v) {
      const size_t at = offset + 16 * v;
      dst[v] = column_quads<true>(row[0] + at, row[1] + at, row[2] + at, row[3] + at, 0xFFFF);
    }
    const size_t at = offset + 16 * (kV - 1);
    dst[kV - 1] = column_quads<kFull>(row[0] + at, row[1] + at, row[2] + at, row[3] + at, last_mask);
  }
  for (; col < col_end; ++col)
    for (size_t v = 0; v < kV; ++v) buf[(col - col_begin) * kV + v] = zero_point_quads;
}

// The taps of one output pixel from the column quads q[0], q[kV], q[2 kV] of a row group (one vector's quads of
// three consecutive columns): acc = bias + sum_kj q[kj kV] . w[kj].
template <size_t kV>
inline __m512i dot3(__m512i acc, const __m512i* q, const __m512i w[3]) {
  acc = _mm512_dpbusd_epi32(acc, q[0], w[0]);
  acc = _mm512_dpbusd_epi32(acc, q[kV], w[1]);
  return _mm512_dpbusd_epi32(acc, q[2 * kV], w[2]);
}

// kV (1 or 2) vectors of 16 channels from c0 (the last one masked unless kFull) of output rows [oh_begin, oh_end),
// output columns in chunks whose input columns fit a quad buffer, rows inside a chunk. Two vectors at a time halve
// the loop trips of small images and give each pixel two independent dependency chains. A row group is the four
// input rows from the first row an output row reads; the weights of a 3-row window sit in bytes 0..2 of each dword
// (`upper`), and shifted copies apply the same group to a later output row:
//   stride 1: rows oh and oh + 1 share the group of oh (oh + 1 reads its bytes 1..3: weights << 8);
//   stride 2: row oh + 1 reads bytes 2..3 of the group of oh (weights << 16) and byte 0 of the group of oh + 2
//             (weights >> 16), which is the next pair's group: one group is built per two output rows;
//   larger strides: one group per output row.
template <size_t kV, bool kFull>
void vector_rows(const Qs8DwconvParams& p, size_t oh_begin, size_t oh_end, const uint8_t* x_image, const int8_t* w8,
                 const int32_t* bias, const Qs8EpilogueParams& e, uint8_t* y_image, size_t c0) {
  const size_t channels = p.channels, cp = p.padded_channels, sw = p.stride_w, sh = p.stride_h, out_w = p.out_w;
  const size_t last_c0 = c0 + 16 * (kV - 1);
  const __mmask16 last_mask = kFull ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (channels - last_c0)) - 1);
  // Packed weights (kRowQuads, one row group): bytes [(kj * cp + c) * 4 + i] = W(c, i, kj), byte 3 = 0.
  __m512i upper[kV][3], later[kV][3], next[kV][3], b[kV];
  Requantize16 rq[kV];
  for (size_t v = 0; v < kV; ++v) {
    const size_t cv = c0 + 16 * v;
    for (size_t kj = 0; kj < 3; ++kj) {
      upper[v][kj] = _mm512_loadu_si512(w8 + (kj * cp + cv) * 4);
      later[v][kj] = sh == 1 ? _mm512_slli_epi32(upper[v][kj], 8) : _mm512_slli_epi32(upper[v][kj], 16);
      next[v][kj] = _mm512_srli_epi32(upper[v][kj], 16);
    }
    b[v] = _mm512_loadu_si512(bias + cv);
    rq[v].mask = v + 1 < kV ? __mmask16(0xFFFF) : last_mask;
    rq[v].scale = _mm512_maskz_loadu_ps(rq[v].mask, e.scale + cv);
    rq[v].lo = _mm512_set1_ps(e.lo);
    rq[v].hi = _mm512_set1_ps(e.hi);
    rq[v].zero_point = _mm512_set1_epi32(e.zero_point);
  }
  const __m512i zero_point_quads = _mm512_set1_epi8(static_cast<char>(p.zero_row[0]));
  constexpr size_t kColumns = kBufferColumns / kV;
  const size_t chunk = (kColumns - 3) / sw + 1;  // output pixels whose columns fit the buffer
  __m512i buffers[2][kBufferColumns];
  const size_t row_bytes = out_w * channels;
  for (size_t ow0 = 0; ow0 < out_w; ow0 += chunk) {
    const size_t ow1 = ow0 + chunk < out_w ? ow0 + chunk : out_w, col_begin = ow0 * sw, col_end = (ow1 - 1) * sw + 3;
    const size_t quads_end = (ow1 - ow0) * sw * kV, quads_step = sw * kV;
    // Column quads of the row group of output row oh (its first input row oh * sh - pad_top).
    auto build = [&](size_t oh, __m512i* buf) {
      const long first_row = static_cast<long>(oh * sh) - static_cast<long>(p.pad_top);
      build_columns<kV, kFull>(p, x_image, first_row, c0, col_begin, col_end, last_mask, zero_point_quads, buf);
    };
    __m512i* group = buffers[0];
    __m512i* following = buffers[1];
    bool built = false;  // `group` holds the group of row oh already (stride 2: built as the previous pair's next)
    for (size_t oh = oh_begin; oh < oh_end;) {
      if (!built) build(oh, group);
      uint8_t* y0 = y_image + oh * row_bytes + c0 + ow0 * channels;
      uint8_t* y1 = y0 + row_bytes;
      const bool pair = oh + 1 < oh_end && sh <= 2;
      if (!pair) {
        for (size_t i = 0; i < quads_end; i += quads_step, y0 += channels)
          for (size_t v = 0; v < kV; ++v) rq[v].store(y0 + 16 * v, dot3<kV>(b[v], group + i + v, upper[v]));
        built = false;
        oh += 1;
      } else if (sh == 1) {
        for (size_t i = 0; i < quads_end; i += quads_step, y0 += channels, y1 += channels)
          for (size_t v = 0; v < kV; ++v) {
            rq[v].store(y0 + 16 * v, dot3<kV>(b[v], group + i + v, upper[v]));
            rq[v].store(y1 + 16 * v, dot3<kV>(b[v], group + i + v, later[v]));
          }
        built = false;
        oh += 2;
      } else {
        build(oh + 2, following);
        for (size_t i = 0; i < quads_end; i += quads_step, y0 += channels, y1 += channels)
          for (size_t v = 0; v < kV; ++v) {
            rq[v].store(y0 + 16 * v, dot3<kV>(b[v], group + i + v, upper[v]));
            rq[v].store(y1 + 16 * v, dot3<kV>(dot3<kV>(b[v], group + i + v, later[v]), following + i + v, next[v]));
          }
        __m512i* t = group;
        group = following;
        following = t;
        built = true;
        oh += 2;
      }
    }
  }
}

}  // namespace

void qs8_dwconv_ukernel_3x3c16__avx512vnni(const Qs8DwconvParams& p, size_t oh_begin, size_t oh_end,
                                           const uint8_t* x_image, const int16_t* w, const int32_t* bias,
                                           const Qs8EpilogueParams& e, uint8_t* y_image) {
  if (p.out_w == 0 || oh_begin >= oh_end) return;
  const int8_t* w8 = reinterpret_cast<const int8_t*>(w);
  const size_t channels = p.channels;
  size_t c0 = 0;
  for (; c0 + 32 <= channels; c0 += 32) vector_rows<2, true>(p, oh_begin, oh_end, x_image, w8, bias, e, y_image, c0);
  if (channels - c0 > 16) vector_rows<2, false>(p, oh_begin, oh_end, x_image, w8, bias, e, y_image, c0);
  else if (channels - c0 == 16) vector_rows<1, true>(p, oh_begin, oh_end, x_image, w8, bias, e, y_image, c0);
  else if (channels > c0) vector_rows<1, false>(p, oh_begin, oh_end, x_image, w8, bias, e, y_image, c0);
}

}  // namespace sparq

// int8 depthwise convolution, AVX-512 VNNI: the window's rows in groups of four. Each input column an output row reads
// is turned once into per-channel u8 quads (rows 4g..4g+3 of the window, one dword per channel), so every output pixel
// adds one vpdpbusd per kernel column and 16 channels: 3 per 16 channels for 3x3 (the old kernel widened each tap to
// s16 and needed 2 vpmaddwd + 2 adds per tap and 32 channels). A stride-1 column is shared by kernel_w pixels.
// 64 channels per block with masked tails (16, 72, 120 channels waste no 16-channel vector).
// GCC 12's AVX-512 headers start conversions from _mm512_undefined_*(), which -Wall reports as uninitialized.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <vector>

#include "kernels/qs8-dwconv/qs8-dwconv.h"

namespace sparq {
namespace {

inline __mmask64 byte_mask(size_t n) { return n >= 64 ? ~__mmask64(0) : (__mmask64(1) << n) - 1; }
inline __mmask16 dword_mask(size_t n) { return n >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1); }

// Quads of 64 channels from four rows (u8 each): quads[16q + i] (dwords) = (r0, r1, r2, r3) of channel 16q + i.
// Moving dword d of each row to lane d % 4, position d / 4 first makes the in-lane byte and word unpacks come out in
// channel order: lane L of unpack*_epi16 then holds channels 4L..4L+3 of its 16-channel vector.
template <size_t kVectors>
inline void make_quads(const __m512i r[4], uint8_t* dst) {
  const __m512i lanes = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i r0 = _mm512_permutexvar_epi32(lanes, r[0]), r1 = _mm512_permutexvar_epi32(lanes, r[1]);
  const __m512i r2 = _mm512_permutexvar_epi32(lanes, r[2]), r3 = _mm512_permutexvar_epi32(lanes, r[3]);
  const __m512i a = _mm512_unpacklo_epi8(r0, r1), c = _mm512_unpacklo_epi8(r2, r3);
  _mm512_storeu_si512(dst, _mm512_unpacklo_epi16(a, c));
  if (kVectors > 1) _mm512_storeu_si512(dst + 64, _mm512_unpackhi_epi16(a, c));
  if (kVectors > 2) {
    const __m512i b = _mm512_unpackhi_epi8(r0, r1), d = _mm512_unpackhi_epi8(r2, r3);
    _mm512_storeu_si512(dst + 128, _mm512_unpacklo_epi16(b, d));
    if (kVectors > 3) _mm512_storeu_si512(dst + 192, _mm512_unpackhi_epi16(b, d));
  }
}

// Quads of one 64-channel block (at c0, n channels) for the input columns [first, end) of one row group: row i
// reads base[i] + iw * step[i] (step 0 for a padding or filler row, which reads the zero-point row).
template <size_t kVectors>
inline void build_columns(const uint8_t* const base[4], const size_t step[4], size_t n, size_t first, size_t end,
                          size_t pad_left, size_t column_bytes, uint8_t* dst) {
  const __mmask64 mask = byte_mask(n);
  for (size_t col = first; col < end; ++col) {
    const size_t iw = col - pad_left;
    __m512i r[4];
    for (size_t i = 0; i < 4; ++i) r[i] = _mm512_maskz_loadu_epi8(mask, base[i] + iw * step[i]);
    make_quads<kVectors>(r, dst + col * column_bytes);
  }
}

// One 64-channel block of one output pixel: kVectors (1..4) 16-channel accumulators, n (<= 64) channels stored.
struct Steps {
  size_t kernel_w, groups;
  size_t quad_column, quad_group;      // bytes between the quads of kernel columns kj and kj + 1, groups g and g + 1
  size_t weight_column, weight_group;  // the same for the packed weights
};

template <size_t kVectors>
inline void pixel_block(const uint8_t* quad, const int8_t* weight, const Steps& s, const int32_t* bias, size_t n,
                        int32_t* out) {
  __m512i acc[kVectors];
  for (size_t q = 0; q < kVectors; ++q) acc[q] = _mm512_loadu_si512(bias + 16 * q);
  for (size_t g = 0; g < s.groups; ++g) {
    const uint8_t* qg = quad + g * s.quad_group;
    const int8_t* wg = weight + g * s.weight_group;
    for (size_t kj = 0; kj < s.kernel_w; ++kj) {
      const uint8_t* qp = qg + kj * s.quad_column;
      const int8_t* wp = wg + kj * s.weight_column;
      for (size_t q = 0; q < kVectors; ++q)
        acc[q] = _mm512_dpbusd_epi32(acc[q], _mm512_loadu_si512(qp + 64 * q), _mm512_loadu_si512(wp + 64 * q));
    }
  }
  for (size_t q = 0; q < kVectors; ++q) {
    if (n >= 16 * (q + 1)) _mm512_storeu_si512(out + 16 * q, acc[q]);
    else _mm512_mask_storeu_epi32(out + 16 * q, dword_mask(n - 16 * q), acc[q]);
  }
}

// One 64-channel block of a whole output row for windows of at most 4 rows and kKernelW columns: the weights and the
// bias stay in registers across the row's pixels.
template <size_t kKernelW, size_t kVectors>
inline void row_block(const uint8_t* quad, const int8_t* weight, const Steps& s, size_t pixel_step, size_t out_w,
                      const int32_t* bias, size_t n, int32_t* out, size_t out_stride) {
  __m512i w[kKernelW][kVectors], b[kVectors];
  for (size_t q = 0; q < kVectors; ++q) {
    b[q] = _mm512_loadu_si512(bias + 16 * q);
    for (size_t kj = 0; kj < kKernelW; ++kj) w[kj][q] = _mm512_loadu_si512(weight + kj * s.weight_column + 64 * q);
  }
  const __mmask16 last = dword_mask(n - 16 * (kVectors - 1));
  for (size_t ow = 0; ow < out_w; ++ow, quad += pixel_step, out += out_stride) {
    __m512i acc[kVectors];
    for (size_t q = 0; q < kVectors; ++q) acc[q] = b[q];
    for (size_t kj = 0; kj < kKernelW; ++kj)
      for (size_t q = 0; q < kVectors; ++q)
        acc[q] = _mm512_dpbusd_epi32(acc[q], _mm512_loadu_si512(quad + kj * s.quad_column + 64 * q), w[kj][q]);
    for (size_t q = 0; q + 1 < kVectors; ++q) _mm512_storeu_si512(out + 16 * q, acc[q]);
    _mm512_mask_storeu_epi32(out + 16 * (kVectors - 1), last, acc[kVectors - 1]);
  }
}

template <size_t kKernelW>
inline void row_block_3x3ish(const uint8_t* quad, const int8_t* weight, const Steps& s, size_t pixel_step,
                             size_t out_w, const int32_t* bias, size_t n, int32_t* out, size_t out_stride) {
  switch ((n + 15) / 16) {
    case 1: return row_block<kKernelW, 1>(quad, weight, s, pixel_step, out_w, bias, n, out, out_stride);
    case 2: return row_block<kKernelW, 2>(quad, weight, s, pixel_step, out_w, bias, n, out, out_stride);
    case 3: return row_block<kKernelW, 3>(quad, weight, s, pixel_step, out_w, bias, n, out, out_stride);
    default: return row_block<kKernelW, 4>(quad, weight, s, pixel_step, out_w, bias, n, out, out_stride);
  }
}

}  // namespace

void qs8_dwconv_ukernel_c64__avx512vnni(const Qs8DwconvParams& p, size_t oh, const uint8_t* x_image,
                                        const int16_t* w, const int32_t* bias, int32_t* acc) {
  if (p.out_w == 0) return;
  const size_t channels = p.channels, cp = p.padded_channels, kw = p.kernel_w, groups = (p.kernel_h + 3) / 4;
  // Input columns the row reads, relative to the first one (-pad_left), padding columns included.
  const size_t cols = (p.out_w - 1) * p.stride_w + (kw - 1) * p.dilation_w + 1;
  const size_t column_bytes = cp * 4;
  static thread_local std::vector<uint8_t> storage;
  if (storage.size() < groups * cols * column_bytes) storage.resize(groups * cols * column_bytes);
  uint8_t* quads = storage.data();
  // A column outside the input reads the zero point in every row: its quads are that byte everywhere.
  const __m512i zero_point = _mm512_set1_epi8(static_cast<char>(p.zero_row[0]));
  const size_t first = p.pad_left < cols ? p.pad_left : cols;
  const size_t end = p.pad_left + p.in_w < cols ? p.pad_left + p.in_w : cols;
  for (size_t g = 0; g < groups; ++g) {
    uint8_t* group_quads = quads + g * cols * column_bytes;
    for (size_t col = 0; col < cols; ++col) {
      if (col == first) col = end;  // the columns inside the input are built below
      for (size_t b = 0; col < cols && b < column_bytes; b += 64)
        _mm512_storeu_si512(group_quads + col * column_bytes + b, zero_point);
    }
    const uint8_t* base[4];
    size_t step[4];
    for (size_t i = 0; i < 4; ++i) {
      const size_t ki = 4 * g + i;
      const long ih = static_cast<long>(oh * p.stride_h + ki * p.dilation_h) - static_cast<long>(p.pad_top);
      const bool inside = ki < p.kernel_h && ih >= 0 && ih < static_cast<long>(p.in_h);
      // a padding row, or a filler row past kernel_h whose weights are 0, reads the zero-point row
      base[i] = inside ? x_image + static_cast<size_t>(ih) * p.in_w * channels : p.zero_row;
      step[i] = inside ? channels : 0;
    }
    for (size_t c0 = 0; c0 < channels; c0 += 64) {
      const size_t n = channels - c0 < 64 ? channels - c0 : 64;
      const uint8_t* block_base[4] = {base[0] + c0, base[1] + c0, base[2] + c0, base[3] + c0};
      uint8_t* dst = group_quads + c0 * 4;
      switch ((n + 15) / 16) {
        case 1: build_columns<1>(block_base, step, n, first, end, p.pad_left, column_bytes, dst); break;
        case 2: build_columns<2>(block_base, step, n, first, end, p.pad_left, column_bytes, dst); break;
        case 3: build_columns<3>(block_base, step, n, first, end, p.pad_left, column_bytes, dst); break;
        default: build_columns<4>(block_base, step, n, first, end, p.pad_left, column_bytes, dst); break;
      }
    }
  }
  // Packed weights (kRowQuads): bytes [((g * kernel_w + kj) * cp + c) * 4 + i] = W(c, 4g + i, kj).
  const int8_t* w8 = reinterpret_cast<const int8_t*>(w);
  const Steps steps{kw, groups, p.dilation_w * column_bytes, cols * column_bytes, column_bytes, kw * column_bytes};
  if (groups == 1 && kw == 3) {  // 3x3 (and 2x3, 4x3): block-outer, weights in registers
    for (size_t c0 = 0; c0 < channels; c0 += 64) {
      const size_t n = channels - c0 < 64 ? channels - c0 : 64;
      row_block_3x3ish<3>(quads + c0 * 4, w8 + c0 * 4, steps, p.stride_w * column_bytes, p.out_w, bias + c0, n,
                          acc + c0, channels);
    }
    return;
  }
  for (size_t ow = 0; ow < p.out_w; ++ow) {
    const uint8_t* first = quads + ow * p.stride_w * column_bytes;
    int32_t* out = acc + ow * channels;
    for (size_t c0 = 0; c0 < channels; c0 += 64) {
      const size_t n = channels - c0 < 64 ? channels - c0 : 64;
      const uint8_t* qp = first + c0 * 4;
      const int8_t* wp = w8 + c0 * 4;
      switch ((n + 15) / 16) {
        case 1: pixel_block<1>(qp, wp, steps, bias + c0, n, out + c0); break;
        case 2: pixel_block<2>(qp, wp, steps, bias + c0, n, out + c0); break;
        case 3: pixel_block<3>(qp, wp, steps, bias + c0, n, out + c0); break;
        default: pixel_block<4>(qp, wp, steps, bias + c0, n, out + c0); break;
      }
    }
  }
}

}  // namespace sparq

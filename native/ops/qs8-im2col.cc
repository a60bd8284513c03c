// int8 im2col. Undilated rows with short taps (stems, few channels) go through a zero-point-padded copy of the
// input rows the block needs, so every kernel row is one fixed-size copy with no bounds checks; the rest copy each
// kernel row's in-bounds taps with memcpy and fill the taps outside the input with the zero point.
#include "ops/qs8-im2col.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace sparq {

namespace {

// Kernel rows up to this many bytes are copied as whole 16-byte chunks from the padded rows.
constexpr size_t kChunk = 16, kMaxPaddedRowBytes = 256;

// Generic path: per tap bounds checks, libc copies.
void im2col_checked(const ConvGeometry& g, const uint8_t* x, size_t channel_offset, uint8_t zero_point, size_t m0,
                    size_t rows, uint8_t* out, size_t out_stride) {
  const size_t cg = g.group_in(), pixels = g.out_h * g.out_w;
  // Taps of one kernel row that fall inside the input are adjacent pixels when undilated, and then (one group)
  // one contiguous run of bytes: a single memcpy.
  const bool runs = g.dilation_w == 1 && cg == g.in_c;
  for (size_t r = 0; r < rows; ++r) {
    const size_t m = m0 + r, b = m / pixels, p = m % pixels, oh = p / g.out_w, ow = p % g.out_w;
    const uint8_t* image = x + b * g.in_h * g.in_w * g.in_c + channel_offset;
    uint8_t* dst = out + r * out_stride;
    const long ih0 = static_cast<long>(oh * g.stride_h) - static_cast<long>(g.pad_top);
    const long iw0 = static_cast<long>(ow * g.stride_w) - static_cast<long>(g.pad_left);
    for (size_t ki = 0; ki < g.kernel_h; ++ki) {
      const long ih = ih0 + static_cast<long>(ki * g.dilation_h);
      if (ih < 0 || ih >= static_cast<long>(g.in_h)) {
        std::memset(dst, zero_point, g.kernel_w * cg);
        dst += g.kernel_w * cg;
        continue;
      }
      const uint8_t* in_row = image + static_cast<size_t>(ih) * g.in_w * g.in_c;
      if (runs) {
        const long first = std::max(0L, -iw0), last = std::min(static_cast<long>(g.kernel_w), static_cast<long>(g.in_w) - iw0);
        if (first < last) {
          std::memset(dst, zero_point, static_cast<size_t>(first) * cg);
          std::memcpy(dst + static_cast<size_t>(first) * cg, in_row + static_cast<size_t>(iw0 + first) * cg,
                      static_cast<size_t>(last - first) * cg);
          std::memset(dst + static_cast<size_t>(last) * cg, zero_point, (g.kernel_w - static_cast<size_t>(last)) * cg);
        } else {
          std::memset(dst, zero_point, g.kernel_w * cg);
        }
        dst += g.kernel_w * cg;
        continue;
      }
      for (size_t kj = 0; kj < g.kernel_w; ++kj, dst += cg) {
        const long iw = iw0 + static_cast<long>(kj * g.dilation_w);
        if (iw >= 0 && iw < static_cast<long>(g.in_w))
          std::memcpy(dst, in_row + static_cast<size_t>(iw) * g.in_c, cg);
        else
          std::memset(dst, zero_point, cg);
      }
    }
  }
}

// Fast path: the input rows of each image that the block reads, with pad_left / pad_right zero-point pixels on
// each side and only this group's channels, plus one all-zero-point row for kernel rows above or below the input.
// A kernel row then starts at padded_row + ow * stride_w * cg and is kernel_w * cg contiguous bytes.
void im2col_padded(const ConvGeometry& g, const uint8_t* x, size_t channel_offset, uint8_t zero_point, size_t m0,
                   size_t rows, uint8_t* out, size_t out_stride) {
  const size_t cg = g.group_in(), pixels = g.out_h * g.out_w, run = g.kernel_w * cg;
  const size_t padded_w = g.pad_left + g.in_w + g.pad_right;
  // Chunked reads run up to kChunk - 1 bytes past a row's last tap: slack after every row.
  const size_t row_bytes = padded_w * cg + kChunk;
  const size_t chunks = (run + kChunk - 1) / kChunk;
  const uint8_t* out_end = out + (rows - 1) * out_stride + g.kernel_h * run;
  static thread_local std::vector<uint8_t> padded;
  size_t r = 0;
  while (r < rows) {
    // One image at a time: the output rows [oh_first, oh_last] of this block in image b.
    const size_t m = m0 + r, b = m / pixels, p = m % pixels;
    const size_t image_rows = std::min(rows - r, pixels - p);
    const size_t oh_first = p / g.out_w, oh_last = (p + image_rows - 1) / g.out_w;
    const long ih_lo = static_cast<long>(oh_first * g.stride_h) - static_cast<long>(g.pad_top);
    const long ih_hi = static_cast<long>(oh_last * g.stride_h + (g.kernel_h - 1) * g.dilation_h) - static_cast<long>(g.pad_top);
    const size_t span = static_cast<size_t>(ih_hi - ih_lo + 1);
    // Row `span` is the all-zero-point row.
    if (padded.size() < (span + 1) * row_bytes) padded.resize((span + 1) * row_bytes);
    // thread_local lives behind a TLS lookup in a shared object: take its address once.
    uint8_t* const base = padded.data();
    const uint8_t* image = x + b * g.in_h * g.in_w * g.in_c + channel_offset;
    for (size_t i = 0; i <= span; ++i) {
      uint8_t* pr = base + i * row_bytes;
      const long ih = ih_lo + static_cast<long>(i);
      if (i == span || ih < 0 || ih >= static_cast<long>(g.in_h)) {
        std::memset(pr, zero_point, row_bytes);
        continue;
      }
      std::memset(pr, zero_point, g.pad_left * cg);
      const uint8_t* src = image + static_cast<size_t>(ih) * g.in_w * g.in_c;
      uint8_t* dst = pr + g.pad_left * cg;
      if (cg == g.in_c) {
        std::memcpy(dst, src, g.in_w * cg);
      } else {
        for (size_t iw = 0; iw < g.in_w; ++iw) std::memcpy(dst + iw * cg, src + iw * g.in_c, cg);
      }
      std::memset(dst + g.in_w * cg, zero_point, g.pad_right * cg + kChunk);
    }
    const uint8_t* zero_row = base + span * row_bytes;
    size_t oh = oh_first, ow = p % g.out_w;
    for (size_t i = 0; i < image_rows; ++i, ++r) {
      uint8_t* dst = out + r * out_stride;
      const long ih0 = static_cast<long>(oh * g.stride_h) - static_cast<long>(g.pad_top);
      const size_t col = ow * g.stride_w * cg;
      for (size_t ki = 0; ki < g.kernel_h; ++ki, dst += run) {
        const long ih = ih0 + static_cast<long>(ki * g.dilation_h);
        const uint8_t* src = (ih < 0 || ih >= static_cast<long>(g.in_h))
                                 ? zero_row
                                 : base + static_cast<size_t>(ih - ih_lo) * row_bytes + col;
        // Whole chunks may spill into the next kernel row's bytes, which the next copy then overwrites; only the
        // block's very last kernel row must stop exactly at its end.
        if (dst + chunks * kChunk <= out_end) {
          for (size_t c = 0; c < chunks; ++c) std::memcpy(dst + c * kChunk, src + c * kChunk, kChunk);
        } else {
          std::memcpy(dst, src, run);
        }
      }
      if (++ow == g.out_w) {
        ow = 0;
        ++oh;
      }
    }
  }
}

}  // namespace

void qs8_im2col_rows(const ConvGeometry& g, const uint8_t* x, size_t channel_offset, uint8_t zero_point, size_t m0,
                     size_t rows, uint8_t* out, size_t out_stride) {
  if (rows == 0) return;
  if (g.dilation_w == 1 && g.kernel_w * g.group_in() <= kMaxPaddedRowBytes)
    im2col_padded(g, x, channel_offset, zero_point, m0, rows, out, out_stride);
  else
    im2col_checked(g, x, channel_offset, zero_point, m0, rows, out, out_stride);
}

void qs8_pad_images(const ConvGeometry& g, const uint8_t* x, uint8_t zero_point, uint8_t* out) {
  const size_t c = g.in_c, row_bytes = (g.pad_left + g.in_w + g.pad_right) * c, in_row = g.in_w * c;
  for (size_t b = 0; b < g.batch; ++b) {
    const uint8_t* src = x + b * g.in_h * in_row;
    std::memset(out, zero_point, g.pad_top * row_bytes);
    out += g.pad_top * row_bytes;
    for (size_t h = 0; h < g.in_h; ++h, src += in_row, out += row_bytes) {
      std::memset(out, zero_point, g.pad_left * c);
      std::memcpy(out + g.pad_left * c, src, in_row);
      std::memset(out + g.pad_left * c + in_row, zero_point, g.pad_right * c);
    }
    std::memset(out, zero_point, g.pad_bottom * row_bytes);
    out += g.pad_bottom * row_bytes;
  }
}

}  // namespace sparq

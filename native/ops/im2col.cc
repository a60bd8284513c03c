// im2col in M x K blocks: only the block the GEMM is about to use is materialised, in a per-thread buffer.
#include "ops/im2col.h"

#include <algorithm>
#include <cstring>

#include "ops/aligned-buffer.h"

namespace sparq {

const float* F32Im2colRows::rows(size_t m0, size_t mc, size_t k0, size_t kc, size_t* stride) {
  thread_local AlignedFloats buffer;
  const size_t ld = (kc + 15) / 16 * 16;  // rows start on cache lines
  buffer.resize(mc * ld);
  float* dst = buffer.data();
  const size_t cg = g_.group_in(), pixels = g_.out_h * g_.out_w, kw = g_.kernel_w;
  // With one group and dilation 1 along W, the taps kj..kw-1 of a kernel row are one contiguous run of input.
  const bool runs = cg == g_.in_c && g_.dilation_w == 1;
  const long in_h = static_cast<long>(g_.in_h), in_w = static_cast<long>(g_.in_w);
  // k0 as (kernel row, kernel column, channel); every row starts there, and pixels advance without divisions.
  const size_t tap0 = k0 / cg, c0 = k0 - tap0 * cg, ki0 = tap0 / kw, kj0 = tap0 - ki0 * kw;
  size_t b = m0 / pixels, oh = (m0 % pixels) / g_.out_w, ow = m0 % g_.out_w;
  for (size_t r = 0; r < mc; ++r) {
    const long ih0 = static_cast<long>(oh * g_.stride_h) - static_cast<long>(g_.pad_top);
    const long iw0 = static_cast<long>(ow * g_.stride_w) - static_cast<long>(g_.pad_left);
    const float* image = x_ + b * g_.in_h * g_.in_w * g_.in_c + channel_offset_;
    float* d = dst + r * ld;
    size_t left = kc, ki = ki0, kj = kj0, c = c0;
    while (left > 0) {
      const long ih = ih0 + static_cast<long>(ki * g_.dilation_h);
      const long iw = iw0 + static_cast<long>(kj * g_.dilation_w);
      size_t taps = 1;
      const float* src = nullptr;
      if (ih < 0 || ih >= in_h) {
        taps = kw - kj;  // the rest of this kernel row reads padding
      } else if (iw >= 0 && iw < in_w) {
        if (runs) taps = std::min(kw - kj, static_cast<size_t>(in_w - iw));
        src = image + (static_cast<size_t>(ih) * g_.in_w + static_cast<size_t>(iw)) * g_.in_c + c;
      }
      const size_t len = std::min(taps * cg - c, left);
      if (src) {
        if (len >= 16) std::memcpy(d, src, len * sizeof(float));
        else
          for (size_t i = 0; i < len; ++i) d[i] = src[i];
      } else {
        for (size_t i = 0; i < len; ++i) d[i] = 0.f;
      }
      d += len;
      left -= len;
      c = 0;
      kj += taps;
      if (kj == kw) {
        kj = 0;
        ++ki;
      }
    }
    if (++ow == g_.out_w) {
      ow = 0;
      if (++oh == g_.out_h) {
        oh = 0;
        ++b;
      }
    }
  }
  *stride = ld;
  return dst;
}

}  // namespace sparq

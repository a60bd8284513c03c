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
  const size_t cg = g_.group_in(), pixels = g_.out_h * g_.out_w;
  for (size_t r = 0; r < mc; ++r) {
    const size_t m = m0 + r;
    const size_t b = m / pixels, p = m % pixels;
    const size_t oh = p / g_.out_w, ow = p % g_.out_w;
    const long ih0 = static_cast<long>(oh * g_.stride_h) - static_cast<long>(g_.pad_top);
    const long iw0 = static_cast<long>(ow * g_.stride_w) - static_cast<long>(g_.pad_left);
    const float* image = x_ + b * g_.in_h * g_.in_w * g_.in_c + channel_offset_;
    float* d = dst + r * ld;
    size_t k = k0;
    const size_t k_end = k0 + kc;
    while (k < k_end) {
      const size_t tap = k / cg, c = k % cg;
      const size_t len = std::min(cg - c, k_end - k);
      const size_t ki = tap / g_.kernel_w, kj = tap % g_.kernel_w;
      const long ih = ih0 + static_cast<long>(ki * g_.dilation_h);
      const long iw = iw0 + static_cast<long>(kj * g_.dilation_w);
      if (ih >= 0 && ih < static_cast<long>(g_.in_h) && iw >= 0 && iw < static_cast<long>(g_.in_w)) {
        std::memcpy(d, image + (static_cast<size_t>(ih) * g_.in_w + static_cast<size_t>(iw)) * g_.in_c + c,
                    len * sizeof(float));
      } else {
        std::memset(d, 0, len * sizeof(float));
      }
      d += len;
      k += len;
    }
  }
  *stride = ld;
  return dst;
}

}  // namespace sparq

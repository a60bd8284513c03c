// Portable int8 global average pool: 64-channel blocks of u32 sums (the compiler vectorizes the channel loop), then
// the float recipe of qu8-gavgpool.h one channel at a time.
#include <algorithm>

#include "kernels/qu8-gavgpool/qu8-gavgpool.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {

void qu8_gavgpool_ukernel__scalar(size_t rows, size_t channels, const uint8_t* x, const Qu8GavgpoolParams& p,
                                  uint8_t* y) {
  constexpr size_t kBlock = 64;
  const int64_t offset = static_cast<int64_t>(rows) * p.x_zero_point;
  const float count = static_cast<float>(rows);
  for (size_t c0 = 0; c0 < channels; c0 += kBlock) {
    const size_t w = std::min(kBlock, channels - c0);
    uint32_t sum[kBlock] = {};
    const uint8_t* in = x + c0;
    for (size_t i = 0; i < rows; ++i, in += channels)
      for (size_t c = 0; c < w; ++c) sum[c] += in[c];
    for (size_t c = 0; c < w; ++c) {
      const float real = static_cast<float>(static_cast<int64_t>(sum[c]) - offset) * p.x_scale;
      y[c0 + c] = static_cast<uint8_t>(quantize_scaled(real / count / p.y_scale, p.lo, p.hi, p.y_zero_point));
    }
  }
}

}  // namespace sparq

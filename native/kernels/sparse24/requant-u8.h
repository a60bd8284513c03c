// Requantization parameters of the int8 Winograd and 2:4 kernels: u8 = clamp(round_half_even(acc * scale[n]) + zp).
#pragma once
#include <cstdint>

namespace sparq {

struct Requant8 {
  const float* scale = nullptr;  // per output channel
  int32_t output_zero_point = 0;
  int32_t qmin = 0, qmax = 255;  // the fused activation as a clamp on the u8 range
};

}  // namespace sparq

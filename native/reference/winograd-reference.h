// Plain references for the Winograd kernels: direct 3x3 conv (fp32 and u8/s8) and a scalar int8 F(2,3) Winograd.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/sparse24/requant-u8.h"
#include "kernels/winograd/winograd-f23.h"

namespace sparq {

// Direct 3x3 stride-1 conv on NHWC, w OIHW [M, C, 3, 3], accumulated in double; bias may be null.
void conv3x3_nhwc_f32_reference(const WinogradF23Problem& p, const float* x, const float* w, const float* bias,
                                const ActivationParams& act, float* y);

// y = clamp(lrint(float(acc) * scale) + zero_point): float product, round half to even.
uint8_t requantize_u8_reference(int32_t acc, float scale, const Requant8& rq);

// Direct 3x3 conv: x u8 with zero point, w s8 OIHW (symmetric), bias s32 (may be null) -> u8.
// acc_out (optional, batch*out_h*out_w*M) receives the s32 accumulators before requantization.
void conv3x3_nhwc_qu8_reference(const WinogradF23Problem& p, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                                const int32_t* bias, const Requant8& rq, uint8_t* y, int32_t* acc_out);

// Scalar int8 Winograd F(2,3) with the scaled 2G weight transform (int16), int16 input tiles, int32 products and
// output transform, exact division by 4, then the same requantization. Same outputs as the direct conv whenever
// channels <= kWinogradQu8MaxChannels.
void winograd_f23_qu8_reference(const WinogradF23Problem& p, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                                const int32_t* bias, const Requant8& rq, uint8_t* y, int32_t* acc_out);

}  // namespace sparq

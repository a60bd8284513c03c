// Body of the NEON int8 GEMM microkernels: u8 -> s16 and s8 -> s16, then smlal by lane (s16 x s16 -> s32, exact).
// Include only from -neon.cc files.
#pragma once
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

// One depth value L of 8 held in va: 16 weights (one row of the c1 panel) times lane L of each A row.
template <int L, size_t MR>
inline void qs8_mlal_step(int32x4_t (&vacc)[MR][4], const int16x8_t (&va)[MR], const int8_t*& w) {
  const int8x16_t vb = vld1q_s8(w);
  w += 16;
  const int16x8_t lo = vmovl_s8(vget_low_s8(vb));
  const int16x8_t hi = vmovl_high_s8(vb);
  for (size_t i = 0; i < MR; ++i) {
    vacc[i][0] = vmlal_laneq_s16(vacc[i][0], vget_low_s16(lo), va[i], L);
    vacc[i][1] = vmlal_high_laneq_s16(vacc[i][1], lo, va[i], L);
    vacc[i][2] = vmlal_laneq_s16(vacc[i][2], vget_low_s16(hi), va[i], L);
    vacc[i][3] = vmlal_high_laneq_s16(vacc[i][3], hi, va[i], L);
  }
}

template <size_t MR>
inline void qs8_mlal_eight(int32x4_t (&vacc)[MR][4], const int16x8_t (&va)[MR], const int8_t*& w) {
  qs8_mlal_step<0>(vacc, va, w);
  qs8_mlal_step<1>(vacc, va, w);
  qs8_mlal_step<2>(vacc, va, w);
  qs8_mlal_step<3>(vacc, va, w);
  qs8_mlal_step<4>(vacc, va, w);
  qs8_mlal_step<5>(vacc, va, w);
  qs8_mlal_step<6>(vacc, va, w);
  qs8_mlal_step<7>(vacc, va, w);
}

// MR rows x 16 columns; weights packed c1 (one depth value per byte), depth padded with zeros to a multiple of 8.
template <size_t MR>
inline void qs8_gemm_mlal_neon(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                               int32_t* acc) {
  const uint8_t* rows[MR];
  rows[0] = static_cast<const uint8_t*>(a);
  for (size_t i = 1; i < MR; ++i) rows[i] = i < mr ? rows[i - 1] + a_stride : rows[i - 1];
  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  int32x4_t vacc[MR][4];
  for (size_t j = 0; j < 4; ++j) vacc[0][j] = vld1q_s32(bias + 4 * j);
  for (size_t i = 1; i < MR; ++i)
    for (size_t j = 0; j < 4; ++j) vacc[i][j] = vacc[0][j];
  const int8_t* w = reinterpret_cast<const int8_t*>(bias + 16);
  size_t kk = k;
  int16x8_t va[MR];
  for (; kk >= 8; kk -= 8) {
    for (size_t i = 0; i < MR; ++i) {
      va[i] = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(rows[i])));
      rows[i] += 8;
    }
    qs8_mlal_eight(vacc, va, w);
  }
  if (kk != 0) {
    for (size_t i = 0; i < MR; ++i) {
      uint8_t tail[8] = {0};
      std::memcpy(tail, rows[i], kk);
      va[i] = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(tail)));
    }
    qs8_mlal_eight(vacc, va, w);
  }
  for (size_t i = 0; i < MR; ++i)
    for (size_t j = 0; j < 4; ++j) vst1q_s32(acc + i * 16 + 4 * j, vacc[i][j]);
}

}  // namespace
}  // namespace sparq

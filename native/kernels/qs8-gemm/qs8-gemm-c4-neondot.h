// Body of the NEON dot-product int8 GEMM microkernels (sdot; sudot with i8mm), 4 depth values per s32 lane.
// sdot is s8 x s8 only, so without i8mm the kernel feeds (a - 128) as s8 and the packing adds 128 * colsum(W) to
// the bias (Qs8PackSpec::a_offset = 128); with i8mm, sudot multiplies s8 weights by u8 activations directly.
// Include only from -neondot.cc / -neoni8mm.cc files.
#pragma once
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

template <bool kUnsigned>
struct Qs8DotOperand;
template <>
struct Qs8DotOperand<false> {  // sdot: activations shifted to s8
  using Type = int8x8_t;
  static Type load(const uint8_t* p) { return vreinterpret_s8_u8(veor_u8(vld1_u8(p), vdup_n_u8(0x80))); }
  template <int L>
  static int32x4_t dot(int32x4_t acc, int8x16_t w, Type a) { return vdotq_lane_s32(acc, w, a, L); }
};
#if defined(__ARM_FEATURE_MATMUL_INT8)
template <>
struct Qs8DotOperand<true> {  // sudot: activations as they are
  using Type = uint8x8_t;
  static Type load(const uint8_t* p) { return vld1_u8(p); }
  template <int L>
  static int32x4_t dot(int32x4_t acc, int8x16_t w, Type a) { return vsudotq_lane_s32(acc, w, a, L); }
};
#endif

// One group of 4 depth values (lane L of the 8 A bytes of each row) times 16 columns x 4 weights.
template <bool kUnsigned, int L, size_t MR>
inline void qs8_dot_group(int32x4_t (&vacc)[MR][4], const typename Qs8DotOperand<kUnsigned>::Type (&va)[MR],
                          const int8_t*& w) {
  int8x16_t vb[4];
  for (size_t j = 0; j < 4; ++j) vb[j] = vld1q_s8(w + 16 * j);
  w += 64;
  for (size_t i = 0; i < MR; ++i)
    for (size_t j = 0; j < 4; ++j) vacc[i][j] = Qs8DotOperand<kUnsigned>::template dot<L>(vacc[i][j], vb[j], va[i]);
}

// MR rows x 16 columns; weights packed c4, depth padded with zeros to a multiple of 4.
template <bool kUnsigned, size_t MR>
inline void qs8_gemm_c4_dot(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                            int32_t* acc) {
  using Op = Qs8DotOperand<kUnsigned>;
  const uint8_t* rows[MR];
  rows[0] = static_cast<const uint8_t*>(a);
  for (size_t i = 1; i < MR; ++i) rows[i] = i < mr ? rows[i - 1] + a_stride : rows[i - 1];
  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  int32x4_t vacc[MR][4];
  for (size_t j = 0; j < 4; ++j) vacc[0][j] = vld1q_s32(bias + 4 * j);
  for (size_t i = 1; i < MR; ++i)
    for (size_t j = 0; j < 4; ++j) vacc[i][j] = vacc[0][j];
  const int8_t* w = reinterpret_cast<const int8_t*>(bias + 16);
  typename Op::Type va[MR];
  size_t kk = k;
  for (; kk >= 8; kk -= 8) {
    for (size_t i = 0; i < MR; ++i) {
      va[i] = Op::load(rows[i]);
      rows[i] += 8;
    }
    qs8_dot_group<kUnsigned, 0>(vacc, va, w);
    qs8_dot_group<kUnsigned, 1>(vacc, va, w);
  }
  if (kk != 0) {
    // 1..7 depth values left: the packed weights hold round_up(kk, 4) more (zeros past k), whatever A holds there.
    for (size_t i = 0; i < MR; ++i) {
      uint8_t tail[8] = {0};
      std::memcpy(tail, rows[i], kk);
      va[i] = Op::load(tail);
    }
    qs8_dot_group<kUnsigned, 0>(vacc, va, w);
    if (kk > 4) qs8_dot_group<kUnsigned, 1>(vacc, va, w);
  }
  for (size_t i = 0; i < MR; ++i)
    for (size_t j = 0; j < 4; ++j) vst1q_s32(acc + i * 16 + 4 * j, vacc[i][j]);
}

}  // namespace
}  // namespace sparq

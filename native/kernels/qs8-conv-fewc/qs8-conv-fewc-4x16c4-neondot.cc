// NEON dot-product few-channel direct conv kernel, 4 pixels x 16 output channels: the 4 pixels' input dwords of a
// depth group sit in the 4 lanes of one register and sdot by lane multiplies them by 16 channels x 4 weights.
// sdot is s8 x s8: inputs are fed as (x - 128) and the packing adds 128 * sum(W) to the bias (a_offset = 128).
#include <arm_neon.h>

#include <cstring>

#include "kernels/qs8-conv-fewc/qs8-conv-fewc.h"

namespace sparq {

namespace {

template <int L>
inline void dot_lane(int32x4_t (&acc)[4], const int8x16_t (&w)[4], int8x16_t a) {
  for (size_t j = 0; j < 4; ++j) acc[j] = vdotq_laneq_s32(acc[j], w[j], a, L);
}

}  // namespace

void qs8_conv_fewc_ukernel_4x16c4__neondot(const Qs8FewcRowArgs& args) {
  const int32_t* bias = static_cast<const int32_t*>(args.packed);
  const int8_t* w0 = reinterpret_cast<const int8_t*>(bias + 16);
  int32x4_t vbias[4];
  for (size_t j = 0; j < 4; ++j) vbias[j] = vld1q_s32(bias + 4 * j);
  const uint8x16_t flip = vdupq_n_u8(0x80);
  for (size_t p0 = 0; p0 < args.pixels; p0 += 4) {
    const size_t mr = args.pixels - p0 < 4 ? args.pixels - p0 : 4;
    size_t offset[4];
    for (size_t i = 0; i < 4; ++i) offset[i] = (p0 + (i < mr ? i : mr - 1)) * args.pixel_step;
    int32x4_t acc[4][4];
    for (size_t i = 0; i < 4; ++i)
      for (size_t j = 0; j < 4; ++j) acc[i][j] = vbias[j];
    const int8_t* w = w0;
    for (size_t ki = 0; ki < args.kernel_h; ++ki) {
      const uint8_t* row = args.rows[ki];
      for (size_t d = 0; d < args.dwords; ++d, row += 4, w += 64) {
        int8x16_t vw[4];
        for (size_t j = 0; j < 4; ++j) vw[j] = vld1q_s8(w + 16 * j);
        uint32_t dwords[4];
        for (size_t i = 0; i < 4; ++i) std::memcpy(&dwords[i], row + offset[i], 4);
        const int8x16_t a = vreinterpretq_s8_u8(veorq_u8(vreinterpretq_u8_u32(vld1q_u32(dwords)), flip));
        dot_lane<0>(acc[0], vw, a);
        dot_lane<1>(acc[1], vw, a);
        dot_lane<2>(acc[2], vw, a);
        dot_lane<3>(acc[3], vw, a);
      }
    }
    for (size_t i = 0; i < mr; ++i)
      for (size_t j = 0; j < 4; ++j) vst1q_s32(args.acc + (p0 + i) * args.acc_stride + 4 * j, acc[i][j]);
  }
}

}  // namespace sparq

// Packs 2:4 fp32 weights into the GEMV stream: 16-channel blocks, per group two value vectors and one index byte each.
#include "kernels/f32-gemv/f32-gemv.h"

namespace sparq {

F32GemvSparse24Packed f32_gemv_sparse24_pack(const Sparse24Matrix<float>& w, const float* bias) {
  constexpr size_t B = kF32Sparse24GemvBlock;
  F32GemvSparse24Packed p;
  p.n = w.rows;
  p.k = w.cols;
  p.groups = w.groups;
  p.blocks = (w.rows + B - 1) / B;
  // vals = blocks x groups x 2 x 16, meta = blocks x groups x 16; padded channels hold value 0, index 0.
  p.vals.assign(p.blocks * p.groups * 2 * B, 0.f);
  p.meta.assign(p.blocks * p.groups * B, 0);
  p.bias.assign(p.blocks * B, 0.f);
  for (size_t n = 0; n < w.rows; ++n) {
    if (bias) p.bias[n] = bias[n];
    const size_t blk = n / B, lane = n % B;
    for (size_t g = 0; g < w.groups; ++g) {
      const size_t at = (blk * p.groups + g) * 2 * B + lane;
      p.vals[at] = w.value(n, g, 0);
      p.vals[at + B] = w.value(n, g, 1);
      p.meta[(blk * p.groups + g) * B + lane] = static_cast<uint8_t>(w.index(n, g, 0) | (w.index(n, g, 1) << 2));
    }
  }
  return p;
}

}  // namespace sparq

// Packs 2:4 s8 weights for the byte-permute sparse GEMM kernels: kept values + vpermb positions per pair of groups.
#include "kernels/sparse24/sparse24-gemm.h"

namespace sparq {

QU8Sparse24Packed qu8_sparse24_pack(const Sparse24Matrix<int8_t>& w, const int32_t* bias, int32_t x_zero_point) {
  QU8Sparse24Packed p;
  p.n = w.rows;
  p.k = w.cols;
  p.n_padded = (w.rows + 15) / 16 * 16;
  p.chunks = (w.cols + 63) / 64;
  p.x_zero_point = x_zero_point;
  const size_t blocks = p.n_padded / 16;
  // dst = blocks x chunks x 8 pairs x (64 value bytes, 64 position bytes); padded K and channels have value 0.
  p.data.assign(blocks * p.chunks * 8 * 128, 0);
  p.bias_folded.assign(p.n_padded, 0);
  for (size_t n = 0; n < w.rows; ++n) {
    int64_t sum = 0;
    for (size_t g = 0; g < w.groups; ++g) sum += w.value(n, g, 0) + w.value(n, g, 1);
    p.bias_folded[n] = static_cast<int32_t>((bias ? bias[n] : 0) - static_cast<int64_t>(x_zero_point) * sum);
    const size_t b = n / 16, lane = n % 16;
    for (size_t c = 0; c < p.chunks; ++c) {
      for (size_t q = 0; q < 8; ++q) {
        uint8_t* vals = p.data.data() + ((b * p.chunks + c) * 8 + q) * 128;
        uint8_t* perm = vals + 64;
        for (size_t half = 0; half < 2; ++half) {
          const size_t g = c * 16 + 2 * q + half;
          for (size_t slot = 0; slot < 2; ++slot) {
            const size_t byte = lane * 4 + half * 2 + slot;
            if (g < w.groups) {
              vals[byte] = static_cast<uint8_t>(w.value(n, g, slot));
              perm[byte] = static_cast<uint8_t>(8 * q + 4 * half + w.index(n, g, slot));
            } else {
              perm[byte] = static_cast<uint8_t>(8 * q + 4 * half);
            }
          }
        }
      }
    }
  }
  // Padded channels still need in-range positions.
  for (size_t n = w.rows; n < p.n_padded; ++n) {
    const size_t b = n / 16, lane = n % 16;
    for (size_t c = 0; c < p.chunks; ++c)
      for (size_t q = 0; q < 8; ++q)
        for (size_t byte = 0; byte < 4; ++byte)
          p.data[((b * p.chunks + c) * 8 + q) * 128 + 64 + lane * 4 + byte] = static_cast<uint8_t>(8 * q);
  }
  return p;
}

}  // namespace sparq

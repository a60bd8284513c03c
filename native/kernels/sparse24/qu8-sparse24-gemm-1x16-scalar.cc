// Portable 2:4 int8 sparse GEMM over the byte-permute packing: one row x 16 channels, exact s32, float requantize.
#include <cmath>

#include "kernels/sparse24/sparse24-gemm.h"

namespace sparq {

void qu8_sparse24_gemm_1x16__scalar(const uint8_t* x, size_t ldx, const QU8Sparse24Packed& w, const Requant8& rq,
                                    uint8_t* y, size_t ldy, size_t row_begin, size_t row_end, int32_t* acc_out) {
  const size_t blocks = w.n_padded / 16;
  uint8_t chunk[64];
  for (size_t m = row_begin; m < row_end; ++m) {
    const uint8_t* xr = x + m * ldx;
    for (size_t b = 0; b < blocks; ++b) {
      int32_t acc[16];
      for (size_t j = 0; j < 16; ++j) acc[j] = w.bias_folded[b * 16 + j];
      for (size_t c = 0; c < w.chunks; ++c) {
        // X beyond K reads as zero (its weights are zero too).
        for (size_t i = 0; i < 64; ++i) chunk[i] = c * 64 + i < w.k ? xr[c * 64 + i] : 0;
        for (size_t q = 0; q < 8; ++q) {
          const uint8_t* vals = w.data.data() + ((b * w.chunks + c) * 8 + q) * 128;
          const uint8_t* perm = vals + 64;
          for (size_t j = 0; j < 16; ++j)
            for (size_t t = 0; t < 4; ++t)
              acc[j] += static_cast<int32_t>(chunk[perm[j * 4 + t]]) * static_cast<int8_t>(vals[j * 4 + t]);
        }
      }
      for (size_t j = 0; j < 16 && b * 16 + j < w.n; ++j) {
        const size_t n = b * 16 + j;
        if (acc_out) acc_out[m * w.n + n] = acc[j];
        const long q = std::lrintf(static_cast<float>(acc[j]) * rq.scale[n]) + rq.output_zero_point;
        y[m * ldy + n] = static_cast<uint8_t>(q < rq.qmin ? rq.qmin : q > rq.qmax ? rq.qmax : q);
      }
    }
  }
}

}  // namespace sparq

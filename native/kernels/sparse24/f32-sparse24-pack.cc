// Packs 2:4 fp32 weights for the row-vectorized sparse GEMM kernels (nr output channels per block).
#include "kernels/sparse24/sparse24-gemm.h"

namespace sparq {

F32Sparse24Packed f32_sparse24_pack(const Sparse24Matrix<float>& w, const float* bias, size_t nr) {
  F32Sparse24Packed p;
  p.n = w.rows;
  p.k = w.cols;
  p.groups = w.groups;
  p.nr = nr;
  p.n_padded = (w.rows + nr - 1) / nr * nr;
  // dst = N/nr x groups x nr x 2 (values and indices alike); padded channels keep value 0, index 0.
  p.vals.assign(p.n_padded * p.groups * 2, 0.f);
  p.idx.assign(p.n_padded * p.groups * 2, 0);
  p.bias.assign(p.n_padded, 0.f);
  for (size_t n = 0; n < w.rows; ++n) {
    if (bias) p.bias[n] = bias[n];
    for (size_t g = 0; g < w.groups; ++g) {
      for (size_t s = 0; s < 2; ++s) {
        const size_t at = (((n / nr) * p.groups + g) * nr + n % nr) * 2 + s;
        p.vals[at] = w.value(n, g, s);
        p.idx[at] = static_cast<uint8_t>(w.index(n, g, s));
      }
    }
  }
  return p;
}

size_t f32_sparse24_workspace_floats(const F32Sparse24Packed& w, size_t rows_per_block) {
  return rows_per_block * (4 * w.groups + w.n_padded) + 64;
}

void sparse24_activate_span_portable(float* y, size_t n, const ActivationParams& act) { activate_span(y, n, act); }

}  // namespace sparq

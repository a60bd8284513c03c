// Dense references the 2:4 sparse kernels are checked against (run on the zero-filled dense weights).
#include "reference/sparse24-reference.h"

namespace sparq {

void gemm_nt_f32_reference(size_t m, size_t n, size_t k, const float* x, size_t ldx, const float* w,
                           const float* bias, const ActivationParams& act, float* y, size_t ldy) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double acc = bias ? bias[j] : 0.0;
      for (size_t kk = 0; kk < k; ++kk) acc += static_cast<double>(x[i * ldx + kk]) * w[j * k + kk];
      y[i * ldy + j] = activate(static_cast<float>(acc), act);
    }
  }
}

void gemm_nt_qu8_reference(size_t m, size_t n, size_t k, const uint8_t* x, size_t ldx, int32_t x_zero_point,
                           const int8_t* w, const int32_t* bias, const Requant8& rq, uint8_t* y, size_t ldy,
                           int32_t* acc_out) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      int64_t acc = bias ? bias[j] : 0;
      for (size_t kk = 0; kk < k; ++kk) acc += (static_cast<int32_t>(x[i * ldx + kk]) - x_zero_point) * w[j * k + kk];
      const int32_t acc32 = static_cast<int32_t>(acc);
      if (acc_out) acc_out[i * n + j] = acc32;
      y[i * ldy + j] = requantize_u8_reference(acc32, rq.scale[j], rq);
    }
  }
}

}  // namespace sparq

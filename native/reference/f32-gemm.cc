// Plain fp32 GEMM reference: triple loop, double accumulation, epilogue y = act(acc + bias + residual).
#include "reference/f32-gemm.h"

namespace sparq {

void f32_gemm_reference(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb,
                        const float* bias, const float* residual, size_t ldr, float* c, size_t ldc,
                        const ActivationParams& act) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (size_t kk = 0; kk < k; ++kk) acc += static_cast<double>(a[i * lda + kk]) * b[kk * ldb + j];
      if (bias) acc += bias[j];
      if (residual) acc += residual[i * ldr + j];
      c[i * ldc + j] = activate(static_cast<float>(acc), act);
    }
  }
}

}  // namespace sparq

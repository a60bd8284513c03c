// The 2:4 sparse path of the fp32 Conv, Gemm and MatMul ops: constant weights compressed and packed once, rows of
// A (direct or im2col) fed to the 2:4 kernels block by block, bias + residual + activation fused per block.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "kernels/f32-gemv/f32-gemv.h"
#include "kernels/sparse24/sparse24-gemm.h"
#include "ops/f32-gemm-driver.h"
#include "runtime/dispatch-sparse24.h"

namespace sparq {

class F32Sparse24Layer {
 public:
  // B = K x N (element (k, n) at b[k * k_stride + n * n_stride]), scaled by `scale`, must be 2:4 along K (throws
  // PlanError naming `what` otherwise); bias = N values or nullptr. `m` rows per run: a few rows take the GEMV kernel.
  F32Sparse24Layer(const CpuFeatures& features, const float* b, size_t k, size_t n, size_t k_stride, size_t n_stride,
                   float scale, const float* bias, size_t m, const std::string& what);

  // Y[m x N] (row stride ldy) = act(rows * B + bias + residual); make_rows gives each task its own row source.
  void run(ThreadPool* pool, const std::function<std::unique_ptr<F32GemmRows>()>& make_rows, float* y, size_t ldy,
           const float* residual, size_t residual_stride, const ActivationParams& act) const;

  std::string name() const;

 private:
  void run_rows(F32GemmRows& rows, size_t m0, size_t m1, float* y, size_t ldy, const float* residual,
                size_t residual_stride, const ActivationParams& act) const;

  size_t m_ = 0, k_ = 0, n_ = 0;
  F32Sparse24Kernel kernel_{};
  F32Sparse24Packed packed_;
  bool gemv_ = false;
  F32GemvSparse24Kernel gemv_kernel_{};
  F32GemvSparse24Packed gemv_packed_;
};

}  // namespace sparq

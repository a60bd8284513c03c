// The Winograd paths of the fp32 Conv op: F(2,3) for 3x3 stride-1 convs and its polyphase form for stride 2, weights
// transformed and packed once for the GEMM tile that fits the output channels, tiles spread over the threads.
#pragma once
#include <string>

#include "kernels/winograd/winograd-f23.h"
#include "kernels/winograd/winograd-s2.h"
#include "ops/im2col.h"
#include "runtime/dispatch-winograd.h"
#include "runtime/thread-pool.h"

namespace sparq {

class F32WinogradConv {
 public:
  // g must satisfy winograd_applies(g) (ops/conv-algorithm.h) with g.out_h / g.out_w / g.out_c set; w = OIHW
  // [M, C, 3, 3]; bias = M values or nullptr.
  F32WinogradConv(const CpuFeatures& features, const ConvGeometry& g, const float* w, const float* bias);

  // Y = act(conv(X) + bias + residual); residual is Y-shaped NHWC or nullptr.
  void run(ThreadPool* pool, const float* x, const float* residual, float* y, const ActivationParams& act) const;

  // The kernel that runs, e.g. "f32-winograd-s2-8x48-avx512 winograd".
  std::string name() const;

 private:
  bool stride2_ = false;  // the polyphase stride-2 form (winograd_s2_*) rather than F(2,3) (winograd_f23_*)
  WinogradF32Kernel kernel_{};
  WinogradF23Problem problem_;  // both forms share the problem and weight holders
  WinogradF23F32Weights weights_;
};

}  // namespace sparq

// fp32 Conv for inputs with at most 4 channels (stems): the f32-conv-fewc kernels over a planar zero-padded copy of
// the input (one plane per channel and column phase of the stride), so every tap of a pixel pair is two adjacent
// floats and every output lane is a real (pixel, channel): no channel padding of a 32-wide tile for 24 outputs, no
// im2col.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "ops/activation.h"
#include "ops/aligned-buffer.h"
#include "ops/im2col.h"
#include "runtime/dispatch-f32.h"
#include "runtime/thread-pool.h"

namespace sparq {

class F32FewChannelConv {
 public:
  // One group, 1..4 input channels, not an unpadded 1x1 conv (the GEMM reads those rows as they are, or gathered).
  // g.out_* must be set.
  static bool suits(const ConvGeometry& g);
  // The tile `auto` runs this conv with, or nullptr where the direct-conv (f32-dconv) or GEMM paths are faster: only
  // the AVX-512 and AVX2 tiles, for the output-channel counts measured faster (see conv-few-channels.cc).
  static const F32ConvFewcKernelInfo* choose(const CpuFeatures& features, const ConvGeometry& g);
  // That tile's estimated cycles (2 FMAs per cycle, the epilogue per output vector), to pick among one ISA's tiles.
  static double cycles(const F32ConvFewcKernelInfo& kernel, const ConvGeometry& g);

  // weights W [M, C, kh, kw] (ONNX order), bias [M] or nullptr; the geometry must suit.
  F32FewChannelConv(const ConvGeometry& g, const F32ConvFewcKernelInfo& kernel, const float* weights,
                    const float* bias);

  const char* kernel_name() const { return kernel_->name; }

  // y = act(conv(x) + bias + r) in NHWC; r (y's shape) may be nullptr or alias y.
  void run(ThreadPool* pool, const float* x, const float* r, const ActivationParams& act, float* y);

 private:
  void copy_to_planes(ThreadPool* pool, const float* x);

  ConvGeometry g_;
  const F32ConvFewcKernelInfo* kernel_;
  AlignedFloats packed_, bias_, planes_;
  std::vector<size_t> tap_offsets_;
  // Per column phase of the stride: input columns first, first + sw, ... (count of them) go to the phase's plane of
  // channel 0 from `offset` on (a row's offset within its plane added).
  struct PhaseCopy {
    size_t first, count, offset;
  };
  std::vector<PhaseCopy> phases_;
  size_t planes_h_ = 0, planes_w_ = 0;  // rows of the zero-padded input; columns per stride phase
};

}  // namespace sparq

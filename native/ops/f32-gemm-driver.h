// fp32 GEMM driver shared by Conv, ConvTranspose, Gemm and MatMul: B packing, cache blocking, epilogue, threading.
#pragma once
#include <cstddef>
#include <functional>

#include "ops/activation.h"
#include "ops/aligned-buffer.h"
#include "runtime/dispatch-f32.h"
#include "runtime/thread-pool.h"

namespace sparq {

// Floats in the packed form of a K x N matrix for panels of nr columns.
inline size_t f32_gemm_packed_size(size_t k, size_t n, size_t nr) { return ((n + nr - 1) / nr) * nr * k; }

// Packs B (element (k, n) at src[k * k_stride + n * n_stride]), scaled by `scale`, into panels of nr columns.
// src = K x N (any strides), dst = ceil(N/nr) x K x nr, the last panel zero-padded.
void f32_gemm_pack_b(const float* src, size_t k, size_t n, size_t k_stride, size_t n_stride, size_t nr, float scale,
                     float* dst);

// Where the GEMM reads A: rows(m0, mc, k0, kc, &stride) returns a pointer to element (m0, k0) of A whose rows
// are `stride` floats apart, valid for mc rows and kc columns. May fill a per-thread buffer (im2col).
class F32GemmRows {
 public:
  virtual ~F32GemmRows() = default;
  virtual const float* rows(size_t m0, size_t mc, size_t k0, size_t kc, size_t* stride) = 0;
};

// A given in memory: row m at a + m * stride.
class F32DirectRows : public F32GemmRows {
 public:
  F32DirectRows(const float* a, size_t stride) : a_(a), stride_(stride) {}
  const float* rows(size_t m0, size_t, size_t k0, size_t, size_t* stride) override {
    *stride = stride_;
    return a_ + m0 * stride_ + k0;
  }

 private:
  const float* a_;
  size_t stride_;
};

// The epilogue of a GEMM: y = act(acc + bias[n] + residual[m, n]).
struct F32GemmOutput {
  float* c = nullptr;  // element (0, 0); row stride c_stride
  size_t c_stride = 0;
  const float* bias = nullptr;  // padded to whole panels (f32_gemm_packed_size(1, N, nr)); nullptr = none
  const float* residual = nullptr;  // element (0, 0); row stride residual_stride; nullptr = none
  size_t residual_stride = 0;
  const ActivationParams* activation = nullptr;  // nullptr = none
};

// How an activation maps onto the microkernel epilogue: relu/clip clamp inside the kernel (flag + bounds),
// any other activation runs as a post-pass on each finished tile.
struct F32GemmActivationPlan {
  uint32_t clamp_flag = 0;  // kF32GemmClamp or 0
  float min = 0.f, max = 0.f;
  bool post = false;
};
F32GemmActivationPlan f32_gemm_activation_plan(const ActivationParams* act);

// C[m0:m1, n0:n1] for a K-deep product of `a` with the packed B. n0 must be a multiple of kernel.nr.
// Rows m0..m1 are the GEMM's own row numbers (passed to a.rows()).
void f32_gemm_compute(const F32GemmKernelInfo& kernel, const float* packed_b, size_t k, size_t n_total,
                      F32GemmRows& a, size_t m0, size_t m1, size_t n0, size_t n1, const F32GemmOutput& out);

// Splits `batches` GEMMs of m x n outputs (k deep) into tasks over the pool (tile-aligned) and calls
// fn(batch, m0, m1, n0, n1) for each; with one thread, or too little work to share, one task per batch.
void f32_gemm_parallel(ThreadPool* pool, size_t batches, size_t m, size_t n, size_t k, size_t mr, size_t nr,
                       const std::function<void(size_t, size_t, size_t, size_t, size_t)>& fn);

}  // namespace sparq

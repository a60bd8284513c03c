// The 2:4 sparse path of Conv/Gemm/MatMul: a few rows go to the GEMV kernel (weights streamed once), more rows to
// the row-vectorized 2:4 GEMM in blocks of its lane count, each block finished (residual, activation) while hot.
#include "ops/conv-algorithm-sparse24.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "ops/aligned-buffer.h"

namespace sparq {
namespace {

// Rows up to which the GEMV kernel (4 rows per pass over the weights) beats the 16/64-lane GEMM, which leaves
// lanes idle below its block and transposes A and Y.
constexpr size_t kGemvMaxRows = 8;

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

}  // namespace

F32Sparse24Layer::F32Sparse24Layer(const CpuFeatures& features, const float* b, size_t k, size_t n, size_t k_stride,
                                   size_t n_stride, float scale, const float* bias, size_t m, const std::string& what)
    : m_(m), k_(k), n_(n) {
  // dense = N x K row-major (row = output channel), the form the 2:4 format is defined on.
  std::vector<float> dense(n * k);
  for (size_t j = 0; j < n; ++j)
    for (size_t kk = 0; kk < k; ++kk) dense[j * k + kk] = b[kk * k_stride + j * n_stride] * scale;
  const Sparse24Matrix<float> s = sparse24_compress(dense.data(), n, k, what);
  gemv_ = m <= kGemvMaxRows;
  if (gemv_) {
    gemv_kernel_ = f32_sparse24_gemv_kernel(features);
    gemv_packed_ = f32_gemv_sparse24_pack(s, bias);
  } else {
    kernel_ = f32_sparse24_kernel(features);
    packed_ = f32_sparse24_pack(s, bias, kernel_.nr);
  }
}

std::string F32Sparse24Layer::name() const { return gemv_ ? gemv_kernel_.name : kernel_.name; }

void F32Sparse24Layer::run(ThreadPool* pool, const std::function<std::unique_ptr<F32GemmRows>()>& make_rows, float* y,
                           size_t ldy, const float* residual, size_t residual_stride,
                           const ActivationParams& act) const {
  const size_t threads = pool ? static_cast<size_t>(std::max(1, pool->threads())) : 1;
  if (gemv_) {
    std::unique_ptr<F32GemmRows> rows = make_rows();
    size_t stride = 0;
    const float* x = rows->rows(0, m_, 0, k_, &stride);
    // The kernel reads whole groups of 4: pad K with zeros when it is ragged.
    AlignedFloats padded;
    const size_t kp = 4 * gemv_packed_.groups;
    if (kp != k_) {
      padded.resize(m_ * kp);
      for (size_t r = 0; r < m_; ++r) {
        std::memcpy(padded.data() + r * kp, x + r * stride, k_ * sizeof(float));
        std::fill(padded.data() + r * kp + k_, padded.data() + (r + 1) * kp, 0.f);
      }
      x = padded.data();
      stride = kp;
    }
    const F32GemmActivationPlan plan = f32_gemm_activation_plan(&act);
    F32GemvSparse24Args args;
    args.x_stride = stride;
    args.y_stride = ldy;
    args.residual_stride = residual_stride;
    args.min = plan.clamp_flag ? plan.min : -std::numeric_limits<float>::infinity();
    args.max = plan.clamp_flag ? plan.max : std::numeric_limits<float>::infinity();
    const size_t blocks = gemv_packed_.blocks;
    auto body = [&](size_t b0, size_t b1) {
      for (size_t r0 = 0; r0 < m_; r0 += kF32Sparse24GemvMaxRows) {
        F32GemvSparse24Args a = args;
        a.rows = std::min(kF32Sparse24GemvMaxRows, m_ - r0);
        a.x = x + r0 * stride;
        a.y = y + r0 * ldy;
        a.residual = residual ? residual + r0 * residual_stride : nullptr;
        gemv_kernel_.gemv(gemv_packed_, a, b0, b1);
        if (plan.post) {
          const size_t n0 = b0 * kF32Sparse24GemvBlock, n1 = std::min(n_, b1 * kF32Sparse24GemvBlock);
          for (size_t r = 0; r < a.rows; ++r) activate_span(a.y + r * ldy + n0, n1 - n0, act);
        }
      }
    };
    // Each task streams at least 64 KB of weights.
    const size_t block_bytes = gemv_packed_.groups * kF32Sparse24GemvBlock * 9;
    const size_t grain = std::max<size_t>(1, (64u << 10) / std::max<size_t>(1, block_bytes));
    if (threads > 1 && blocks > grain) pool->parallel_for(blocks, std::max(grain, ceil_div(blocks, 4 * threads)), body);
    else body(0, blocks);
    return;
  }
  const size_t block = kernel_.block_rows, tasks = ceil_div(m_, block);
  const ActivationParams none;
  const ActivationParams& kernel_act = residual ? none : act;
  auto body = [&](size_t t0, size_t t1) {
    thread_local AlignedFloats workspace;
    workspace.resize(f32_sparse24_workspace_floats(packed_, block));
    std::unique_ptr<F32GemmRows> rows = make_rows();
    for (size_t t = t0; t < t1; ++t) {
      const size_t m0 = t * block, count = std::min(block, m_ - m0);
      size_t stride = 0;
      const float* x = rows->rows(m0, count, 0, k_, &stride);
      float* yb = y + m0 * ldy;
      kernel_.gemm(count, x, stride, packed_, kernel_act, yb, ldy, workspace.data(), 0, count);
      if (!residual) continue;
      for (size_t r = 0; r < count; ++r) {
        float* yr = yb + r * ldy;
        const float* rr = residual + (m0 + r) * residual_stride;
        for (size_t j = 0; j < n_; ++j) yr[j] += rr[j];
        activate_span(yr, n_, act);
      }
    }
  };
  if (threads > 1 && tasks > 1) pool->parallel_for(tasks, 1, body);
  else body(0, tasks);
}

}  // namespace sparq

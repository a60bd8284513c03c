// fp32 GEMM driver: B panels stay in L2 per K block, an A block of mc x kc stays in L2, a microkernel's A rows in L1.
#include "ops/f32-gemm-driver.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "ops/epilogue.h"

namespace sparq {
namespace {

// Blocking targets (bytes) for this generation of x86 cores (L1d 32-48 KB, L2 1-2 MB).
constexpr size_t kKcMax = 512;              // A tile (mr x kc) of a microkernel call fits L1
constexpr size_t kABlockBytes = 256 << 10;  // A block (mc x kc) in L2
constexpr size_t kBBlockBytes = 1 << 20;    // B block (kc x nc) in L2
constexpr size_t kMinTaskMacs = 1 << 15;

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

}  // namespace

void f32_gemm_pack_b(const float* src, size_t k, size_t n, size_t k_stride, size_t n_stride, size_t nr, float scale,
                     float* dst) {
  // src = K x N (strided), dst = ceil(N/nr) x K x nr
  for (size_t n0 = 0; n0 < n; n0 += nr) {
    const size_t cols = std::min(nr, n - n0);
    for (size_t kk = 0; kk < k; ++kk) {
      const float* s = src + kk * k_stride + n0 * n_stride;
      for (size_t j = 0; j < cols; ++j) dst[j] = s[j * n_stride] * scale;
      for (size_t j = cols; j < nr; ++j) dst[j] = 0.f;
      dst += nr;
    }
  }
}

F32GemmActivationPlan f32_gemm_activation_plan(const ActivationParams* act) {
  F32GemmActivationPlan plan;
  if (!act) return plan;
  switch (act->kind) {
    case Activation::kNone: break;
    case Activation::kRelu:
      plan.clamp_flag = kF32GemmClamp;
      plan.min = 0.f;
      plan.max = std::numeric_limits<float>::infinity();
      break;
    case Activation::kClip:
      plan.clamp_flag = kF32GemmClamp;
      plan.min = act->alpha;
      plan.max = act->beta;
      break;
    default: plan.post = true;
  }
  return plan;
}

void f32_gemm_compute(const F32GemmKernelInfo& kernel, const float* packed_b, size_t k, size_t n_total,
                      F32GemmRows& a, size_t m0, size_t m1, size_t n0, size_t n1, const F32GemmOutput& out) {
  (void)n_total;
  if (m1 <= m0 || n1 <= n0) return;
  const size_t mr = kernel.mr, nr = kernel.nr;
  const size_t panel_stride = k * nr;
  const size_t k_blocks = std::max<size_t>(1, ceil_div(k, kKcMax));
  const size_t kc = std::max<size_t>(1, ceil_div(ceil_div(k, k_blocks), 4) * 4);
  const size_t mc = std::max(mr, (kABlockBytes / (kc * sizeof(float))) / mr * mr);
  const size_t nc = std::max(nr, (kBBlockBytes / (kc * sizeof(float))) / nr * nr);

  const ActivationParams none;
  const ActivationParams& act = out.activation ? *out.activation : none;
  const F32GemmActivationPlan plan = f32_gemm_activation_plan(out.activation);
  F32GemmEpilogue ep;
  ep.min = plan.min;
  ep.max = plan.max;
  const uint32_t clamp_flag = plan.clamp_flag;
  const bool post_activation = plan.post;
  ep.residual_stride = out.residual_stride;

  if (m1 - m0 == 1 && kernel.gemv) {
    // One row: the weights stream from memory once, so the whole K in one pass (no K blocks, no C reloads).
    size_t a_stride = 0;
    const float* ap = a.rows(m0, 1, 0, k, &a_stride);
    ep.bias = out.bias ? out.bias + n0 : nullptr;
    ep.residual = out.residual ? out.residual + m0 * out.residual_stride + n0 : nullptr;
    float* cp = out.c + m0 * out.c_stride + n0;
    kernel.gemv(1, n1 - n0, k, ap, a_stride, packed_b + (n0 / nr) * panel_stride, panel_stride, cp, out.c_stride, ep,
                kF32GemmFirstK | kF32GemmLastK | clamp_flag);
    if (post_activation) epilogue_activate(cp, n1 - n0, act);
    return;
  }
  for (size_t mb = m0; mb < m1; mb += mc) {
    const size_t mcur = std::min(mc, m1 - mb);
    size_t k0 = 0;
    do {
      const size_t kcur = std::min(kc, k - k0);
      const bool last = k0 + kcur >= k;
      const uint32_t flags = (k0 == 0 ? kF32GemmFirstK : 0u) | (last ? (kF32GemmLastK | clamp_flag) : 0u);
      size_t a_stride = 0;
      const float* ap = a.rows(mb, mcur, k0, kcur, &a_stride);
      for (size_t nb = n0; nb < n1; nb += nc) {
        const size_t ncur = std::min(nc, n1 - nb);
        const float* wp = packed_b + (nb / nr) * panel_stride + k0 * nr;
        ep.bias = out.bias ? out.bias + nb : nullptr;
        for (size_t m = 0; m < mcur; m += mr) {
          const size_t rows = std::min(mr, mcur - m);
          float* cp = out.c + (mb + m) * out.c_stride + nb;
          ep.residual = out.residual ? out.residual + (mb + m) * out.residual_stride + nb : nullptr;
          kernel.ukernel(rows, ncur, kcur, ap + m * a_stride, a_stride, wp, panel_stride, cp, out.c_stride, ep, flags);
          if (last && post_activation)
            for (size_t i = 0; i < rows; ++i) epilogue_activate(cp + i * out.c_stride, ncur, act);
        }
      }
      k0 += kcur;
    } while (k0 < k);
  }
}

void f32_gemm_parallel(ThreadPool* pool, size_t batches, size_t m, size_t n, size_t k, size_t mr, size_t nr,
                       const std::function<void(size_t, size_t, size_t, size_t, size_t)>& fn) {
  if (batches == 0 || m == 0 || n == 0) return;
  const size_t threads = pool ? static_cast<size_t>(std::max(1, pool->threads())) : 1;
  // A task below ~32K multiply-adds (a few microseconds) costs more to hand over than to run.
  const size_t max_tasks = std::max<size_t>(1, batches * m * n * std::max<size_t>(k, 1) / kMinTaskMacs);
  const size_t want = std::min(4 * threads, max_tasks);
  if (threads <= 1 || want <= 1) {
    for (size_t b = 0; b < batches; ++b) fn(b, 0, m, 0, n);
    return;
  }
  const size_t units_m = ceil_div(m, mr), units_n = ceil_div(n, nr);
  size_t m_split = std::min(units_m, std::max<size_t>(1, ceil_div(want, batches)));
  const size_t m_chunk = ceil_div(units_m, m_split) * mr;
  m_split = ceil_div(m, m_chunk);
  size_t n_split = 1;
  if (batches * m_split < want) n_split = std::min(units_n, ceil_div(want, batches * m_split));
  const size_t n_chunk = ceil_div(units_n, n_split) * nr;
  n_split = ceil_div(n, n_chunk);
  const size_t tasks = batches * m_split * n_split;
  pool->parallel_for(tasks, 1, [&](size_t begin, size_t end) {
    for (size_t t = begin; t < end; ++t) {
      const size_t b = t / (m_split * n_split);
      const size_t mi = (t / n_split) % m_split, ni = t % n_split;
      const size_t mb = mi * m_chunk, nb = ni * n_chunk;
      fn(b, mb, std::min(m, mb + m_chunk), nb, std::min(n, nb + n_chunk));
    }
  });
}

}  // namespace sparq

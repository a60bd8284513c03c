// The row-blocked 2:4 fp32 GEMM loop shared by every ISA: transpose a block of X rows, run the microkernel over
// L1-sized K blocks and output-channel blocks, then transpose back into Y with bias + activation.
// Included by one file per ISA; the anonymous namespace keeps each copy private to its file.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/sparse24/sparse24-gemm.h"

namespace sparq {
namespace {

// Moves X rows into lanes and back. The portable version; ISA files pass register-transposing ones.
struct F32Sparse24PlainTranspose {
  // xt = KP x stride: lane p is row p of x; K..KP and lanes rows..stride are zero.
  static void to_lanes(const float* x, size_t ldx, size_t rows, size_t K, size_t KP, size_t stride, float* xt) {
    // In 16-K strips so the strip of xt being written (16 x stride floats) stays in L1.
    for (size_t k0 = 0; k0 < KP; k0 += 16) {
      const size_t k1 = std::min(KP, k0 + 16), kv = std::min(K, k1);
      for (size_t p = 0; p < stride; ++p) {
        if (p < rows) {
          const float* xr = x + p * ldx;
          for (size_t k = k0; k < kv; ++k) xt[k * stride + p] = xr[k];
          for (size_t k = std::max(k0, kv); k < k1; ++k) xt[k * stride + p] = 0.f;
        } else {
          for (size_t k = k0; k < k1; ++k) xt[k * stride + p] = 0.f;
        }
      }
    }
  }
  // y[p][n] = acc[n][p] + bias[n] for p < rows, n < N (acc holds NP >= N rows of `stride` lanes).
  static void from_lanes(const float* acc, size_t stride, size_t rows, size_t N, size_t NP, const float* bias,
                         float* y, size_t ldy) {
    for (size_t p = 0; p < rows; ++p) {
      float* yr = y + p * ldy;
      for (size_t n = 0; n < N; ++n) yr[n] = acc[n * stride + p] + bias[n];
    }
  }
};

// NR output channels per microkernel call, VW rows per vector, at most VMAX vectors per block.
template <size_t NR, size_t VW, size_t VMAX, class Transpose = F32Sparse24PlainTranspose>
void f32_sparse24_run(F32Sparse24UkernelFn ukernel, const float* x, size_t ldx, const F32Sparse24Packed& w,
                      const ActivationParams& act, float* y, size_t ldy, float* workspace, size_t row_begin,
                      size_t row_end) {
  constexpr size_t P = VW * VMAX;
  const size_t K = w.k, G = w.groups, KP = 4 * G, N = w.n, NP = w.n_padded, blocks = NP / NR;
  // K groups per block: the block of X^T (4 x groups x P floats) stays in a 32 KB share of L1.
  const size_t kc = std::max<size_t>(1, 32 * 1024 / (4 * sizeof(float) * P));
  // 64-byte aligned so no vector load of a row splits a cache line.
  float* xt = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(workspace) + 63) & ~uintptr_t{63});  // KP x P
  float* acc = xt + KP * P;  // NP x P
  for (size_t r0 = row_begin; r0 < row_end; r0 += P) {
    const size_t rows = std::min(P, row_end - r0);
    const size_t vectors = (rows + VW - 1) / VW, stride = vectors * VW;
    Transpose::to_lanes(x + r0 * ldx, ldx, rows, K, KP, stride, xt);
    std::memset(acc, 0, NP * stride * sizeof(float));
    for (size_t g0 = 0; g0 < G; g0 += kc) {
      const size_t gc = std::min(kc, G - g0);
      for (size_t b = 0; b < blocks; ++b) {
        const size_t at = (b * G + g0) * NR * 2;
        ukernel(gc, vectors, xt + 4 * g0 * stride, stride, w.vals.data() + at, w.idx.data() + at,
                acc + b * NR * stride);
      }
    }
    Transpose::from_lanes(acc, stride, rows, N, NP, w.bias.data(), y + r0 * ldy, ldy);
    if (act.kind == Activation::kNone) continue;
    for (size_t p = 0; p < rows; ++p) {
      float* yr = y + (r0 + p) * ldy;
      if (act.kind == Activation::kRelu) {
        for (size_t n = 0; n < N; ++n) yr[n] = yr[n] > 0.f ? yr[n] : 0.f;
      } else {
        sparse24_activate_span_portable(yr, N, act);
      }
    }
  }
}

}  // namespace
}  // namespace sparq

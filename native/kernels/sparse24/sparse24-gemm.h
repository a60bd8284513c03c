// 2:4 sparse GEMM: Y[M x N] = X[M x K] * Wᵀ with W [N x K] 2:4 along K, + bias, activation; packed layouts, kernels.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/sparse24/align64-allocator.h"
#include "kernels/sparse24/requant-u8.h"
#include "kernels/sparse24/sparse24-format.h"
#include "ops/activation.h"

namespace sparq {

// fp32 weights packed for the row-vectorized kernels: X is transposed per block of rows so each SIMD lane is one row
// of X (one output pixel); a kept weight is broadcast and multiplies the X^T row its index selects.
// vals = [N/nr blocks][groups][nr][2] floats; idx = same shape, position 0..3 within the group (padded channels 0).
struct F32Sparse24Packed {
  size_t n = 0, k = 0, groups = 0, nr = 0, n_padded = 0;
  Aligned64Vector<float> vals;
  std::vector<uint8_t> idx;
  std::vector<float> bias;  // n_padded
};
F32Sparse24Packed f32_sparse24_pack(const Sparse24Matrix<float>& w, const float* bias, size_t nr);

// acc[nr][lanes] += sum over `groups` groups of vals * xt[4 g + idx][lane], for `lanes` = vectors * vector width rows;
// xt row stride and acc row stride are both `stride` floats.
using F32Sparse24UkernelFn = void (*)(size_t groups, size_t vectors, const float* xt, size_t stride,
                                      const float* vals, const uint8_t* idx, float* acc);

// Rows [row_begin, row_end) of Y; workspace holds f32_sparse24_workspace_floats() floats.
using F32Sparse24GemmFn = void (*)(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                   const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                   size_t row_begin, size_t row_end);
size_t f32_sparse24_workspace_floats(const F32Sparse24Packed& w, size_t rows_per_block);

// activate_span compiled once, portably, for kernel files built with ISA flags.
void sparse24_activate_span_portable(float* y, size_t n, const ActivationParams& act);

void f32_sparse24_ukernel_4x16__scalar(size_t, size_t, const float*, size_t, const float*, const uint8_t*, float*);
void f32_sparse24_gemm_4x16__scalar(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                    const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                    size_t row_begin, size_t row_end);
#if defined(__x86_64__)
void f32_sparse24_ukernel_3x32__avx2(size_t, size_t, const float*, size_t, const float*, const uint8_t*, float*);
void f32_sparse24_gemm_3x32__avx2(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                  const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                  size_t row_begin, size_t row_end);
void f32_sparse24_ukernel_6x64__avx512(size_t, size_t, const float*, size_t, const float*, const uint8_t*, float*);
void f32_sparse24_gemm_6x64__avx512(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                    const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                    size_t row_begin, size_t row_end);
#endif
#if defined(__aarch64__)
void f32_sparse24_ukernel_4x16__neon(size_t, size_t, const float*, size_t, const float*, const uint8_t*, float*);
void f32_sparse24_gemm_4x16__neon(size_t m, const float* x, size_t ldx, const F32Sparse24Packed& w,
                                  const ActivationParams& act, float* y, size_t ldy, float* workspace,
                                  size_t row_begin, size_t row_end);
#endif

// int8: u8 X (zero point) x s8 2:4 W -> exact s32 -> requantized u8. Channels in blocks of 16 (one zmm of s32),
// K in chunks of 64 bytes (one zmm of X); per pair of groups q (8 K) a block holds
//   vals = 16 channels x 4 kept s8 (group 2q slots 0,1 then group 2q+1 slots 0,1) -> the vpdpbusd weight operand;
//   perm = 16 channels x 4 byte positions in the 64-byte X chunk (8q + index, 8q + 4 + index) -> the vpermb control.
// layout: [N/16 blocks][K/64 chunks][8 pairs][64 vals bytes | 64 perm bytes]. The zero point is folded into bias:
// bias_folded[n] = bias[n] - zp * sum_k w[n][k].
struct QU8Sparse24Packed {
  size_t n = 0, k = 0, n_padded = 0, chunks = 0;
  int32_t x_zero_point = 0;
  Aligned64Vector<uint8_t> data;
  std::vector<int32_t> bias_folded;  // n_padded
};
QU8Sparse24Packed qu8_sparse24_pack(const Sparse24Matrix<int8_t>& w, const int32_t* bias, int32_t x_zero_point);

// Rows [row_begin, row_end) of Y = requant(X * Wᵀ); X row stride ldx, Y row stride ldy. acc_out (optional, M x N)
// receives the s32 sums (bias included) for tests.
using QU8Sparse24GemmFn = void (*)(const uint8_t* x, size_t ldx, const QU8Sparse24Packed& w, const Requant8& rq,
                                   uint8_t* y, size_t ldy, size_t row_begin, size_t row_end, int32_t* acc_out);

void qu8_sparse24_gemm_1x16__scalar(const uint8_t* x, size_t ldx, const QU8Sparse24Packed& w, const Requant8& rq,
                                    uint8_t* y, size_t ldy, size_t row_begin, size_t row_end, int32_t* acc_out);
#if defined(__x86_64__)
void qu8_sparse24_gemm_4x32__avx512vbmi(const uint8_t* x, size_t ldx, const QU8Sparse24Packed& w, const Requant8& rq,
                                        uint8_t* y, size_t ldy, size_t row_begin, size_t row_end, int32_t* acc_out);
#endif

}  // namespace sparq

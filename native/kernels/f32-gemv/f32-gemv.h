// fp32 GEMV-class kernels for a few rows of A (batch-1 fully connected layers): memory-bound, so the packed
// weights are streamed once in the order the kernel reads them: the dense GEMV on the GEMM's panels, the 2:4 GEMV.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/f32-gemm/f32-gemm.h"
#include "kernels/sparse24/align64-allocator.h"
#include "kernels/sparse24/sparse24-format.h"

namespace sparq {

// Dense: one row of A against packed GEMM panels of 32 (the F32GemmUkernel contract with mr = 1; a, c strides unused).
#if defined(__x86_64__)
void f32_gemv_ukernel_1x32__avx512(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* w,
                                   size_t w_panel_stride, float* c, size_t c_stride, const F32GemmEpilogue& ep,
                                   uint32_t flags);
#endif

// Output channels per block of the 2:4 GEMV layout (one zmm, two ymm).
constexpr size_t kF32Sparse24GemvBlock = 16;
// Rows of A one kernel call handles (each row's accumulators stay in registers).
constexpr size_t kF32Sparse24GemvMaxRows = 4;

// 2:4 weights for the GEMV: per block of 16 output channels and group g of 4 K,
//   vals = [N/16][groups][2 slots][16 channels] floats (the two kept values of each channel),
//   meta = [N/16][groups][16 channels] bytes: index of slot 0 in bits 0-1, of slot 1 in bits 2-3.
// Half a byte of metadata per kept value: the stream is 4.5/8 of the dense weights' bytes.
struct F32GemvSparse24Packed {
  size_t n = 0, k = 0, groups = 0, blocks = 0;
  Aligned64Vector<float> vals;
  Aligned64Vector<uint8_t> meta;
  std::vector<float> bias;  // blocks * 16, zero-padded
};
F32GemvSparse24Packed f32_gemv_sparse24_pack(const Sparse24Matrix<float>& w, const float* bias);

// Y[rows x N] for channel blocks [block_begin, block_end): y = clamp(x * Wᵀ + bias + residual, min, max).
// rows <= kF32Sparse24GemvMaxRows; every row of x holds 4 * groups floats (K zero-padded to whole groups).
// residual may be nullptr; the clamp covers relu/clip (pass -inf/inf for none).
struct F32GemvSparse24Args {
  size_t rows = 1;
  const float* x = nullptr;
  size_t x_stride = 0;
  float* y = nullptr;
  size_t y_stride = 0;
  const float* residual = nullptr;
  size_t residual_stride = 0;
  float min = 0.f, max = 0.f;
};
using F32GemvSparse24Fn = void (*)(const F32GemvSparse24Packed& w, const F32GemvSparse24Args& a, size_t block_begin,
                                   size_t block_end);

void f32_sparse24_gemv_ukernel_4x16__scalar(const F32GemvSparse24Packed&, const F32GemvSparse24Args&, size_t, size_t);
#if defined(__x86_64__)
void f32_sparse24_gemv_ukernel_4x16__avx2(const F32GemvSparse24Packed&, const F32GemvSparse24Args&, size_t, size_t);
void f32_sparse24_gemv_ukernel_4x16__avx512(const F32GemvSparse24Packed&, const F32GemvSparse24Args&, size_t, size_t);
#endif

}  // namespace sparq

// Packing for the int8 GEMM microkernels: weights once at plan-compile time, activations (AVX2 path) per run.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

// How a microkernel wants its weights. The dispatch entry of each kernel carries its spec.
struct Qs8PackSpec {
  uint32_t nr;            // columns per panel
  uint32_t kr;            // consecutive depth values stored together per column
  uint32_t k_align;       // depth padded with zeros to a multiple of this (a multiple of kr)
  uint32_t weight_bytes;  // 1: s8 as is; 2: widened to s16 (AVX2 vpmaddwd)
  int32_t a_offset;       // the kernel multiplies (a - a_offset) instead of a (128 for sdot on NEON), folded into bias
};

inline size_t qs8_padded_depth(const Qs8PackSpec& s, size_t k) { return (k + s.k_align - 1) / s.k_align * s.k_align; }
inline size_t qs8_panel_count(const Qs8PackSpec& s, size_t n) { return (n + s.nr - 1) / s.nr; }
inline size_t qs8_panel_bytes(const Qs8PackSpec& s, size_t k) {
  return s.nr * sizeof(int32_t) + qs8_padded_depth(s, k) * s.nr * s.weight_bytes;
}
inline size_t qs8_packed_weights_bytes(const Qs8PackSpec& s, size_t k, size_t n) {
  return qs8_panel_count(s, n) * qs8_panel_bytes(s, k);
}

// W(k, n) = w[k * w_k_stride + n * w_n_stride] (K x N row-major: strides N, 1; N x K as in conv OHWI: 1, K).
// Packed panel p (columns p*NR .. p*NR+NR-1; columns past N are zero):
//   int32 bias'[NR], bias'[j] = bias[j] + (a_offset - a_zero_point) * sum_k W(k, j)
//   then for g in 0 .. Kp/KR-1, for j in 0 .. NR-1, for t in 0 .. KR-1: W(g*KR + t, j) as s8 or s16 (0 past K)
// so the kernel's s32 result is bias[j] + sum_k (A[i][k] - a_zero_point) * W(k, j) (mod 2^32).
// `bias` may be null (zeros).
void qs8_pack_gemm_weights(const Qs8PackSpec& spec, size_t k, size_t n, const int8_t* w, size_t w_k_stride,
                           size_t w_n_stride, const int32_t* bias, int32_t a_zero_point, void* packed);

// Widens `rows` rows of u8 activations to u16 for the AVX2 c2 kernel:
//   out[r * out_stride + k] = a[r * a_stride + k] for k < depth, 0 for depth <= k < round_up(depth, 2).
void qs8_pack_a_u16(size_t rows, size_t depth, const uint8_t* a, size_t a_stride, uint16_t* out, size_t out_stride);

}  // namespace sparq

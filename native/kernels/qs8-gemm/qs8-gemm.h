// The int8 GEMM microkernel interface (u8 activations x s8 weights -> s32 tile) and every variant's declaration.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

// Computes one MR x NR tile of s32 accumulators from packed weights:
//   acc[i * NR + j] = packed_bias[j] + sum_k A[i][k] * W[k][j]      (i < MR, j < NR)
// `k` is the true depth (not padded). `a` points at row 0 of the tile; row i starts `a_stride` bytes after row
// i - 1. Rows i >= mr are not read: they repeat row mr - 1 (so their accumulators are valid but unused).
// `a` is raw u8 rows for the c4/c1 kernels, and rows widened to u16 (qs8_pack_a_u16) for the AVX2 c2 kernel.
// `packed_w` points at one NR-column panel written by qs8_pack_gemm_weights with this kernel's spec.
// The whole MR x NR tile is written to `acc` (row stride NR); the caller keeps the rows and columns it needs.
// Arithmetic wraps modulo 2^32 like the hardware; |K| <= 65536 can never wrap for any u8 x s8 data.
using Qs8GemmUkernelFn = void (*)(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                  int32_t* acc);

// The same tile from segmented rows (an implicit im2col): row i of A is `segs` runs of `seg_len` bytes (a multiple
// of 4), run s starting at rows[i] + s * seg_stride; K = segs * seg_len. A convolution passes, per output pixel,
// the start of its window in a zero-point-padded copy of the input (one run per kernel row), so no im2col copy is
// made. rows[i] for i >= mr is not read (row mr - 1 is repeated). Results equal the plain kernel's on the
// concatenated rows.
using Qs8GemmSegUkernelFn = void (*)(size_t mr, size_t segs, size_t seg_len, size_t seg_stride,
                                     const uint8_t* const* rows, const void* packed_w, int32_t* acc);

struct Qs8EpilogueParams;

// The plain kernel with the u8 fast epilogue fused (kernels/qs8-epilogue/qs8-epilogue.h: p.output kUint8, p.fast):
// rows i < mr and columns j < nc of the tile are requantized from registers and written to `out` (row stride
// out_stride bytes), with `scale` pointing at the tile's first column scale. With p.residual_after_requantization
// the tile's residual bytes (`residual`, row stride residual_stride, read only then) are added after requantization.
// Bit-identical to the plain kernel followed by the epilogue of the same ISA, without the s32 tile's trip through
// memory.
using Qs8GemmU8UkernelFn = void (*)(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                    size_t nc, const float* scale, const Qs8EpilogueParams& p,
                                    const uint8_t* residual, size_t residual_stride, uint8_t* out, size_t out_stride);

// The segmented kernel with the u8 fast epilogue fused: rows as for Qs8GemmSegUkernelFn, output as for
// Qs8GemmU8UkernelFn. Bit-identical to the segmented kernel followed by the epilogue of the same ISA.
using Qs8GemmSegU8UkernelFn = void (*)(size_t mr, size_t segs, size_t seg_len, size_t seg_stride,
                                       const uint8_t* const* rows, const void* packed_w, size_t nc, const float* scale,
                                       const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride,
                                       uint8_t* out, size_t out_stride);

// Portable (scalar) fallback.
void qs8_gemm_ukernel_4x8c4__scalar(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_ukernel_1x8c4__scalar(size_t, size_t, const void*, size_t, const void*, int32_t*);

#if defined(__x86_64__) || defined(_M_X64)
// AVX2: u8 widened to u16, weights widened to s16 at pack time, vpmaddwd + vpaddd (exact, never saturates).
void qs8_gemm_ukernel_6x16c2__avx2(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_ukernel_1x16c2__avx2(size_t, size_t, const void*, size_t, const void*, int32_t*);
// AVX-VNNI: vpdpbusd ymm (u8 x s8, exactly our operand types).
void qs8_gemm_ukernel_6x16c4__avxvnni(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_ukernel_1x16c4__avxvnni(size_t, size_t, const void*, size_t, const void*, int32_t*);
// AVX-512 VNNI: vpdpbusd zmm.
void qs8_gemm_ukernel_8x32c4__avx512vnni(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_u8_ukernel_8x32c4__avx512vnni(size_t, size_t, const void*, size_t, const void*, size_t, const float*,
                                            const Qs8EpilogueParams&, const uint8_t*, size_t, uint8_t*, size_t);
void qs8_gemm_u8_ukernel_14x16c4__avx512vnni(size_t, size_t, const void*, size_t, const void*, size_t, const float*,
                                             const Qs8EpilogueParams&, const uint8_t*, size_t, uint8_t*, size_t);
void qs8_gemm_ukernel_1x32c4__avx512vnni(size_t, size_t, const void*, size_t, const void*, int32_t*);
// AVX-512 VNNI narrow variant for N <= 16 (select_qs8_gemm_kernel(features, n)).
void qs8_gemm_ukernel_14x16c4__avx512vnni(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_ukernel_1x16c4__avx512vnni(size_t, size_t, const void*, size_t, const void*, int32_t*);
// Segmented-row variants of the two AVX-512 VNNI kernels (same packing), plain and with the u8 epilogue fused.
void qs8_gemm_seg_ukernel_8x32c4__avx512vnni(size_t, size_t, size_t, size_t, const uint8_t* const*, const void*,
                                             int32_t*);
void qs8_gemm_seg_ukernel_14x16c4__avx512vnni(size_t, size_t, size_t, size_t, const uint8_t* const*, const void*,
                                              int32_t*);
void qs8_gemm_seg_u8_ukernel_8x32c4__avx512vnni(size_t, size_t, size_t, size_t, const uint8_t* const*, const void*,
                                                size_t, const float*, const Qs8EpilogueParams&, const uint8_t*, size_t,
                                                uint8_t*, size_t);
void qs8_gemm_seg_u8_ukernel_14x16c4__avx512vnni(size_t, size_t, size_t, size_t, const uint8_t* const*, const void*,
                                                 size_t, const float*, const Qs8EpilogueParams&, const uint8_t*, size_t,
                                                 uint8_t*, size_t);
// AMX: tdpbusd on 16x64-byte tiles, same panels as the AVX-512 VNNI x32c4 kernels (depth padded to 64). Rows
// below 16 go to the AVX-512 VNNI kernels. Call qs8_gemm_amx_begin() on a thread before its first tile (loads the
// tile configuration) and qs8_gemm_amx_end() after its last.
void qs8_gemm_ukernel_32x32c4__amx(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_amx_begin();
void qs8_gemm_amx_end();
#endif

#if defined(__aarch64__)
// NEON: u8 -> s16, s8 -> s16, smlal by lane (widening multiply-accumulate).
void qs8_gemm_ukernel_4x16__neon(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_ukernel_1x16__neon(size_t, size_t, const void*, size_t, const void*, int32_t*);
// NEON dot product: sdot on (a - 128) x w; the packing folds +128 * colsum(W) into the bias.
void qs8_gemm_ukernel_4x16c4__neondot(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_ukernel_1x16c4__neondot(size_t, size_t, const void*, size_t, const void*, int32_t*);
// i8mm: sudot (s8 weights x u8 activations by lane), no offset needed.
void qs8_gemm_ukernel_4x16c4__neoni8mm(size_t, size_t, const void*, size_t, const void*, int32_t*);
void qs8_gemm_ukernel_1x16c4__neoni8mm(size_t, size_t, const void*, size_t, const void*, int32_t*);
#endif

}  // namespace sparq

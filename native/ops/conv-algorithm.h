// Per-layer algorithm choice of the fp32 Conv/Gemm/MatMul ops at plan-build time: dense GEMM, direct conv, Winograd
// F(2,3) or 2:4 sparse (and the direct-conv tile), from the optional `algorithm` attr ("auto" by default) and a cost model calibrated on measurements.
#pragma once
#include <cstddef>
#include <string>

#include "ops/im2col.h"
#include "runtime/dispatch-f32.h"
#include "runtime/op.h"

namespace sparq {

enum class ConvAlgorithm { kAuto, kGemm, kWinograd, kSparse24 };

// The op's `algorithm` attr; throws PlanError (naming the op) for an unknown name.
ConvAlgorithm read_conv_algorithm(const OpDesc& desc);

// Winograd F(2,3) computes this conv: 3x3, stride 1 or 2 (the polyphase form, winograd-s2.h), dilation 1, one group.
bool winograd_applies(const ConvGeometry& g);
// ...and is expected to beat the dense GEMM paths on it (see the measurements in conv-algorithm.cc).
bool winograd_pays_off(const ConvGeometry& g);

// True when B (element (k, n) at b[k * k_stride + n * n_stride]) has at most two non-zeros in every group of 4
// consecutive k of every column n (a partial last group counts its missing k as zeros).
bool sparse24_along_k(const float* b, size_t k, size_t n, size_t k_stride, size_t n_stride);
// The 2:4 kernels are expected to beat the dense GEMM on an m x n x k product.
bool sparse24_pays_off(size_t m, size_t n, size_t k);

// The direct-conv tile for a dense KxK conv (one group), or nullptr when the GEMM paths should run it (weights
// too large to stream from L2 once per pixel tile). Among the best ISA's tiles, the one with the fewest
// estimated cycles (see conv-algorithm.cc).
const F32DconvKernelInfo* choose_f32_dconv(const CpuFeatures& features, const ConvGeometry& g);
// That estimate, in cycles of a core issuing 2 FMAs and 2 loads per cycle.
double f32_dconv_cycles(const F32DconvKernelInfo& kernel, const ConvGeometry& g);

}  // namespace sparq

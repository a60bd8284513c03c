// fp32 hard_swish over a contiguous run, in place: y = y * min(max(y + 3, 0), 6) * (1/6) per element, the exact
// operations (and rounding) of activate() in ops/activation.h. The conv/GEMM post-pass uses it when the microkernel
// cannot fuse the activation; built per ISA so it is not left to the baseline's 4-wide SSE2.
#pragma once
#include <cstddef>

namespace sparq {

using F32HardswishFn = void (*)(float* y, size_t n);

#if defined(__x86_64__)
void f32_hardswish__avx2(float* y, size_t n);
void f32_hardswish__avx512(float* y, size_t n);
#endif

// The kernel for the ISA level in force (SPARQ_ISA or the best the CPU has), or null for the portable loop.
F32HardswishFn f32_hardswish_kernel();

}  // namespace sparq

// Fused stride-2 Winograd fp32 conv: the transforms built with avx2 flags; the GEMM microkernel comes from the caller.
#if defined(__x86_64__)
#define SPARQ_WINOGRAD_VECTOR_FLOATS 8
#include "kernels/winograd/f32-winograd-s2-driver.h"

namespace sparq {

void f32_winograd_s2_conv__avx2(const WinogradS2Problem& p, const WinogradF32Gemm& gemm, const float* x,
                                const WinogradS2F32Weights& w, const ActivationParams& act, float* y,
                                float* workspace, size_t tile_begin, size_t tile_end) {
  winograd_s2_f32_run(p, gemm, x, w, act, y, workspace, tile_begin, tile_end);
}

}  // namespace sparq
#endif

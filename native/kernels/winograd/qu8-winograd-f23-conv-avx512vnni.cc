// Fused int8 Winograd F(2,3) conv built with avx512vnni flags around the 8x32 int16-pair GEMM microkernel.
#if defined(__x86_64__)
#define SPARQ_WINOGRAD_VECTOR_CHANNELS 16
#include "kernels/winograd/qu8-winograd-f23-driver.h"

namespace sparq {

void qu8_winograd_f23_conv__avx512vnni(const WinogradF23Problem& p, const uint8_t* x, int32_t x_zero_point,
                                 const WinogradF23QU8Weights& w, const Requant8& rq, uint8_t* y, void* workspace,
                                 size_t tile_begin, size_t tile_end) {
  winograd_f23_qu8_run<8>(qs16_winograd_gemm_ukernel_8x32__avx512vnni, p, x, x_zero_point, w, rq, y, workspace,
                              tile_begin, tile_end);
}

}  // namespace sparq
#endif

// Fused int8 Winograd F(2,3) conv built with scalar flags around the 4x8 int16-pair GEMM microkernel.

#define SPARQ_WINOGRAD_VECTOR_CHANNELS 8
#include "kernels/winograd/qu8-winograd-f23-driver.h"

namespace sparq {

void qu8_winograd_f23_conv__scalar(const WinogradF23Problem& p, const uint8_t* x, int32_t x_zero_point,
                                 const WinogradF23QU8Weights& w, const Requant8& rq, uint8_t* y, void* workspace,
                                 size_t tile_begin, size_t tile_end) {
  winograd_f23_qu8_run<4>(qs16_winograd_gemm_ukernel_4x8__scalar, p, x, x_zero_point, w, rq, y, workspace,
                              tile_begin, tile_end);
}

}  // namespace sparq


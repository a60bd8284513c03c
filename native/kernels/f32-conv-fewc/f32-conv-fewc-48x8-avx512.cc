// AVX-512 48x8 fp32 few-channel conv microkernel: 24 pixel pairs x 1 zmm of 2 pixels x 8 channels (24 accumulators).
// GCC 12 warns about the undefined passthrough inside _mm512_max_ps/_mm512_min_ps (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/f32-conv-fewc/f32-conv-fewc-tile-avx512.h"

namespace sparq {

void f32_conv_fewc_ukernel_48x8__avx512(const F32ConvFewcArgs& args) { f32_conv_fewc_avx512::run<24, 1>(args); }

}  // namespace sparq

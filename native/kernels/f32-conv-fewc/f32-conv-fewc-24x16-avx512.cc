// AVX-512 24x16 fp32 few-channel conv microkernel: 12 pixel pairs x 2 zmm of 2 pixels x 8 channels (24 accumulators).
// GCC 12 warns about the undefined passthrough inside _mm512_max_ps/_mm512_min_ps (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/f32-conv-fewc/f32-conv-fewc-tile-avx512.h"

namespace sparq {

void f32_conv_fewc_ukernel_24x16__avx512(const F32ConvFewcArgs& args) { f32_conv_fewc_avx512::run<12, 2>(args); }

}  // namespace sparq

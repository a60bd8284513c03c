// AVX-512 14x16 fp32 direct-conv microkernel: 14 output pixels x 16 output channels (14 zmm accumulators).
// GCC 12 warns about the undefined passthrough inside _mm512_max_ps/_mm512_min_ps (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/dispatch-rows.h"
#include "kernels/f32-dconv/f32-dconv-tile-avx512.h"

namespace sparq {

void f32_dconv_ukernel_14x16__avx512(size_t mr, size_t nc, size_t channels, size_t taps, const float* const* a,
                                     const size_t* tap_offsets, const float* w, size_t w_panel_stride, float* c,
                                     size_t c_stride, const F32GemmEpilogue& ep, uint32_t flags) {
  dispatch_rows<14>(mr, [&](auto rows) {
    f32_dconv_avx512::tile<decltype(rows)::value, 1>(nc, channels, taps, a, tap_offsets, w, w_panel_stride, c,
                                                     c_stride, ep, flags);
  });
}

}  // namespace sparq

// Unfolds NHWC u8 activations into GEMM rows for the int8 convolution, one block of output pixels at a time.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ops/im2col.h"

namespace sparq {

// Output pixels [m0, m0 + rows) (batch folded in) of the group starting at input channel `channel_offset` become
// rows of K = kernel_h x kernel_w x group_in bytes ordered (ki, kj, c): out[r * out_stride + k]. Taps outside the
// input read `zero_point`, the activation's real 0.
void qs8_im2col_rows(const ConvGeometry& g, const uint8_t* x, size_t channel_offset, uint8_t zero_point, size_t m0,
                     size_t rows, uint8_t* out, size_t out_stride);

// Every image of x (NHWC, all g.in_c channels) with pad_top / pad_bottom rows and pad_left / pad_right pixels of
// `zero_point` around it: batch x (pad_top + in_h + pad_bottom) x (pad_left + in_w + pad_right) x in_c bytes at
// `out`. The implicit-im2col convs read their windows from it.
void qs8_pad_images(const ConvGeometry& g, const uint8_t* x, uint8_t zero_point, uint8_t* out);

}  // namespace sparq

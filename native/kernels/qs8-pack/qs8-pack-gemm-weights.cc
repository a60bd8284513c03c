// Packs s8 weights (any strides) into NR-column panels for an int8 GEMM microkernel; see qs8-pack.h for the layout.
#include <cstring>

#include "kernels/qs8-pack/qs8-pack.h"

namespace sparq {

void qs8_pack_gemm_weights(const Qs8PackSpec& spec, size_t k, size_t n, const int8_t* w, size_t w_k_stride,
                           size_t w_n_stride, const int32_t* bias, int32_t a_zero_point, void* packed) {
  const size_t nr = spec.nr, kr = spec.kr;
  const size_t panel_bytes = qs8_panel_bytes(spec, k);
  const int32_t offset = spec.a_offset - a_zero_point;
  uint8_t* out = static_cast<uint8_t*>(packed);
  for (size_t p = 0; p < qs8_panel_count(spec, n); ++p, out += panel_bytes) {
    std::memset(out, 0, panel_bytes);
    int32_t* packed_bias = reinterpret_cast<int32_t*>(out);
    uint8_t* body = out + nr * sizeof(int32_t);
    for (size_t j = 0; j < nr && p * nr + j < n; ++j) {
      const size_t col = p * nr + j;
      uint32_t colsum = 0;  // wraps like the kernels' s32 arithmetic
      for (size_t kk = 0; kk < k; ++kk) {
        const int8_t v = w[kk * w_k_stride + col * w_n_stride];
        colsum += static_cast<uint32_t>(static_cast<int32_t>(v));
        const size_t index = ((kk / kr) * nr + j) * kr + kk % kr;
        if (spec.weight_bytes == 2) {
          const int16_t wide = v;
          std::memcpy(body + index * 2, &wide, 2);
        } else {
          body[index] = static_cast<uint8_t>(v);
        }
      }
      const uint32_t b = bias ? static_cast<uint32_t>(bias[col]) : 0u;
      const uint32_t folded = b + static_cast<uint32_t>(offset) * colsum;
      std::memcpy(&packed_bias[j], &folded, sizeof(folded));
    }
  }
}

void qs8_pack_a_u16(size_t rows, size_t depth, const uint8_t* a, size_t a_stride, uint16_t* out, size_t out_stride) {
  const size_t padded = (depth + 1) & ~size_t(1);
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* src = a + r * a_stride;
    uint16_t* dst = out + r * out_stride;
    for (size_t kk = 0; kk < depth; ++kk) dst[kk] = src[kk];
    for (size_t kk = depth; kk < padded; ++kk) dst[kk] = 0;
  }
}

}  // namespace sparq

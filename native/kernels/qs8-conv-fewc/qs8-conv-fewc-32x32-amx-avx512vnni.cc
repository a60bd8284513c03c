// AMX few-channel direct conv kernel: 32 pixels x 32 output channels per tile pair (tdpbusd), one 64-byte depth
// block per kernel row loaded straight from the padded input rows with the pixel step as tile row stride (the
// block holds the kernel row's window, kernel_w x C <= 64 bytes, then bytes whose packed weights are zero).
// In the avx512vnni group like the AMX GEMM (inline assembly, no flags); rows under 16 pixels run the AVX-512 VNNI
// body on the same panel. The caller loads the tile configuration (qs8_gemm_amx_begin) on its thread first.
// Tiles: tmm0..3 accumulators (pixels 0-15 / 16-31 x channels 0-15 / 16-31), tmm4..5 input, tmm6..7 weights.
#include "kernels/qs8-conv-fewc/qs8-conv-fewc-avx512vnni.h"

namespace sparq {

void qs8_conv_fewc_ukernel_32x32__amx(const Qs8FewcRowArgs& args) {
  const size_t n = args.pixels;
  if (n < 16) {
    qs8_conv_fewc_avx512vnni<8, 2>(args);
    return;
  }
  const int32_t* bias = static_cast<const int32_t*>(args.packed);
  const int8_t* w0 = reinterpret_cast<const int8_t*>(bias + 32);
  const size_t step = args.pixel_step, w_stride = 128, zero_stride = 0;
  const size_t out_stride = args.acc_stride * sizeof(int32_t);
  size_t p0 = 0;
  while (p0 < n) {
    // Between 16 and 32 pixels per pass; a last pass under 16 moves back to end at the row's end (it recomputes
    // pixels already stored, with the same values).
    size_t mr = n - p0 < 32 ? n - p0 : 32;
    if (mr < 16) p0 = n - 16, mr = 16;
    const size_t p1 = p0 + mr - 16;  // first pixel of the second tile (overlaps the first when mr < 32)
    asm volatile("tileloadd (%0,%1,1), %%tmm0" ::"r"(bias), "r"(zero_stride) : "memory");
    asm volatile("tileloadd (%0,%1,1), %%tmm1" ::"r"(bias + 16), "r"(zero_stride) : "memory");
    asm volatile("tileloadd (%0,%1,1), %%tmm2" ::"r"(bias), "r"(zero_stride) : "memory");
    asm volatile("tileloadd (%0,%1,1), %%tmm3" ::"r"(bias + 16), "r"(zero_stride) : "memory");
    const int8_t* w = w0;
    for (size_t ki = 0; ki < args.kernel_h; ++ki, w += 64 * 32) {
      const uint8_t* row = args.rows[ki];
      asm volatile("tileloadd (%0,%1,1), %%tmm4" ::"r"(row + p0 * step), "r"(step) : "memory");
      asm volatile("tileloadd (%0,%1,1), %%tmm5" ::"r"(row + p1 * step), "r"(step) : "memory");
      asm volatile("tileloadd (%0,%1,1), %%tmm6" ::"r"(w), "r"(w_stride) : "memory");
      asm volatile("tileloadd (%0,%1,1), %%tmm7" ::"r"(w + 64), "r"(w_stride) : "memory");
      asm volatile("tdpbusd %tmm6, %tmm4, %tmm0");
      asm volatile("tdpbusd %tmm7, %tmm4, %tmm1");
      asm volatile("tdpbusd %tmm6, %tmm5, %tmm2");
      asm volatile("tdpbusd %tmm7, %tmm5, %tmm3");
    }
    int32_t* c0 = args.acc + p0 * args.acc_stride;
    int32_t* c1 = args.acc + p1 * args.acc_stride;
    asm volatile("tilestored %%tmm0, (%0,%1,1)" ::"r"(c0), "r"(out_stride) : "memory");
    asm volatile("tilestored %%tmm1, (%0,%1,1)" ::"r"(c0 + 16), "r"(out_stride) : "memory");
    asm volatile("tilestored %%tmm2, (%0,%1,1)" ::"r"(c1), "r"(out_stride) : "memory");
    asm volatile("tilestored %%tmm3, (%0,%1,1)" ::"r"(c1 + 16), "r"(out_stride) : "memory");
    p0 += mr;
  }
}

}  // namespace sparq

// Body of the x86 few-channel direct conv kernels, written once over a vector type: each ISA header supplies the
// vector operations (V::load, V::broadcast, V::dot = vpdpbusd, V::store, V::kLanes) and includes this file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/qs8-conv-fewc/qs8-conv-fewc.h"

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

inline int32_t load_dword(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// MR pixels x (NV * V::kLanes) channels per step. Per group of 4 depth bytes: NV weight loads, MR broadcasts of 4
// input bytes, MR * NV vpdpbusd. Pixels past the row's end repeat its last pixel (computed, not stored). Each tile of
// pixels p0 .. p0 + mr - 1 ends in finish(p0, mr, vacc), which stores its accumulators (s32 or requantized).
template <size_t MR, size_t NV, class V, class Finish>
inline void qs8_conv_fewc_tiles(const Qs8FewcRowArgs& args, Finish&& finish) {
  using Vec = typename V::Vec;
  constexpr size_t NR = NV * V::kLanes;
  const int32_t* bias = static_cast<const int32_t*>(args.packed);
  const int8_t* w0 = reinterpret_cast<const int8_t*>(bias + NR);
  Vec vbias[NV];
#pragma GCC unroll 4
  for (size_t j = 0; j < NV; ++j) vbias[j] = V::load(bias + V::kLanes * j);
  for (size_t p0 = 0; p0 < args.pixels; p0 += MR) {
    const size_t mr = args.pixels - p0 < MR ? args.pixels - p0 : MR;
    // Each pixel's read offset. With more of them than the general registers the loop leaves free (MR > 8), GCC
    // parks them in spare vector registers and moves one back (vmovq, one per cycle) before every broadcast, which
    // cost more than the vpdpbusd (14x16: ~15% of the ResNet stem); volatile keeps them in L1 instead, where the
    // load before each broadcast is cheap.
    using Offset = std::conditional_t<(MR > 8), volatile size_t, size_t>;
    Offset offset[MR];
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) offset[i] = (p0 + (i < mr ? i : mr - 1)) * args.pixel_step;
    Vec vacc[MR][NV];
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i)
#pragma GCC unroll 4
      for (size_t j = 0; j < NV; ++j) vacc[i][j] = vbias[j];
    const int8_t* w = w0;
    for (size_t ki = 0; ki < args.kernel_h; ++ki) {
      const uint8_t* row = args.rows[ki];
      for (size_t d = 0; d < args.dwords; ++d, row += 4, w += 4 * NR) {
        Vec vw[NV];
#pragma GCC unroll 4
        for (size_t j = 0; j < NV; ++j) vw[j] = V::load(w + 4 * V::kLanes * j);
#pragma GCC unroll 16
        for (size_t i = 0; i < MR; ++i) {
          const Vec va = V::broadcast(load_dword(row + offset[i]));
#pragma GCC unroll 4
          for (size_t j = 0; j < NV; ++j) vacc[i][j] = V::dot(vacc[i][j], va, vw[j]);
        }
      }
    }
    finish(p0, mr, vacc);
  }
}

// The tiles' s32 accumulators into args.acc.
template <size_t MR, size_t NV, class V>
inline void qs8_conv_fewc_body(const Qs8FewcRowArgs& args) {
  using Vec = typename V::Vec;
  qs8_conv_fewc_tiles<MR, NV, V>(args, [&args](size_t p0, size_t mr, const Vec (&vacc)[MR][NV]) {
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      if (i >= mr) break;
      int32_t* out = args.acc + (p0 + i) * args.acc_stride;
#pragma GCC unroll 4
      for (size_t j = 0; j < NV; ++j) V::store(out + V::kLanes * j, vacc[i][j]);
    }
  });
}

}  // namespace
}  // namespace sparq

// Row-count dispatch shared by the f32-dconv microkernels: each tile is compiled per row count (its accumulators
// are a fixed register array), and a call with mr rows runs the mr-row instantiation.
#pragma once
#include <cstddef>

namespace sparq {

// Calls Tile<mr>::run(args...) for 1 <= mr <= MR (a larger mr runs MR rows).
template <template <int> class Tile, int MR, typename... Args>
void f32_dconv_rows(size_t mr, Args... args) {
  if constexpr (MR > 1) {
    if (mr < static_cast<size_t>(MR)) return f32_dconv_rows<Tile, MR - 1>(mr, args...);
  }
  Tile<MR>::run(args...);
}

}  // namespace sparq

// Row-count dispatch shared by the microkernels whose tile is compiled per row count (the accumulators are a fixed
// register array): a call with mr rows runs the mr-row instantiation.
#pragma once
#include <cstddef>
#include <type_traits>

namespace sparq {

// Calls tile(std::integral_constant<int, mr>{}) for 1 <= mr <= MR (a larger mr runs MR rows); the tile lambda
// instantiates its kernel with decltype(rows)::value. Full tiles, the common case, take the first comparison.
template <int MR, class Tile>
void dispatch_rows(size_t mr, const Tile& tile) {
  if constexpr (MR > 1) {
    if (mr < static_cast<size_t>(MR)) return dispatch_rows<MR - 1>(mr, tile);
  }
  tile(std::integral_constant<int, MR>{});
}

}  // namespace sparq

// Splits a flat element range across the pool only when it is large enough to pay for the hand-off.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/thread-pool.h"

namespace sparq {

// Below this many elements a memory-bound op runs on the calling thread.
constexpr size_t kParallelElements = 16384;

template <typename Fn>
inline void for_element_chunks(ThreadPool* pool, size_t n, Fn&& fn, size_t grain = kParallelElements) {
  if (n == 0) return;
  if (pool == nullptr || pool->threads() <= 1 || n < 2 * grain) {
    fn(size_t{0}, n);
    return;
  }
  pool->parallel_for(n, grain, [&](size_t begin, size_t end) { fn(begin, end); });
}

}  // namespace sparq

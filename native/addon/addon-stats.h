// Process-wide counters behind stats(); atomics because several worker_threads share the loaded addon.
#pragma once
#include <atomic>
#include <cstdint>

namespace sparq_addon {

inline std::atomic<uint64_t> run_calls{0};    // runSync + run calls since load
inline std::atomic<int64_t> plans_alive{0};   // native plans whose memory is not yet freed

}  // namespace sparq_addon

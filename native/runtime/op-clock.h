// Per-op profile timing: a tick counter read at each op boundary, scaled to milliseconds by the steady clock read at
// the start and end of the run. A steady_clock read costs ~22 ns (vDSO, ordered TSC read) and a run of 44 small ops
// needs 45 reads; the raw counter costs about half that.
#pragma once
#include <chrono>
#include <cstdint>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#elif defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace sparq {

// A monotonic counter at a constant rate within one run (the invariant TSC on x86, the virtual counter on aarch64),
// else steady_clock ticks. Not ordered against the surrounding work: good to a few ns, enough for a profile.
inline uint64_t op_clock_ticks() {
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
  return __rdtsc();
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
  uint64_t ticks;
  asm volatile("mrs %0, cntvct_el0" : "=r"(ticks));
  return ticks;
#else
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// Brackets one run: ticks between its start and finish() map to the steady-clock milliseconds between them.
class OpClock {
 public:
  OpClock() : start_time_(std::chrono::steady_clock::now()), start_ticks_(op_clock_ticks()) {}

  // Milliseconds per tick over the run so far (0 when no tick passed).
  double finish() const {
    const uint64_t now = op_clock_ticks();
    const uint64_t ticks = now > start_ticks_ ? now - start_ticks_ : 0;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_time_).count();
    return ticks ? ms / static_cast<double>(ticks) : 0.0;
  }

  uint64_t start_ticks() const { return start_ticks_; }

 private:
  std::chrono::steady_clock::time_point start_time_;
  uint64_t start_ticks_;
};

}  // namespace sparq

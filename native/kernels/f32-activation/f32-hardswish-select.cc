// Picks the fp32 hard_swish kernel once, for the ISA level in force.
#include "kernels/f32-activation/f32-hardswish.h"
#include "runtime/cpu.h"

namespace sparq {

F32HardswishFn f32_hardswish_kernel() {
  static const F32HardswishFn fn = []() -> F32HardswishFn {
#if defined(__x86_64__)
    const CpuFeatures f = features_for_level(default_level());
    if (f.avx512f) return &f32_hardswish__avx512;
    if (f.avx2) return &f32_hardswish__avx2;
#endif
    return nullptr;
  }();
  return fn;
}

}  // namespace sparq

// Shared pieces of the per-family dispatch tables: feature predicates and "the entries this CPU may run, best first".
#pragma once

#include <cstddef>
#include <vector>

#include "runtime/cpu.h"

namespace sparq {
namespace dispatch {

inline bool always(const CpuFeatures&) { return true; }
#if defined(__x86_64__)
inline bool has_avx2(const CpuFeatures& f) { return f.avx2; }
inline bool has_avx512(const CpuFeatures& f) { return f.avx512f; }
inline bool has_avx512vnni(const CpuFeatures& f) { return f.avx512vnni; }
inline bool has_avx512vbmi_vnni(const CpuFeatures& f) { return f.avx512vbmi && f.avx512vnni; }
#endif
#if defined(__aarch64__)
inline bool has_neon(const CpuFeatures& f) { return f.neon; }
#endif

// Tables end with an entry every CPU supports, so the result is never empty.
template <typename Kernel, std::size_t N>
std::vector<Kernel> supported_entries(const Kernel (&table)[N], const CpuFeatures& features) {
  std::vector<Kernel> out;
  for (const Kernel& k : table) {
    if (k.supported(features)) out.push_back(k);
  }
  return out;
}

}  // namespace dispatch
}  // namespace sparq

// CPU feature detection (cpuid + xgetbv on x86-64, HWCAP or sysctl on aarch64) and the ISA levels built on it.
#include "runtime/cpu.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "runtime/plan-desc.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#elif defined(__aarch64__) && defined(__APPLE__)
#include <sys/sysctl.h>
#endif

namespace sparq {
namespace {

struct Detection {
  CpuFeatures features;
  std::vector<std::string> names;  // individual features, for capabilities()
  std::string brand;
};

#if defined(__x86_64__) || defined(_M_X64)

struct CpuidRegs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

CpuidRegs cpuid(unsigned leaf, unsigned subleaf) {
  CpuidRegs r;
  __cpuid_count(leaf, subleaf, r.a, r.b, r.c, r.d);
  return r;
}

// XCR0 says which register files the OS saves on a context switch; a feature is usable only if its state is saved.
// Encoded as bytes so that this portable file needs no -mxsave.
uint64_t read_xcr0() {
  unsigned lo = 0, hi = 0;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool bit(unsigned reg, int n) { return (reg >> n) & 1u; }

Detection detect() {
  Detection d;
  const unsigned max_leaf = cpuid(0, 0).a;
  if (max_leaf < 1) return d;
  const CpuidRegs l1 = cpuid(1, 0);
  const bool sse41 = bit(l1.c, 19);
  const bool fma = bit(l1.c, 12);
  const bool osxsave = bit(l1.c, 27);
  const bool avx = bit(l1.c, 28);
  const uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  const bool os_ymm = (xcr0 & 0x6) == 0x6;           // SSE + AVX state
  const bool os_zmm = os_ymm && (xcr0 & 0xE0) == 0xE0;  // opmask + ZMM_Hi256 + Hi16_ZMM

  CpuidRegs l7, l7s1;
  if (max_leaf >= 7) {
    l7 = cpuid(7, 0);
    if (l7.a >= 1) l7s1 = cpuid(7, 1);
  }
  const bool avx2 = bit(l7.b, 5);
  const bool avx512f = bit(l7.b, 16), avx512dq = bit(l7.b, 17), avx512bw = bit(l7.b, 30), avx512vl = bit(l7.b, 31);
  const bool avx512vbmi = bit(l7.c, 1), avx512vnni = bit(l7.c, 11);
  const bool avxvnni = bit(l7s1.a, 4);

  CpuFeatures& f = d.features;
  f.sse41 = sse41;
  f.avx2 = avx && avx2 && fma && os_ymm;
  f.avxvnni = f.avx2 && avxvnni;
  f.avx512f = f.avx2 && os_zmm && avx512f && avx512bw && avx512vl && avx512dq;
  f.avx512vnni = f.avx512f && avx512vnni;
  f.avx512vbmi = f.avx512vnni && avx512vbmi;  // its build group is compiled with VNNI too

  auto add = [&](bool has, const char* name) {
    if (has) d.names.emplace_back(name);
  };
  add(sse41, "sse4.1");
  add(avx && os_ymm, "avx");
  add(fma && os_ymm, "fma");
  add(avx2 && os_ymm, "avx2");
  add(avxvnni && os_ymm, "avxvnni");
  add(avx512f && os_zmm, "avx512f");
  add(avx512bw && os_zmm, "avx512bw");
  add(avx512vl && os_zmm, "avx512vl");
  add(avx512dq && os_zmm, "avx512dq");
  add(avx512vnni && os_zmm, "avx512vnni");
  add(avx512vbmi && os_zmm, "avx512vbmi");

  if (cpuid(0x80000000u, 0).a >= 0x80000004u) {
    char brand[49] = {0};
    for (unsigned i = 0; i < 3; ++i) {
      const CpuidRegs r = cpuid(0x80000002u + i, 0);
      std::memcpy(brand + 16 * i, &r.a, 4);
      std::memcpy(brand + 16 * i + 4, &r.b, 4);
      std::memcpy(brand + 16 * i + 8, &r.c, 4);
      std::memcpy(brand + 16 * i + 12, &r.d, 4);
    }
    d.brand = brand;
  }
  return d;
}

#elif defined(__aarch64__)

#if defined(__APPLE__)
bool sysctl_flag(const char* name) {
  int value = 0;
  size_t size = sizeof(value);
  return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
}
#endif

Detection detect() {
  Detection d;
  CpuFeatures& f = d.features;
#if defined(__linux__)
  // Bit numbers from the kernel's uapi asm/hwcap.h (spelled out for older libc headers).
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);
  f.neon = (hwcap >> 1) & 1;        // HWCAP_ASIMD
  f.neondot = f.neon && ((hwcap >> 20) & 1);  // HWCAP_ASIMDDP
  f.i8mm = f.neondot && ((hwcap2 >> 13) & 1);  // HWCAP2_I8MM
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, implementer, part;
  while (std::getline(cpuinfo, line)) {
    auto value = [&](const char* key, std::string& out) {
      if (out.empty() && line.compare(0, std::strlen(key), key) == 0) {
        auto colon = line.find(':');
        if (colon != std::string::npos) out = line.substr(line.find_first_not_of(" \t", colon + 1));
      }
    };
    value("CPU implementer", implementer);
    value("CPU part", part);
  }
  d.brand = implementer.empty() ? "aarch64" : "aarch64 (implementer " + implementer + ", part " + part + ")";
#elif defined(__APPLE__)
  f.neon = true;
  f.neondot = sysctl_flag("hw.optional.arm.FEAT_DotProd");
  f.i8mm = f.neondot && sysctl_flag("hw.optional.arm.FEAT_I8MM");
  char brand[128] = {0};
  size_t size = sizeof(brand) - 1;
  if (sysctlbyname("machdep.cpu.brand_string", brand, &size, nullptr, 0) == 0) d.brand = brand;
#else
  f.neon = true;  // Advanced SIMD is mandatory on AArch64
#endif
  if (f.neon) d.names.emplace_back("asimd");
  if (f.neondot) d.names.emplace_back("asimddp");
  if (f.i8mm) d.names.emplace_back("i8mm");
  return d;
}

#else

Detection detect() { return Detection{}; }

#endif

const Detection& detection() {
  static const Detection d = [] {
    Detection out = detect();
    if (out.brand.empty()) out.brand = "unknown CPU";
    // cpuid pads the brand string with spaces on some parts
    while (!out.brand.empty() && (out.brand.back() == ' ' || out.brand.back() == '\0')) out.brand.pop_back();
    out.brand.erase(0, out.brand.find_first_not_of(' '));
    return out;
  }();
  return d;
}

// Rank of each level in isa_level_names(); -1 for a name this architecture does not have.
int level_rank(const std::string& level) {
  const auto& names = isa_level_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == level) return static_cast<int>(i);
  return -1;
}

// Whether the CPU has what the level at `rank` needs (levels need every level below them, except that a missing
// avxvnni does not stop avx512: Skylake-X and Cascade Lake have AVX-512 without VEX VNNI).
bool rank_available(int rank) {
  const CpuFeatures& f = detection().features;
#if defined(__x86_64__) || defined(_M_X64)
  switch (rank) {
    case 0: return true;
    case 1: return f.avx2;
    case 2: return f.avxvnni;
    case 3: return f.avx512f;
    case 4: return f.avx512vnni;
  }
#elif defined(__aarch64__)
  switch (rank) {
    case 0: return true;
    case 1: return f.neon;
    case 2: return f.neondot;
    case 3: return f.i8mm;
  }
#else
  (void)f;
  return rank == 0;
#endif
  return false;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

const std::vector<std::string>& isa_level_names() {
#if defined(__x86_64__) || defined(_M_X64)
  static const std::vector<std::string> names = {"scalar", "avx2", "avxvnni", "avx512", "avx512vnni"};
#elif defined(__aarch64__)
  static const std::vector<std::string> names = {"scalar", "neon", "neondot", "i8mm"};
#else
  static const std::vector<std::string> names = {"scalar"};
#endif
  return names;
}

const CpuFeatures& detected_features() { return detection().features; }

std::vector<std::string> available_levels() {
  std::vector<std::string> out;
  const auto& names = isa_level_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (rank_available(static_cast<int>(i))) out.push_back(names[i]);
  return out;
}

std::string default_level() {
  static const std::string level = [] {
    const std::vector<std::string> levels = available_levels();
    const std::string highest = levels.back();
    const char* env = std::getenv("SPARQ_ISA");
    if (!env || !*env) return highest;
    for (const auto& l : levels)
      if (l == env) return l;
    std::fprintf(stderr, "sparq: SPARQ_ISA=%s is not an ISA level this CPU can run (available: %s); using %s\n", env,
                 join(levels).c_str(), highest.c_str());
    return highest;
  }();
  return level;
}

CpuFeatures features_for_level(const std::string& level) {
  const int rank = level_rank(level);
  if (rank < 0)
    throw PlanError("Expected an ISA level (" + join(isa_level_names()) + ") but received '" + level + "'");
  if (!rank_available(rank))
    throw PlanError("ISA level '" + level + "' is not available on this CPU (available: " + join(available_levels()) +
                    ")");
  CpuFeatures f = detected_features();
#if defined(__x86_64__) || defined(_M_X64)
  if (rank < 1) f.sse41 = f.avx2 = false;
  if (rank < 2) f.avxvnni = false;
  if (rank < 3) f.avx512f = false;
  if (rank < 4) f.avx512vnni = f.avx512vbmi = false;
  // avx512vbmi kernels also use VNNI (see the avx512vbmi build group), so they ride with the top level.
#elif defined(__aarch64__)
  if (rank < 1) f.neon = false;
  if (rank < 2) f.neondot = false;
  if (rank < 3) f.i8mm = false;
#endif
  return f;
}

const std::string& cpu_brand() { return detection().brand; }

const std::vector<std::string>& detected_feature_names() { return detection().names; }

}  // namespace sparq

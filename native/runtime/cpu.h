// CPU feature detection (cpuid + xgetbv on x86, HWCAP on aarch64) and ISA levels that SPARQ_ISA can force.
#pragma once
#include <string>
#include <vector>

namespace sparq {

struct CpuFeatures {
  // x86-64
  bool sse41 = false;
  bool avx2 = false;       // with FMA3; only set when the OS saves YMM state
  bool avxvnni = false;    // VEX-encoded vpdpbusd on ymm
  bool avx512f = false;    // with BW, VL, DQ; only set when the OS saves ZMM/opmask state
  bool avx512vnni = false;
  bool avx512vbmi = false;
  // aarch64
  bool neon = false;
  bool neondot = false;    // sdot/udot
  bool i8mm = false;       // usdot/smmla
};

// Levels, lowest first. A level keeps only the features at or below it.
//   x86:     scalar < avx2 < avxvnni < avx512 < avx512vnni
//   aarch64: scalar < neon < neondot < i8mm
const std::vector<std::string>& isa_level_names();

// What this CPU and OS support (computed once).
const CpuFeatures& detected_features();

// Levels this machine can run, lowest first, e.g. {"scalar","avx2","avxvnni","avx512","avx512vnni"}.
std::vector<std::string> available_levels();

// Highest available level, or the SPARQ_ISA environment variable when it names a lower available one.
std::string default_level();

// Features restricted to `level`; throws PlanError for a name that is unknown or above what the CPU has.
CpuFeatures features_for_level(const std::string& level);

// CPU brand string, e.g. "Intel(R) Xeon(R) Platinum 8480+"; a generic name when the CPU does not say.
const std::string& cpu_brand();

// Names of the individual features usable on this CPU and OS, e.g. {"sse4.1","fma","avx2","avx512f",...}.
const std::vector<std::string>& detected_feature_names();

}  // namespace sparq

// The int8 GEMM dispatch table, filled once, best first: AMX, AVX-512 VNNI, AVX-VNNI, AVX2 | i8mm, dotprod, NEON | scalar.
#include "runtime/dispatch-qs8.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif
#if defined(__x86_64__) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace sparq {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
bool detect_amx() {
  const char* env = std::getenv("SPARQ_QS8_AMX");
  if (env && std::strcmp(env, "0") == 0) return false;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, a, b, c, d);
  const bool amx_tile = (d >> 24) & 1, amx_int8 = (d >> 25) & 1;
  __cpuid_count(1, 0, a, b, c, d);
  const bool osxsave = (c >> 27) & 1;
  if (!amx_tile || !amx_int8 || !osxsave) return false;
  unsigned lo = 0, hi = 0;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));  // xgetbv without -mxsave
  if (((lo >> 17) & 3) != 3) return false;                                      // XTILECFG + XTILEDATA
#if defined(__linux__)
  // Linux hands out the 8 KB tile state only on request (ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA).
  if (syscall(SYS_arch_prctl, 0x1023, 18) != 0) return false;
#endif
  return true;
}
#endif

bool usable(const std::string& isa, const CpuFeatures& f) {
  if (isa == "scalar") return true;
  if (isa == "avx512") return f.avx512f;
  if (isa == "avx2") return f.avx2;
  if (isa == "avxvnni") return f.avxvnni;
  if (isa == "avx512vnni") return f.avx512vnni;
  if (isa == "amx") return f.avx512vnni && qs8_amx_available();
  if (isa == "neon") return f.neon;
  if (isa == "neondot") return f.neondot;
  if (isa == "i8mm") return f.i8mm;
  return false;
}

std::vector<Qs8GemmKernel> build_table() {
  std::vector<Qs8GemmKernel> t;
#if defined(__x86_64__) || defined(_M_X64)
  t.push_back({"qs8-gemm-32x32c4-amx", "amx", qs8_gemm_ukernel_32x32c4__amx, qs8_gemm_ukernel_1x32c4__avx512vnni, 32,
               {32, 4, 64, 1, 0}, false, qs8_epilogue__avx512, qs8_peak_probe__amx, "tdpbusd",
               qs8_gemm_amx_begin, qs8_gemm_amx_end});
  t.push_back({"qs8-gemm-8x32c4-avx512vnni", "avx512vnni", qs8_gemm_ukernel_8x32c4__avx512vnni,
               qs8_gemm_ukernel_1x32c4__avx512vnni, 8, {32, 4, 4, 1, 0}, false, qs8_epilogue__avx512,
               qs8_peak_probe__avx512vnni, "vpdpbusd zmm", nullptr, nullptr,
               qs8_gemm_seg_ukernel_8x32c4__avx512vnni, false, qs8_gemm_u8_ukernel_8x32c4__avx512vnni,
               qs8_gemm_seg_u8_ukernel_8x32c4__avx512vnni});
  t.push_back({"qs8-gemm-14x16c4-avx512vnni", "avx512vnni", qs8_gemm_ukernel_14x16c4__avx512vnni,
               qs8_gemm_ukernel_1x16c4__avx512vnni, 14, {16, 4, 4, 1, 0}, false, qs8_epilogue__avx512,
               qs8_peak_probe__avx512vnni, "vpdpbusd zmm", nullptr, nullptr,
               qs8_gemm_seg_ukernel_14x16c4__avx512vnni, true, qs8_gemm_u8_ukernel_14x16c4__avx512vnni,
               qs8_gemm_seg_u8_ukernel_14x16c4__avx512vnni});
  t.push_back({"qs8-gemm-6x16c4-avxvnni", "avxvnni", qs8_gemm_ukernel_6x16c4__avxvnni,
               qs8_gemm_ukernel_1x16c4__avxvnni, 6, {16, 4, 4, 1, 0}, false, qs8_epilogue__avx2,
               qs8_peak_probe__avxvnni, "vpdpbusd ymm", nullptr, nullptr});
  t.push_back({"qs8-gemm-6x16c2-avx2", "avx2", qs8_gemm_ukernel_6x16c2__avx2, qs8_gemm_ukernel_1x16c2__avx2, 6,
               {16, 2, 2, 2, 0}, true, qs8_epilogue__avx2, qs8_peak_probe__avx2, "vpmaddwd+vpaddd ymm", nullptr,
               nullptr});
#endif
#if defined(__aarch64__)
  t.push_back({"qs8-gemm-4x16c4-neoni8mm", "i8mm", qs8_gemm_ukernel_4x16c4__neoni8mm,
               qs8_gemm_ukernel_1x16c4__neoni8mm, 4, {16, 4, 4, 1, 0}, false, qs8_epilogue__neon,
               qs8_peak_probe__neondot, "sdot", nullptr, nullptr});
  t.push_back({"qs8-gemm-4x16c4-neondot", "neondot", qs8_gemm_ukernel_4x16c4__neondot,
               qs8_gemm_ukernel_1x16c4__neondot, 4, {16, 4, 4, 1, 128}, false, qs8_epilogue__neon,
               qs8_peak_probe__neondot, "sdot", nullptr, nullptr});
  t.push_back({"qs8-gemm-4x16-neon", "neon", qs8_gemm_ukernel_4x16__neon, qs8_gemm_ukernel_1x16__neon, 4,
               {16, 1, 8, 1, 0}, false, qs8_epilogue__neon, nullptr, "", nullptr, nullptr});
#endif
  t.push_back({"qs8-gemm-4x8c4-scalar", "scalar", qs8_gemm_ukernel_4x8c4__scalar, qs8_gemm_ukernel_1x8c4__scalar, 4,
               {8, 4, 4, 1, 0}, false, qs8_epilogue__scalar, nullptr, "", nullptr, nullptr});
  return t;
}

std::vector<Qs8DwconvKernel> build_dwconv_table() {
  std::vector<Qs8DwconvKernel> t;
#if defined(__x86_64__) || defined(_M_X64)
  t.push_back({"qs8-dwconv-c64-avx512vnni", "avx512vnni", qs8_dwconv_ukernel_c64__avx512vnni,
               Qs8DwconvLayout::kRowQuads, "qs8-dwconv-3x3c16-avx512vnni", qs8_dwconv_ukernel_3x3c16__avx512vnni});
  t.push_back({"qs8-dwconv-c32-avx512", "avx512", qs8_dwconv_ukernel_c32__avx512, Qs8DwconvLayout::kEvenOdd});
  t.push_back({"qs8-dwconv-c32-avx2", "avx2", qs8_dwconv_ukernel_c32__avx2, Qs8DwconvLayout::kTapPairs});
#endif
#if defined(__aarch64__)
  t.push_back({"qs8-dwconv-c32-neon", "neon", qs8_dwconv_ukernel_c32__neon, Qs8DwconvLayout::kTapPairs});
#endif
  t.push_back({"qs8-dwconv-c8-scalar", "scalar", qs8_dwconv_ukernel_c8__scalar, Qs8DwconvLayout::kTapPairs});
  return t;
}

}  // namespace

std::vector<const Qs8DwconvKernel*> qs8_dwconv_kernels(const CpuFeatures& features) {
  static const std::vector<Qs8DwconvKernel> table = build_dwconv_table();
  std::vector<const Qs8DwconvKernel*> out;
  for (const auto& k : table)
    if (usable(k.isa, features)) out.push_back(&k);
  return out;
}

const Qs8DwconvKernel& select_qs8_dwconv_kernel(const CpuFeatures& features) {
  return *qs8_dwconv_kernels(features).front();
}

bool qs8_amx_available() {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool available = detect_amx();
  return available;
#else
  return false;
#endif
}

const std::vector<Qs8GemmKernel>& all_qs8_gemm_kernels() {
  static const std::vector<Qs8GemmKernel> table = build_table();
  return table;
}

std::vector<const Qs8GemmKernel*> qs8_gemm_kernels(const CpuFeatures& features) {
  std::vector<const Qs8GemmKernel*> out;
  for (const auto& k : all_qs8_gemm_kernels())
    if (usable(k.isa, features)) out.push_back(&k);
  return out;
}

const Qs8GemmKernel& select_qs8_gemm_kernel(const CpuFeatures& features) {
  return *qs8_gemm_kernels(features).front();
}

const Qs8GemmKernel& select_qs8_gemm_kernel(const CpuFeatures& features, size_t n) {
  const std::vector<const Qs8GemmKernel*> usable = qs8_gemm_kernels(features);
  if (n <= 16) {
    // Walk past the wide kernels (best first) to a narrow one; a plain 16-column kernel means there is none.
    for (const Qs8GemmKernel* k : usable) {
      if (k->narrow) return *k;
      if (k->pack.nr <= 16) break;
    }
  }
  return *usable.front();
}

}  // namespace sparq

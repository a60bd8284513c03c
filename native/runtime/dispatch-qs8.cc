// The int8 GEMM dispatch table, filled once, best first: AVX-512 VNNI, AVX-VNNI, AVX2 | i8mm, dotprod, NEON | scalar.
#include "runtime/dispatch-qs8.h"

namespace sparq {
namespace {

bool usable(const Qs8GemmKernel& k, const CpuFeatures& f) {
  const std::string isa = k.isa;
  if (isa == "scalar") return true;
  if (isa == "avx2") return f.avx2;
  if (isa == "avxvnni") return f.avxvnni;
  if (isa == "avx512vnni") return f.avx512vnni;
  if (isa == "neon") return f.neon;
  if (isa == "neondot") return f.neondot;
  if (isa == "i8mm") return f.i8mm;
  return false;
}

std::vector<Qs8GemmKernel> build_table() {
  std::vector<Qs8GemmKernel> t;
#if defined(__x86_64__) || defined(_M_X64)
  t.push_back({"qs8-gemm-8x32c4-avx512vnni", "avx512vnni", qs8_gemm_ukernel_8x32c4__avx512vnni,
               qs8_gemm_ukernel_1x32c4__avx512vnni, 8, {32, 4, 4, 1, 0}, false, qs8_epilogue__avx512,
               qs8_peak_probe__avx512vnni, "vpdpbusd zmm"});
  t.push_back({"qs8-gemm-6x16c4-avxvnni", "avxvnni", qs8_gemm_ukernel_6x16c4__avxvnni,
               qs8_gemm_ukernel_1x16c4__avxvnni, 6, {16, 4, 4, 1, 0}, false, qs8_epilogue__avx2,
               qs8_peak_probe__avxvnni, "vpdpbusd ymm"});
  t.push_back({"qs8-gemm-6x16c2-avx2", "avx2", qs8_gemm_ukernel_6x16c2__avx2, qs8_gemm_ukernel_1x16c2__avx2, 6,
               {16, 2, 2, 2, 0}, true, qs8_epilogue__avx2, qs8_peak_probe__avx2, "vpmaddwd+vpaddd ymm"});
#endif
#if defined(__aarch64__)
  t.push_back({"qs8-gemm-4x16c4-neoni8mm", "i8mm", qs8_gemm_ukernel_4x16c4__neoni8mm,
               qs8_gemm_ukernel_1x16c4__neoni8mm, 4, {16, 4, 4, 1, 0}, false, qs8_epilogue__neon,
               qs8_peak_probe__neondot, "sdot"});
  t.push_back({"qs8-gemm-4x16c4-neondot", "neondot", qs8_gemm_ukernel_4x16c4__neondot,
               qs8_gemm_ukernel_1x16c4__neondot, 4, {16, 4, 4, 1, 128}, false, qs8_epilogue__neon,
               qs8_peak_probe__neondot, "sdot"});
  t.push_back({"qs8-gemm-4x16-neon", "neon", qs8_gemm_ukernel_4x16__neon, qs8_gemm_ukernel_1x16__neon, 4,
               {16, 1, 8, 1, 0}, false, qs8_epilogue__neon, nullptr, ""});
#endif
  t.push_back({"qs8-gemm-4x8c4-scalar", "scalar", qs8_gemm_ukernel_4x8c4__scalar, qs8_gemm_ukernel_1x8c4__scalar, 4,
               {8, 4, 4, 1, 0}, false, qs8_epilogue__scalar, nullptr, ""});
  return t;
}

}  // namespace

const std::vector<Qs8GemmKernel>& all_qs8_gemm_kernels() {
  static const std::vector<Qs8GemmKernel> table = build_table();
  return table;
}

std::vector<const Qs8GemmKernel*> qs8_gemm_kernels(const CpuFeatures& features) {
  std::vector<const Qs8GemmKernel*> out;
  for (const auto& k : all_qs8_gemm_kernels())
    if (usable(k, features)) out.push_back(&k);
  return out;
}

const Qs8GemmKernel& select_qs8_gemm_kernel(const CpuFeatures& features) {
  return *qs8_gemm_kernels(features).front();
}

}  // namespace sparq

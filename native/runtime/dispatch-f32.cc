// fp32 dispatch tables, best first; an entry is eligible when the plan's CPU features include its ISA.
#include "runtime/dispatch-f32.h"

namespace sparq {
namespace {

enum class Isa { kScalar, kAvx2, kAvx512, kNeon };

bool allowed(Isa isa, const CpuFeatures& f) {
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2;
    case Isa::kAvx512: return f.avx512f;
    case Isa::kNeon: return f.neon;
  }
  return false;
}

struct GemmEntry {
  Isa isa;
  F32GemmKernelInfo info;
};

const GemmEntry kGemmTable[] = {
#if defined(__x86_64__)
    {Isa::kAvx512, {"f32-gemm-14x32-avx512", f32_gemm_ukernel_14x32__avx512, 14, 32, f32_gemv_ukernel_1x32__avx512}},
    {Isa::kAvx512, {"f32-gemm-14x16-avx512", f32_gemm_ukernel_14x16__avx512, 14, 16}},
    {Isa::kAvx2, {"f32-gemm-6x16-avx2", f32_gemm_ukernel_6x16__avx2, 6, 16}},
#endif
    {Isa::kScalar, {"f32-gemm-4x8-scalar", f32_gemm_ukernel_4x8__scalar, 4, 8}},
};

struct DconvEntry {
  Isa isa;
  F32DconvKernelInfo info;
};

// Grouped by ISA, best ISA first; within an ISA the tiles are alternatives chosen per shape.
const DconvEntry kDconvTable[] = {
#if defined(__x86_64__)
    {Isa::kAvx512, {"f32-dconv-8x48-avx512", f32_dconv_ukernel_8x48__avx512, 8, 48}},
    {Isa::kAvx512, {"f32-dconv-12x32-avx512", f32_dconv_ukernel_12x32__avx512, 12, 32}},
    {Isa::kAvx512, {"f32-dconv-6x64-avx512", f32_dconv_ukernel_6x64__avx512, 6, 64}},
    {Isa::kAvx512, {"f32-dconv-14x16-avx512", f32_dconv_ukernel_14x16__avx512, 14, 16}},
    {Isa::kAvx2, {"f32-dconv-6x16-avx2", f32_dconv_ukernel_6x16__avx2, 6, 16}},
#endif
#if defined(__aarch64__)
    {Isa::kNeon, {"f32-dconv-6x16-neon", f32_dconv_ukernel_6x16__neon, 6, 16}},
#endif
    {Isa::kScalar, {"f32-dconv-4x8-scalar", f32_dconv_ukernel_4x8__scalar, 4, 8}},
};

struct ConvFewcEntry {
  Isa isa;
  F32ConvFewcKernelInfo info;
};

// Grouped by ISA, best ISA first; within an ISA the tiles are alternatives chosen per shape.
const ConvFewcEntry kConvFewcTable[] = {
#if defined(__x86_64__)
    {Isa::kAvx512, {"f32-conv-fewc-16x24-avx512", f32_conv_fewc_ukernel_16x24__avx512, 16, 24}},
    {Isa::kAvx512, {"f32-conv-fewc-24x16-avx512", f32_conv_fewc_ukernel_24x16__avx512, 24, 16}},
    {Isa::kAvx512, {"f32-conv-fewc-12x32-avx512", f32_conv_fewc_ukernel_12x32__avx512, 12, 32}},
    {Isa::kAvx512, {"f32-conv-fewc-48x8-avx512", f32_conv_fewc_ukernel_48x8__avx512, 48, 8}},
    {Isa::kAvx2, {"f32-conv-fewc-12x8-avx2", f32_conv_fewc_ukernel_12x8__avx2, 12, 8}},
#endif
    {Isa::kScalar, {"f32-conv-fewc-4x8-scalar", f32_conv_fewc_ukernel_4x8__scalar, 4, 8}},
};

struct DwconvEntry {
  Isa isa;
  F32DwconvKernelInfo info;
};

const DwconvEntry kDwconvTable[] = {
#if defined(__x86_64__)
    {Isa::kAvx512, {"f32-dwconv-c16-avx512", f32_dwconv_ukernel_c16__avx512, 16}},
    {Isa::kAvx2, {"f32-dwconv-c8-avx2", f32_dwconv_ukernel_c8__avx2, 8}},
#endif
    {Isa::kScalar, {"f32-dwconv-c1-scalar", f32_dwconv_ukernel_c1__scalar, 1}},
};

}  // namespace

const F32GemmKernelInfo& f32_gemm_kernel_for(const CpuFeatures& features, size_t n) {
  // Among the best ISA's kernels, a narrower panel wins when the columns it computes (n rounded up to its
  // panel), charged 10% for its lower register reuse, are fewer than the widest kernel's.
  const GemmEntry* best = nullptr;
  for (const auto& e : kGemmTable) {
    if (!allowed(e.isa, features)) continue;
    if (!best) {
      best = &e;
    } else if (e.isa == best->isa && n > 0) {
      const size_t padded = (n + e.info.nr - 1) / e.info.nr * e.info.nr;
      const size_t best_padded = (n + best->info.nr - 1) / best->info.nr * best->info.nr;
      if (padded * 11 < best_padded * 10) best = &e;
    }
  }
  return best ? best->info : kGemmTable[sizeof(kGemmTable) / sizeof(kGemmTable[0]) - 1].info;
}

std::vector<const F32GemmKernelInfo*> f32_gemm_kernels_for(const CpuFeatures& features) {
  std::vector<const F32GemmKernelInfo*> out;
  for (const auto& e : kGemmTable)
    if (allowed(e.isa, features)) out.push_back(&e.info);
  return out;
}

std::vector<const F32DconvKernelInfo*> f32_dconv_kernels_for(const CpuFeatures& features) {
  std::vector<const F32DconvKernelInfo*> out;
  const DconvEntry* first = nullptr;
  for (const auto& e : kDconvTable) {
    if (!allowed(e.isa, features) || (first && e.isa != first->isa)) continue;
    if (!first) first = &e;
    out.push_back(&e.info);
  }
  return out;
}

std::vector<const F32DconvKernelInfo*> f32_dconv_all_kernels_for(const CpuFeatures& features) {
  std::vector<const F32DconvKernelInfo*> out;
  for (const auto& e : kDconvTable)
    if (allowed(e.isa, features)) out.push_back(&e.info);
  return out;
}

std::vector<const F32ConvFewcKernelInfo*> f32_conv_fewc_kernels_for(const CpuFeatures& features) {
  std::vector<const F32ConvFewcKernelInfo*> out;
  const ConvFewcEntry* first = nullptr;
  for (const auto& e : kConvFewcTable) {
    if (!allowed(e.isa, features) || (first && e.isa != first->isa)) continue;
    if (!first) first = &e;
    out.push_back(&e.info);
  }
  return out;
}

std::vector<const F32ConvFewcKernelInfo*> f32_conv_fewc_all_kernels_for(const CpuFeatures& features) {
  std::vector<const F32ConvFewcKernelInfo*> out;
  for (const auto& e : kConvFewcTable)
    if (allowed(e.isa, features)) out.push_back(&e.info);
  return out;
}

const F32DwconvKernelInfo& f32_dwconv_kernel_for(const CpuFeatures& features) {
  for (const auto& e : kDwconvTable)
    if (allowed(e.isa, features)) return e.info;
  return kDwconvTable[sizeof(kDwconvTable) / sizeof(kDwconvTable[0]) - 1].info;
}

}  // namespace sparq

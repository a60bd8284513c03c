// Dispatch tables of the Winograd conv kernels, best first, filtered by what the CPU (or SPARQ_ISA) allows.
#include "runtime/dispatch-winograd.h"

#include "runtime/dispatch-table.h"

namespace sparq {

namespace {

using namespace dispatch;

// Per ISA, every GEMM tile the conv may pick by output channels (winograd_f32_kernel_for); 8x32 first, as it wins ties.
const WinogradF32Kernel kF32Table[] = {
#if defined(__x86_64__)
    {"f32-winograd-f23-8x32-avx512", 8, 32, f32_winograd_f23_conv__avx512, f32_winograd_gemm_ukernel_8x32__avx512, has_avx512},
    {"f32-winograd-f23-8x48-avx512", 8, 48, f32_winograd_f23_conv__avx512, f32_winograd_gemm_ukernel_8x48__avx512, has_avx512},
    {"f32-winograd-f23-6x16-avx2", 6, 16, f32_winograd_f23_conv__avx2, f32_winograd_gemm_ukernel_6x16__avx2, has_avx2},
#endif
#if defined(__aarch64__)
    {"f32-winograd-f23-8x8-neon", 8, 8, f32_winograd_f23_conv__neon, f32_winograd_gemm_ukernel_8x8__neon, has_neon},
#endif
    {"f32-winograd-f23-4x8-scalar", 4, 8, f32_winograd_f23_conv__scalar, f32_winograd_gemm_ukernel_4x8__scalar, always},
};

const WinogradS2F32Kernel kS2F32Table[] = {
#if defined(__x86_64__)
    {"f32-winograd-s2-8x32-avx512", 8, 32, f32_winograd_s2_conv__avx512, f32_winograd_gemm_ukernel_8x32__avx512, has_avx512},
    {"f32-winograd-s2-8x48-avx512", 8, 48, f32_winograd_s2_conv__avx512, f32_winograd_gemm_ukernel_8x48__avx512, has_avx512},
    {"f32-winograd-s2-6x16-avx2", 6, 16, f32_winograd_s2_conv__avx2, f32_winograd_gemm_ukernel_6x16__avx2, has_avx2},
#endif
#if defined(__aarch64__)
    {"f32-winograd-s2-8x8-neon", 8, 8, f32_winograd_s2_conv__neon, f32_winograd_gemm_ukernel_8x8__neon, has_neon},
#endif
    {"f32-winograd-s2-4x8-scalar", 4, 8, f32_winograd_s2_conv__scalar, f32_winograd_gemm_ukernel_4x8__scalar, always},
};

// Among the best ISA's entries (those sharing the first entry's `supported`), the GEMM tile that pads the output
// channels least: padded columns are FMAs thrown away (48 channels on 8x32 waste 25% of the products; measured in
// `npm run bench -- winograd`, see conv-algorithm.cc). Ties keep table order.
template <typename Kernel>
Kernel fewest_padded_columns(const std::vector<Kernel>& kernels, size_t out_channels) {
  const Kernel* best = &kernels.front();
  auto padded = [&](const Kernel& k) { return (out_channels + k.nr - 1) / k.nr * k.nr; };
  for (const Kernel& k : kernels) {
    if (k.supported == kernels.front().supported && padded(k) < padded(*best)) best = &k;
  }
  return *best;
}

const WinogradQU8Kernel kQU8Table[] = {
#if defined(__x86_64__)
    {"qu8-winograd-f23-8x32-avx512vnni", 8, 32, qu8_winograd_f23_conv__avx512vnni, has_avx512vnni},
    {"qu8-winograd-f23-8x32-avx512", 8, 32, qu8_winograd_f23_conv__avx512, has_avx512},
    {"qu8-winograd-f23-6x16-avx2", 6, 16, qu8_winograd_f23_conv__avx2, has_avx2},
#endif
    {"qu8-winograd-f23-4x8-scalar", 4, 8, qu8_winograd_f23_conv__scalar, always},
};

}  // namespace

std::vector<WinogradQU8Kernel> winograd_qu8_kernels(const CpuFeatures& features) {
  return dispatch::supported_entries(kQU8Table, features);
}

WinogradQU8Kernel winograd_qu8_kernel(const CpuFeatures& features) { return winograd_qu8_kernels(features).front(); }

std::vector<WinogradF32Kernel> winograd_f32_kernels(const CpuFeatures& features) {
  return dispatch::supported_entries(kF32Table, features);
}

WinogradF32Kernel winograd_f32_kernel_for(const CpuFeatures& features, size_t out_channels) {
  return fewest_padded_columns(winograd_f32_kernels(features), out_channels);
}

std::vector<WinogradS2F32Kernel> winograd_s2_f32_kernels(const CpuFeatures& features) {
  return dispatch::supported_entries(kS2F32Table, features);
}

WinogradS2F32Kernel winograd_s2_f32_kernel_for(const CpuFeatures& features, size_t out_channels) {
  return fewest_padded_columns(winograd_s2_f32_kernels(features), out_channels);
}

}  // namespace sparq

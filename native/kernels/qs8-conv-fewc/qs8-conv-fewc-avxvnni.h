// ymm operations for the few-channel direct conv body (VEX vpdpbusd ymm). Include only from -avxvnni.cc files.
#pragma once
#include <immintrin.h>

#include "kernels/qs8-conv-fewc/qs8-conv-fewc-body.h"

namespace sparq {
namespace {

struct FewcYmm {
  using Vec = __m256i;
  static constexpr size_t kLanes = 8;
  static Vec load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static Vec broadcast(int32_t v) { return _mm256_set1_epi32(v); }
  static Vec dot(Vec acc, Vec a, Vec w) { return _mm256_dpbusd_avx_epi32(acc, a, w); }
  static void store(void* p, Vec v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
};

}  // namespace
}  // namespace sparq

// zmm operations for the few-channel direct conv body (vpdpbusd zmm). Include only from -avx512vnni.cc files.
#pragma once
#include <immintrin.h>

#include "kernels/qs8-conv-fewc/qs8-conv-fewc-body.h"

namespace sparq {
namespace {

struct FewcZmm {
  using Vec = __m512i;
  static constexpr size_t kLanes = 16;
  static Vec load(const void* p) { return _mm512_loadu_si512(p); }
  static Vec broadcast(int32_t v) { return _mm512_set1_epi32(v); }
  static Vec dot(Vec acc, Vec a, Vec w) { return _mm512_dpbusd_epi32(acc, a, w); }
  static void store(void* p, Vec v) { _mm512_storeu_si512(p, v); }
};

}  // namespace
}  // namespace sparq

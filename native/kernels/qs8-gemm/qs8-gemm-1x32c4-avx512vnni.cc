// AVX-512 VNNI int8 GEMV microkernel, 1 row x 32 columns, weights packed c4 (vpdpbusd zmm): the single-row path
// (M = 1 fully connected layers, row remainders). With one row every weight byte is used once, so the kernel is
// bound by how fast the panel streams in: four independent accumulator pairs keep vpdpbusd latency off the
// critical path when the panel is cached, and a software prefetch runs ahead of the loads so that weights coming
// from L3 or memory (the common case: a network's layers do not stay cache-hot) have many lines in flight.
#include <immintrin.h>

#include <cstring>

#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {
namespace {

// How far ahead of the loads the prefetch runs, in bytes of panel (2-8 KB measured alike with weights from
// memory). The next panel follows contiguously, and a prefetch past the end of the buffer never faults.
constexpr size_t kPrefetchBytes = 4096;

inline __m512i broadcast4(const uint8_t* a) {
  int32_t a4;
  std::memcpy(&a4, a, 4);
  return _mm512_set1_epi32(a4);
}

}  // namespace

void qs8_gemm_ukernel_1x32c4__avx512vnni(size_t, size_t k, const void* a, size_t, const void* packed_w,
                                          int32_t* acc) {
  const uint8_t* row = static_cast<const uint8_t*>(a);
  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  __m512i lo0 = _mm512_loadu_si512(bias), hi0 = _mm512_loadu_si512(bias + 16);
  __m512i lo1 = _mm512_setzero_si512(), hi1 = _mm512_setzero_si512();
  __m512i lo2 = _mm512_setzero_si512(), hi2 = _mm512_setzero_si512();
  __m512i lo3 = _mm512_setzero_si512(), hi3 = _mm512_setzero_si512();
  const int8_t* w = reinterpret_cast<const int8_t*>(bias + 32);
  size_t kk = k;
  for (; kk >= 16; kk -= 16) {
    // 16 depth values = 4 groups of 128 bytes = 8 cache lines.
    for (size_t line = 0; line < 512; line += 64)
      _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchBytes + line), _MM_HINT_T0);
    const __m512i a0 = broadcast4(row), a1 = broadcast4(row + 4), a2 = broadcast4(row + 8), a3 = broadcast4(row + 12);
    lo0 = _mm512_dpbusd_epi32(lo0, a0, _mm512_loadu_si512(w));
    hi0 = _mm512_dpbusd_epi32(hi0, a0, _mm512_loadu_si512(w + 64));
    lo1 = _mm512_dpbusd_epi32(lo1, a1, _mm512_loadu_si512(w + 128));
    hi1 = _mm512_dpbusd_epi32(hi1, a1, _mm512_loadu_si512(w + 192));
    lo2 = _mm512_dpbusd_epi32(lo2, a2, _mm512_loadu_si512(w + 256));
    hi2 = _mm512_dpbusd_epi32(hi2, a2, _mm512_loadu_si512(w + 320));
    lo3 = _mm512_dpbusd_epi32(lo3, a3, _mm512_loadu_si512(w + 384));
    hi3 = _mm512_dpbusd_epi32(hi3, a3, _mm512_loadu_si512(w + 448));
    row += 16;
    w += 512;
  }
  for (; kk >= 4; kk -= 4) {
    const __m512i a0 = broadcast4(row);
    lo0 = _mm512_dpbusd_epi32(lo0, a0, _mm512_loadu_si512(w));
    hi0 = _mm512_dpbusd_epi32(hi0, a0, _mm512_loadu_si512(w + 64));
    row += 4;
    w += 128;
  }
  if (kk != 0) {
    // Last 1..3 depth values: read only what exists; the packed weights are zero past k.
    int32_t a4 = 0;
    std::memcpy(&a4, row, kk);
    const __m512i a0 = _mm512_set1_epi32(a4);
    lo0 = _mm512_dpbusd_epi32(lo0, a0, _mm512_loadu_si512(w));
    hi0 = _mm512_dpbusd_epi32(hi0, a0, _mm512_loadu_si512(w + 64));
  }
  // Integer sums wrap identically in any order, so the split accumulators add up to the reference bit for bit.
  lo0 = _mm512_add_epi32(_mm512_add_epi32(lo0, lo1), _mm512_add_epi32(lo2, lo3));
  hi0 = _mm512_add_epi32(_mm512_add_epi32(hi0, hi1), _mm512_add_epi32(hi2, hi3));
  _mm512_storeu_si512(acc, lo0);
  _mm512_storeu_si512(acc + 16, hi0);
}

}  // namespace sparq

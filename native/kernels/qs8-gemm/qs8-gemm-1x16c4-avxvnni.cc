// AVX-VNNI int8 GEMV microkernel, 1 row x 16 columns, weights packed c4 (vpdpbusd ymm): the single-row path.
// Every weight byte is used once, so the kernel is bound by how fast the panel streams in: four independent
// accumulator pairs keep vpdpbusd latency off the critical path when the panel is cached, and a software prefetch
// runs ahead of the loads for weights coming from L3 or memory (a network's layers do not stay cache-hot).
#include <immintrin.h>

#include <cstring>

#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {
namespace {

// How far ahead of the loads the prefetch runs, in bytes of panel (the next panel follows contiguously, and a
// prefetch past the end of the buffer never faults).
constexpr size_t kPrefetchBytes = 4096;

inline __m256i broadcast4(const uint8_t* a) {
  int32_t a4;
  std::memcpy(&a4, a, 4);
  return _mm256_set1_epi32(a4);
}

inline __m256i load(const int8_t* w) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)); }

}  // namespace

void qs8_gemm_ukernel_1x16c4__avxvnni(size_t, size_t k, const void* a, size_t, const void* packed_w, int32_t* acc) {
  const uint8_t* row = static_cast<const uint8_t*>(a);
  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  __m256i lo0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));
  __m256i hi0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8));
  __m256i lo1 = _mm256_setzero_si256(), hi1 = _mm256_setzero_si256();
  __m256i lo2 = _mm256_setzero_si256(), hi2 = _mm256_setzero_si256();
  __m256i lo3 = _mm256_setzero_si256(), hi3 = _mm256_setzero_si256();
  const int8_t* w = reinterpret_cast<const int8_t*>(bias + 16);
  size_t kk = k;
  for (; kk >= 16; kk -= 16) {
    // 16 depth values = 4 groups of 64 bytes = 4 cache lines.
    for (size_t line = 0; line < 256; line += 64)
      _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchBytes + line), _MM_HINT_T0);
    const __m256i a0 = broadcast4(row), a1 = broadcast4(row + 4), a2 = broadcast4(row + 8), a3 = broadcast4(row + 12);
    lo0 = _mm256_dpbusd_avx_epi32(lo0, a0, load(w));
    hi0 = _mm256_dpbusd_avx_epi32(hi0, a0, load(w + 32));
    lo1 = _mm256_dpbusd_avx_epi32(lo1, a1, load(w + 64));
    hi1 = _mm256_dpbusd_avx_epi32(hi1, a1, load(w + 96));
    lo2 = _mm256_dpbusd_avx_epi32(lo2, a2, load(w + 128));
    hi2 = _mm256_dpbusd_avx_epi32(hi2, a2, load(w + 160));
    lo3 = _mm256_dpbusd_avx_epi32(lo3, a3, load(w + 192));
    hi3 = _mm256_dpbusd_avx_epi32(hi3, a3, load(w + 224));
    row += 16;
    w += 256;
  }
  for (; kk >= 4; kk -= 4) {
    const __m256i a0 = broadcast4(row);
    lo0 = _mm256_dpbusd_avx_epi32(lo0, a0, load(w));
    hi0 = _mm256_dpbusd_avx_epi32(hi0, a0, load(w + 32));
    row += 4;
    w += 64;
  }
  if (kk != 0) {
    // Last 1..3 depth values: read only what exists; the packed weights are zero past k.
    int32_t a4 = 0;
    std::memcpy(&a4, row, kk);
    const __m256i a0 = _mm256_set1_epi32(a4);
    lo0 = _mm256_dpbusd_avx_epi32(lo0, a0, load(w));
    hi0 = _mm256_dpbusd_avx_epi32(hi0, a0, load(w + 32));
  }
  // Integer sums wrap identically in any order, so the split accumulators add up to the reference bit for bit.
  lo0 = _mm256_add_epi32(_mm256_add_epi32(lo0, lo1), _mm256_add_epi32(lo2, lo3));
  hi0 = _mm256_add_epi32(_mm256_add_epi32(hi0, hi1), _mm256_add_epi32(hi2, hi3));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc), lo0);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8), hi0);
}

}  // namespace sparq

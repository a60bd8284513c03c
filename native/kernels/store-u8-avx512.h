// Storing 16 s32 lanes as 16 bytes (the low byte of each) on AVX-512: narrow in a register, then store.
// Include only from AVX-512 .cc files.
//
// The memory form of vpmovdb (what compilers make of a narrowing store, masked or not) is slow on AMD Zen 4/5: it
// was the most expensive instruction of the int8 epilogue there. The empty asm keeps the narrowing in a register,
// so the store is a plain (or, for a partial block, masked byte) vector store.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace sparq {
namespace {  // internal linkage: each ISA's bodies must never be merged across translation units

inline void store_u8x16(uint8_t* p, __mmask16 mask, __m512i q) {
  __m128i b = _mm512_cvtepi32_epi8(q);
  __asm__("" : "+v"(b));
  if (mask == __mmask16(0xFFFF)) _mm_storeu_si128(reinterpret_cast<__m128i*>(p), b);
  else _mm_mask_storeu_epi8(p, mask, b);
}

}  // namespace
}  // namespace sparq

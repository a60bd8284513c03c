// AMX int8 GEMM microkernel, 32 rows x 32 columns (tdpbusd: u8 x s8 -> s32 tiles), weights packed c4 with NR=32
// and depth padded to 64, the same panels the AVX-512 VNNI 8x32c4 kernel reads (so it serves the row tails).
// AMX has no build group of its own: the tile instructions are written in inline assembly (no compiler flags
// needed) and the file sits in the avx512vnni group because every AMX CPU has AVX-512 VNNI, which the tails use.
// Tile registers: tmm0..3 accumulators (rows 0-15 / 16-31 x columns 0-15 / 16-31), tmm4..5 A, tmm6..7 weights;
// every tile is 16 rows x 64 bytes. The tile configuration is loaded by qs8_gemm_amx_begin once per tile range.
#include <cstring>

#include "kernels/qs8-gemm/qs8-gemm.h"

namespace sparq {
namespace {

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 64, 64, 64, 64, 64, 64};
  uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};

// Loads A rows [0,16) into tmm4 and [16,32) into tmm5 (starting at `a1` for the second), one 64-byte depth block.
inline void load_a(const uint8_t* a0, const uint8_t* a1, size_t stride) {
  asm volatile("tileloadd (%0,%1,1), %%tmm4" ::"r"(a0), "r"(stride) : "memory");
  asm volatile("tileloadd (%0,%1,1), %%tmm5" ::"r"(a1), "r"(stride) : "memory");
}

// 64 depth values of weights for 32 columns: rows of the panel are 128 bytes (32 columns x 4 depth values).
inline void load_w_and_multiply(const int8_t* w) {
  const size_t stride = 128;
  asm volatile("tileloadd (%0,%1,1), %%tmm6" ::"r"(w), "r"(stride) : "memory");
  asm volatile("tileloadd (%0,%1,1), %%tmm7" ::"r"(w + 64), "r"(stride) : "memory");
  asm volatile("tdpbusd %tmm6, %tmm4, %tmm0");
  asm volatile("tdpbusd %tmm7, %tmm4, %tmm1");
  asm volatile("tdpbusd %tmm6, %tmm5, %tmm2");
  asm volatile("tdpbusd %tmm7, %tmm5, %tmm3");
}

}  // namespace

void qs8_gemm_amx_begin() {
  static const TileConfig config;
  asm volatile("ldtilecfg %0" ::"m"(config));
}

void qs8_gemm_amx_end() { asm volatile("tilerelease" ::: "memory"); }

void qs8_gemm_ukernel_32x32c4__amx(size_t mr, size_t k, const void* a, size_t a_stride, const void* packed_w,
                                   int32_t* acc) {
  if (mr < 16) {
    // Too few rows for a tile without reading past the last one: the AVX-512 VNNI kernels share the panel layout.
    const uint8_t* rows = static_cast<const uint8_t*>(a);
    size_t done = 0;
    while (mr - done >= 2) {
      alignas(64) int32_t part[8 * 32];
      const size_t take = mr - done < 8 ? mr - done : 8;
      qs8_gemm_ukernel_8x32c4__avx512vnni(take, k, rows + done * a_stride, a_stride, packed_w, part);
      std::memcpy(acc + done * 32, part, take * 32 * sizeof(int32_t));
      done += take;
    }
    if (done < mr) qs8_gemm_ukernel_1x32c4__avx512vnni(1, k, rows + done * a_stride, a_stride, packed_w, acc + done * 32);
    for (size_t i = mr; i < 32; ++i) std::memcpy(acc + i * 32, acc + (mr - 1) * 32, 32 * sizeof(int32_t));
    return;
  }
  // 16 <= mr <= 32: the second row tile starts at row mr - 16, overlapping the first (same values where they meet).
  const uint8_t* a0 = static_cast<const uint8_t*>(a);
  const uint8_t* a1 = a0 + (mr - 16) * a_stride;
  const int32_t* bias = static_cast<const int32_t*>(packed_w);
  const size_t zero_stride = 0;  // every accumulator row starts as the bias row
  asm volatile("tileloadd (%0,%1,1), %%tmm0" ::"r"(bias), "r"(zero_stride) : "memory");
  asm volatile("tileloadd (%0,%1,1), %%tmm1" ::"r"(bias + 16), "r"(zero_stride) : "memory");
  asm volatile("tileloadd (%0,%1,1), %%tmm2" ::"r"(bias), "r"(zero_stride) : "memory");
  asm volatile("tileloadd (%0,%1,1), %%tmm3" ::"r"(bias + 16), "r"(zero_stride) : "memory");
  const int8_t* w = reinterpret_cast<const int8_t*>(bias + 32);
  size_t k0 = 0;
  for (; k0 + 64 <= k; k0 += 64, w += 64 * 32) {
    load_a(a0 + k0, a1 + k0, a_stride);
    load_w_and_multiply(w);
  }
  if (k0 < k) {
    // Last 1..63 depth values: copy them into a zero-padded block (the weights are zero there too).
    alignas(64) uint8_t tail[32 * 64];
    std::memset(tail, 0, sizeof(tail));
    for (size_t i = 0; i < 16; ++i) {
      std::memcpy(tail + i * 64, a0 + i * a_stride + k0, k - k0);
      std::memcpy(tail + (16 + i) * 64, a1 + i * a_stride + k0, k - k0);
    }
    load_a(tail, tail + 16 * 64, 64);
    load_w_and_multiply(w);
  }
  const size_t out_stride = 32 * sizeof(int32_t);
  int32_t* c1 = acc + (mr - 16) * 32;
  asm volatile("tilestored %%tmm0, (%0,%1,1)" ::"r"(acc), "r"(out_stride) : "memory");
  asm volatile("tilestored %%tmm1, (%0,%1,1)" ::"r"(acc + 16), "r"(out_stride) : "memory");
  asm volatile("tilestored %%tmm2, (%0,%1,1)" ::"r"(c1), "r"(out_stride) : "memory");
  asm volatile("tilestored %%tmm3, (%0,%1,1)" ::"r"(c1 + 16), "r"(out_stride) : "memory");
  for (size_t i = mr; i < 32; ++i) std::memcpy(acc + i * 32, acc + (mr - 1) * 32, 32 * sizeof(int32_t));
}

}  // namespace sparq

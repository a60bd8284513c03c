// The fused int8 F(2,3) loop shared by every ISA: u8 -> int16 input transform, 16 int16-pair GEMMs, int32 output
// transform with exact division by 4, bias and requantization, per L2-sized tile block. Included by one file per
// ISA (vector width from SPARQ_WINOGRAD_VECTOR_CHANNELS); the anonymous namespace keeps each copy private.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/winograd/winograd-f23.h"

#ifndef SPARQ_WINOGRAD_VECTOR_CHANNELS
#error "define SPARQ_WINOGRAD_VECTOR_CHANNELS (channels per step for the including file's ISA)"
#endif

namespace sparq {
namespace {

constexpr size_t kQW = SPARQ_WINOGRAD_VECTOR_CHANNELS;
typedef uint8_t QU8Vec __attribute__((vector_size(kQW), aligned(1)));
typedef int16_t QI16Vec __attribute__((vector_size(kQW * 2), aligned(2)));
typedef int32_t QI32Vec __attribute__((vector_size(kQW * 4), aligned(4)));
typedef uint32_t QU32Vec __attribute__((vector_size(kQW * 4), aligned(4)));
typedef float QF32Vec __attribute__((vector_size(kQW * 4), aligned(4)));

template <typename T>
inline T qload(const void* p) {
  T v;
  __builtin_memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
inline void qstore(void* p, T v) {
  __builtin_memcpy(p, &v, sizeof(T));
}
// Element-wise conversion for scalars and vectors alike (unsigned -> signed wraps, as GCC and Clang define it).
template <typename To, typename From>
inline To qcvt(From f) {
  if constexpr (std::is_arithmetic_v<From>) {
    return static_cast<To>(f);
  } else {
    return __builtin_convertvector(f, To);
  }
}

// Channels [c, c + width): V = Bᵀ (x - zp) B in int16 (|V| <= 4 * 255).
template <typename U8, typename I16>
inline void qu8_winograd_input_step(const uint8_t* const* rows, size_t c, I16 zp, int16_t* v, size_t pos_stride) {
  I16 t[4][4];
  for (int j = 0; j < 4; ++j) {
    const I16 d0 = qcvt<I16>(qload<U8>(rows[0 * 4 + j] + c)) - zp, d1 = qcvt<I16>(qload<U8>(rows[1 * 4 + j] + c)) - zp;
    const I16 d2 = qcvt<I16>(qload<U8>(rows[2 * 4 + j] + c)) - zp, d3 = qcvt<I16>(qload<U8>(rows[3 * 4 + j] + c)) - zp;
    t[0][j] = d0 - d2;
    t[1][j] = d1 + d2;
    t[2][j] = d2 - d1;
    t[3][j] = d1 - d3;
  }
  for (int i = 0; i < 4; ++i) {
    qstore<I16>(v + (i * 4 + 0) * pos_stride + c, I16(t[i][0] - t[i][2]));
    qstore<I16>(v + (i * 4 + 1) * pos_stride + c, I16(t[i][1] + t[i][2]));
    qstore<I16>(v + (i * 4 + 2) * pos_stride + c, I16(t[i][2] - t[i][1]));
    qstore<I16>(v + (i * 4 + 3) * pos_stride + c, I16(t[i][1] - t[i][3]));
  }
}

// Channels [k, k + width): 4 * sum = Aᵀ M A modulo 2^32 (exact in the end), >> 2, + bias, requantize to u8.
template <typename U32, typename I32, typename F32, typename U8>
inline void qu8_winograd_output_step(const int32_t* m, size_t pos_stride, const int32_t* bias, const float* scale,
                                     float lo, float hi, int32_t zp, size_t k, uint8_t* const* o) {
  U32 s[2][4];
  for (int j = 0; j < 4; ++j) {
    const U32 m0 = qload<U32>(m + (0 * 4 + j) * pos_stride + k), m1 = qload<U32>(m + (1 * 4 + j) * pos_stride + k);
    const U32 m2 = qload<U32>(m + (2 * 4 + j) * pos_stride + k), m3 = qload<U32>(m + (3 * 4 + j) * pos_stride + k);
    s[0][j] = m0 + m1 + m2;
    s[1][j] = m1 - m2 - m3;
  }
  const U32 out[4] = {s[0][0] + s[0][1] + s[0][2], s[0][1] - s[0][2] - s[0][3], s[1][0] + s[1][1] + s[1][2],
                      s[1][1] - s[1][2] - s[1][3]};
  const I32 b = qload<I32>(bias + k);
  const F32 sc = qload<F32>(scale + k);
  const F32 magic = F32{} + 12582912.f;  // 1.5 * 2^23: adding and subtracting rounds to nearest even
  for (int q = 0; q < 4; ++q) {
    const I32 acc = (qcvt<I32>(out[q]) >> 2) + b;
    F32 f = qcvt<F32>(acc) * sc;
    f = f < lo ? F32{} + lo : f;  // clamp first (integer bounds): same result as clamping after rounding
    f = f > hi ? F32{} + hi : f;
    f = (f + magic) - magic;
    qstore<U8>(o[q] + k, qcvt<U8>(qcvt<I32>(f) + zp));
  }
}

template <size_t MR>
void winograd_f23_qu8_run(WinogradQs16GemmFn gemm, const WinogradF23Problem& p, const uint8_t* x, int32_t x_zp,
                          const WinogradF23QU8Weights& w, const Requant8& rq, uint8_t* y, void* workspace,
                          size_t tile_begin, size_t tile_end) {
  const size_t C = p.channels, CP = w.channels_padded, M = p.out_channels, MP = w.out_channels_padded, NR = w.nr;
  const size_t block = winograd_f23_tile_block(CP, MP, MR);
  int16_t* v = reinterpret_cast<int16_t*>((reinterpret_cast<uintptr_t>(workspace) + 63) & ~uintptr_t{63});
  int32_t* prod = reinterpret_cast<int32_t*>(v + 16 * block * CP);  // 16 x block x MP
  uint8_t* zp_row = reinterpret_cast<uint8_t*>(prod + 16 * block * MP);  // CP + 64 bytes of the zero point
  uint8_t* discard = zp_row + CP + 64;  // MP bytes: output pixels beyond out_h/out_w land here
  std::memset(zp_row, x_zp, CP + 64);
  const float lo = static_cast<float>(rq.qmin - rq.output_zero_point);
  const float hi = static_cast<float>(rq.qmax - rq.output_zero_point);
  const size_t th_count = p.tiles_h(), tw_count = p.tiles_w(), panels = MP / NR;
  const QI16Vec zpv = QI16Vec{} + static_cast<int16_t>(x_zp);
  for (size_t t0 = tile_begin; t0 < tile_end; t0 += block) {
    const size_t count = block < tile_end - t0 ? block : tile_end - t0;
    for (size_t t = 0; t < count; ++t) {
      const size_t tile = t0 + t;
      const size_t n = tile / (th_count * tw_count), rem = tile % (th_count * tw_count);
      const ptrdiff_t iy0 = static_cast<ptrdiff_t>(rem / tw_count * 2) - static_cast<ptrdiff_t>(p.pad_top);
      const ptrdiff_t ix0 = static_cast<ptrdiff_t>(rem % tw_count * 2) - static_cast<ptrdiff_t>(p.pad_left);
      const uint8_t* rows[16];
      for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
          const ptrdiff_t iy = iy0 + i, ix = ix0 + j;
          const bool inside = iy >= 0 && ix >= 0 && iy < static_cast<ptrdiff_t>(p.in_h) &&
                              ix < static_cast<ptrdiff_t>(p.in_w);
          rows[i * 4 + j] =
              inside ? x + ((n * p.in_h + static_cast<size_t>(iy)) * p.in_w + static_cast<size_t>(ix)) * C : zp_row;
        }
      }
      int16_t* vt = v + t * CP;
      size_t c = 0;
      for (; c + kQW <= C; c += kQW) qu8_winograd_input_step<QU8Vec, QI16Vec>(rows, c, zpv, vt, block * CP);
      for (; c < C; ++c) qu8_winograd_input_step<uint8_t, int16_t>(rows, c, static_cast<int16_t>(x_zp), vt, block * CP);
      for (; c < CP; ++c)
        for (size_t pos = 0; pos < 16; ++pos) vt[pos * block * CP + c] = 0;
    }
    for (size_t pos = 0; pos < 16; ++pos) {
      const int16_t* a = v + pos * block * CP;
      int32_t* cm = prod + pos * block * MP;
      for (size_t j = 0; j < panels; ++j) {
        const int16_t* b = w.u.data() + (pos * panels + j) * CP * NR;
        for (size_t r = 0; r < count; r += MR) gemm(MR < count - r ? MR : count - r, CP, a + r * CP, CP, b, cm + r * MP + j * NR, MP);
      }
    }
    for (size_t t = 0; t < count; ++t) {
      const size_t tile = t0 + t;
      const size_t n = tile / (th_count * tw_count), rem = tile % (th_count * tw_count);
      const size_t oy = rem / tw_count * 2, ox = rem % tw_count * 2;
      uint8_t* o[4];
      for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 2; ++j) {
          const bool inside = oy + i < p.out_h && ox + j < p.out_w;
          o[i * 2 + j] = inside ? y + ((n * p.out_h + oy + i) * p.out_w + ox + j) * M : discard;
        }
      }
      const int32_t* mt = prod + t * MP;
      size_t k = 0;
      for (; k + kQW <= M; k += kQW)
        qu8_winograd_output_step<QU32Vec, QI32Vec, QF32Vec, QU8Vec>(mt, block * MP, w.bias.data(), rq.scale, lo, hi,
                                                                    rq.output_zero_point, k, o);
      for (; k < M; ++k)
        qu8_winograd_output_step<uint32_t, int32_t, float, uint8_t>(mt, block * MP, w.bias.data(), rq.scale, lo, hi,
                                                                    rq.output_zero_point, k, o);
    }
  }
}

}  // namespace
}  // namespace sparq

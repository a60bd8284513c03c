// Plain references for the Winograd kernels: direct 3x3 conv (fp32 and u8/s8) and a scalar int8 F(2,3) Winograd.
#include "reference/winograd-reference.h"

#include <cmath>
#include <vector>

namespace sparq {

namespace {

// Direct 3x3 NHWC convolution in a wide accumulator (double for fp32, int64 for int8: exact); emit(o, m, acc) stores
// output element o of output channel m. The input value is x - x_zero (0 for fp32).
template <typename X, typename W, typename Acc, typename B, typename Emit>
void conv3x3_nhwc_accumulate(const WinogradF23Problem& p, const X* x, Acc x_zero, const W* w, const B* bias,
                             Emit&& emit) {
  const size_t C = p.channels, M = p.out_channels;
  for (size_t n = 0; n < p.batch; ++n) {
    for (size_t oy = 0; oy < p.out_h; ++oy) {
      for (size_t ox = 0; ox < p.out_w; ++ox) {
        for (size_t m = 0; m < M; ++m) {
          Acc acc = bias ? static_cast<Acc>(bias[m]) : Acc(0);
          for (size_t ky = 0; ky < 3; ++ky) {
            const ptrdiff_t iy = static_cast<ptrdiff_t>(oy + ky) - static_cast<ptrdiff_t>(p.pad_top);
            if (iy < 0 || iy >= static_cast<ptrdiff_t>(p.in_h)) continue;
            for (size_t kx = 0; kx < 3; ++kx) {
              const ptrdiff_t ix = static_cast<ptrdiff_t>(ox + kx) - static_cast<ptrdiff_t>(p.pad_left);
              if (ix < 0 || ix >= static_cast<ptrdiff_t>(p.in_w)) continue;
              const X* xp = x + ((n * p.in_h + static_cast<size_t>(iy)) * p.in_w + static_cast<size_t>(ix)) * C;
              for (size_t c = 0; c < C; ++c) {
                acc += (static_cast<Acc>(xp[c]) - x_zero) * static_cast<Acc>(w[((m * C + c) * 3 + ky) * 3 + kx]);
              }
            }
          }
          emit(((n * p.out_h + oy) * p.out_w + ox) * M + m, m, acc);
        }
      }
    }
  }
}

}  // namespace

void conv3x3_nhwc_f32_reference(const WinogradF23Problem& p, const float* x, const float* w, const float* bias,
                                const ActivationParams& act, float* y) {
  conv3x3_nhwc_accumulate(p, x, 0.0, w, bias, [&](size_t o, size_t, double acc) {
    y[o] = activate(static_cast<float>(acc), act);
  });
}

uint8_t requantize_u8_reference(int32_t acc, float scale, const Requant8& rq) {
  // float product, round half to even (nearbyint under the default rounding mode), then zero point and clamp
  const float scaled = static_cast<float>(acc) * scale;
  const long q = std::lrintf(scaled) + rq.output_zero_point;
  const long lo = rq.qmin, hi = rq.qmax;
  return static_cast<uint8_t>(q < lo ? lo : q > hi ? hi : q);
}

void conv3x3_nhwc_qu8_reference(const WinogradF23Problem& p, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                                const int32_t* bias, const Requant8& rq, uint8_t* y, int32_t* acc_out) {
  conv3x3_nhwc_accumulate(p, x, static_cast<int64_t>(x_zero_point), w, bias, [&](size_t o, size_t m, int64_t acc) {
    const int32_t acc32 = static_cast<int32_t>(acc);
    if (acc_out) acc_out[o] = acc32;
    y[o] = requantize_u8_reference(acc32, rq.scale[m], rq);
  });
}

void winograd_f23_qu8_reference(const WinogradF23Problem& p, const uint8_t* x, int32_t x_zero_point, const int8_t* w,
                                const int32_t* bias, const Requant8& rq, uint8_t* y, int32_t* acc_out) {
  const size_t C = p.channels, M = p.out_channels;
  // U' = (2G) g (2G)ᵀ = 4 G g Gᵀ, integer; 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]].
  std::vector<int16_t> u(16 * M * C);
  for (size_t m = 0; m < M; ++m) {
    for (size_t c = 0; c < C; ++c) {
      const int8_t* g = w + (m * C + c) * 9;
      int32_t t[4][3];
      for (int j = 0; j < 3; ++j) {
        t[0][j] = 2 * g[j];
        t[1][j] = g[j] + g[3 + j] + g[6 + j];
        t[2][j] = g[j] - g[3 + j] + g[6 + j];
        t[3][j] = 2 * g[6 + j];
      }
      for (int i = 0; i < 4; ++i) {
        const int32_t r[4] = {2 * t[i][0], t[i][0] + t[i][1] + t[i][2], t[i][0] - t[i][1] + t[i][2], 2 * t[i][2]};
        for (int j = 0; j < 4; ++j) u[(static_cast<size_t>(i * 4 + j) * M + m) * C + c] = static_cast<int16_t>(r[j]);
      }
    }
  }
  std::vector<int16_t> v(16 * C);
  std::vector<uint32_t> prod(16);  // products wrap modulo 2^32 like the SIMD kernels; the final value is exact
  for (size_t n = 0; n < p.batch; ++n) {
    for (size_t th = 0; th < p.tiles_h(); ++th) {
      for (size_t tw = 0; tw < p.tiles_w(); ++tw) {
        for (size_t c = 0; c < C; ++c) {
          int32_t d[4][4];
          for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 4; ++j) {
              const ptrdiff_t iy = static_cast<ptrdiff_t>(th * 2 + i) - static_cast<ptrdiff_t>(p.pad_top);
              const ptrdiff_t ix = static_cast<ptrdiff_t>(tw * 2 + j) - static_cast<ptrdiff_t>(p.pad_left);
              const bool inside = iy >= 0 && ix >= 0 && iy < static_cast<ptrdiff_t>(p.in_h) &&
                                  ix < static_cast<ptrdiff_t>(p.in_w);
              d[i][j] = inside ? static_cast<int32_t>(
                                     x[((n * p.in_h + static_cast<size_t>(iy)) * p.in_w + static_cast<size_t>(ix)) * C + c]) -
                                     x_zero_point
                               : 0;
            }
          }
          int32_t t[4][4];
          for (int j = 0; j < 4; ++j) {
            t[0][j] = d[0][j] - d[2][j];
            t[1][j] = d[1][j] + d[2][j];
            t[2][j] = d[2][j] - d[1][j];
            t[3][j] = d[1][j] - d[3][j];
          }
          for (int i = 0; i < 4; ++i) {
            v[static_cast<size_t>(i * 4 + 0) * C + c] = static_cast<int16_t>(t[i][0] - t[i][2]);
            v[static_cast<size_t>(i * 4 + 1) * C + c] = static_cast<int16_t>(t[i][1] + t[i][2]);
            v[static_cast<size_t>(i * 4 + 2) * C + c] = static_cast<int16_t>(t[i][2] - t[i][1]);
            v[static_cast<size_t>(i * 4 + 3) * C + c] = static_cast<int16_t>(t[i][1] - t[i][3]);
          }
        }
        for (size_t m = 0; m < M; ++m) {
          for (size_t pos = 0; pos < 16; ++pos) {
            uint32_t acc = 0;
            const int16_t* up = u.data() + (pos * M + m) * C;
            const int16_t* vp = v.data() + pos * C;
            for (size_t c = 0; c < C; ++c) acc += static_cast<uint32_t>(static_cast<int32_t>(up[c]) * vp[c]);
            prod[pos] = acc;
          }
          uint32_t s[2][4];
          for (int j = 0; j < 4; ++j) {
            s[0][j] = prod[0 * 4 + j] + prod[1 * 4 + j] + prod[2 * 4 + j];
            s[1][j] = prod[1 * 4 + j] - prod[2 * 4 + j] - prod[3 * 4 + j];
          }
          const uint32_t o[2][2] = {{s[0][0] + s[0][1] + s[0][2], s[0][1] - s[0][2] - s[0][3]},
                                    {s[1][0] + s[1][1] + s[1][2], s[1][1] - s[1][2] - s[1][3]}};
          for (int i = 0; i < 2; ++i) {
            for (int j = 0; j < 2; ++j) {
              const size_t oy = th * 2 + static_cast<size_t>(i), ox = tw * 2 + static_cast<size_t>(j);
              if (oy >= p.out_h || ox >= p.out_w) continue;
              // 4 * exact sum: divide exactly (arithmetic shift of a multiple of 4), then the bias.
              const int32_t acc = (static_cast<int32_t>(o[i][j]) >> 2) + (bias ? bias[m] : 0);
              const size_t idx = ((n * p.out_h + oy) * p.out_w + ox) * M + m;
              if (acc_out) acc_out[idx] = acc;
              y[idx] = requantize_u8_reference(acc, rq.scale[m], rq);
            }
          }
        }
      }
    }
  }
}

}  // namespace sparq

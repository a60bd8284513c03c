// NHWC MaxPool / AveragePool (pads, strides, dilations, count_include_pad) and the global pools, vectorized over C.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "ops/op-checks.h"
#include "ops/parallel-elements.h"
#include "ops/pool-geometry.h"

namespace sparq {
namespace {

enum class PoolKind { kMax, kAverageExcludePad, kAverageIncludePad };

class PoolOp final : public Op {
 public:
  PoolOp(int32_t x, int32_t y, PoolGeometry g, PoolKind kind) : x_(x), y_(y), g_(g), kind_(kind) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    float* y = ctx.ptr<float>(y_);
    const PoolGeometry g = g_;
    const size_t rows = static_cast<size_t>(g.n * g.oh);
    const size_t row_work = static_cast<size_t>(std::max<int64_t>(1, g.ow * g.c * g.kh * g.kw));
    const size_t grain = std::max<size_t>(1, kParallelElements / row_work);
    for_element_chunks(ctx.pool, rows, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) pool_row(x, y, static_cast<int64_t>(r));
    }, grain);
  }
  std::string kernel_name() const override {
    return kind_ == PoolKind::kMax ? "f32-maxpool nhwc" : "f32-avgpool nhwc";
  }

 private:
  // Output row r = (batch, oy): every ox, all channels.
  void pool_row(const float* x, float* y, int64_t r) const {
    const PoolGeometry& g = g_;
    const int64_t b = r / g.oh, oy = r % g.oh, c_count = g.c;
    const float* xb = x + b * g.h * g.w * c_count;
    float* yr = y + r * g.ow * c_count;
    const int64_t y0 = oy * g.sh - g.pad_top;
    // Taps [ky_begin, ky_end) land inside the input; padded taps are skipped (or only counted).
    const int64_t ky_begin = y0 >= 0 ? 0 : (-y0 + g.dh - 1) / g.dh;
    const int64_t ky_end = std::min(g.kh, y0 < g.h ? (g.h - y0 + g.dh - 1) / g.dh : int64_t{0});
    int64_t ky_padded = 0;  // taps inside the padded extent, for count_include_pad
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = y0 + ky * g.dh;
      ky_padded += iy >= -g.pad_top && iy < g.h + g.pad_bottom;
    }
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      float* out = yr + ox * c_count;
      const int64_t x0 = ox * g.sw - g.pad_left;
      const int64_t kx_begin = x0 >= 0 ? 0 : (-x0 + g.dw - 1) / g.dw;
      const int64_t kx_end = std::min(g.kw, x0 < g.w ? (g.w - x0 + g.dw - 1) / g.dw : int64_t{0});
      if (kind_ == PoolKind::kMax) {
        for (int64_t c = 0; c < c_count; ++c) out[c] = std::numeric_limits<float>::lowest();
        for (int64_t ky = ky_begin; ky < ky_end; ++ky)
          for (int64_t kx = kx_begin; kx < kx_end; ++kx) {
            const float* in = xb + ((y0 + ky * g.dh) * g.w + (x0 + kx * g.dw)) * c_count;
            for (int64_t c = 0; c < c_count; ++c) out[c] = in[c] > out[c] ? in[c] : out[c];
          }
        continue;
      }
      for (int64_t c = 0; c < c_count; ++c) out[c] = 0.f;
      for (int64_t ky = ky_begin; ky < ky_end; ++ky)
        for (int64_t kx = kx_begin; kx < kx_end; ++kx) {
          const float* in = xb + ((y0 + ky * g.dh) * g.w + (x0 + kx * g.dw)) * c_count;
          for (int64_t c = 0; c < c_count; ++c) out[c] += in[c];
        }
      int64_t count;
      if (kind_ == PoolKind::kAverageIncludePad) {
        int64_t kx_padded = 0;
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const int64_t ix = x0 + kx * g.dw;
          kx_padded += ix >= -g.pad_left && ix < g.w + g.pad_right;
        }
        count = ky_padded * kx_padded;
      } else {
        count = std::max<int64_t>(0, ky_end - ky_begin) * std::max<int64_t>(0, kx_end - kx_begin);
      }
      const float scale = count > 0 ? 1.f / static_cast<float>(count) : 0.f;
      for (int64_t c = 0; c < c_count; ++c) out[c] *= scale;
    }
  }

  int32_t x_, y_;
  PoolGeometry g_;
  PoolKind kind_;
};

template <bool kMax>
std::unique_ptr<Op> make_pool(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_pool_tensors(desc, x, y, DType::kFloat32);
  const PoolGeometry g = read_pool_geometry(desc, x, y);
  PoolKind kind = PoolKind::kMax;
  if (!kMax) kind = desc.attrs.i("count_include_pad", 0) ? PoolKind::kAverageIncludePad : PoolKind::kAverageExcludePad;
  return std::make_unique<PoolOp>(desc.inputs[0], desc.outputs[0], g, kind);
}

// Global pools: per batch, blocks of 64 channels accumulate over all H*W positions.
template <bool kMax>
class GlobalPoolOp final : public Op {
 public:
  GlobalPoolOp(int32_t x, int32_t y, int64_t n, int64_t hw, int64_t c) : x_(x), y_(y), n_(n), hw_(hw), c_(c) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    float* y = ctx.ptr<float>(y_);
    const int64_t c_count = c_, hw = hw_;
    const int64_t blocks = (c_count + kBlock - 1) / kBlock;
    const size_t grain = std::max<size_t>(1, kParallelElements / static_cast<size_t>(std::max<int64_t>(1, hw * kBlock)));
    for_element_chunks(ctx.pool, static_cast<size_t>(n_ * blocks), [&](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) {
        const int64_t b = static_cast<int64_t>(t) / blocks, c0 = (static_cast<int64_t>(t) % blocks) * kBlock;
        const int64_t w = std::min(kBlock, c_count - c0);
        // A local block of accumulators: the compiler keeps it in vector registers across the pixels, where
        // accumulating in `y` (which may alias `x` as far as it knows) reloads and stores it for every pixel.
        // Same summation order per channel either way.
        float acc[kBlock];
        for (int64_t c = 0; c < kBlock; ++c) acc[c] = kMax ? std::numeric_limits<float>::lowest() : 0.f;
        const float* in = x + b * hw * c_count + c0;
        switch (w) {
          case 16: accumulate<16>(in, hw, c_count, acc); break;
          case 32: accumulate<32>(in, hw, c_count, acc); break;
          case 48: accumulate<48>(in, hw, c_count, acc); break;
          case 64: accumulate<64>(in, hw, c_count, acc); break;
          default: accumulate_partial(in, hw, c_count, w, acc);
        }
        const float scale = !kMax && hw > 0 ? 1.f / static_cast<float>(hw) : 1.f;
        float* out = y + b * c_count + c0;
        for (int64_t c = 0; c < w; ++c) out[c] = kMax ? acc[c] : acc[c] * scale;
      }
    }, grain);
  }
  std::string kernel_name() const override { return kMax ? "f32-global-maxpool nhwc" : "f32-global-avgpool nhwc"; }

 private:
  static constexpr int64_t kBlock = 64;

  static void combine(float* acc, const float* in, int64_t w) {
    if (kMax)
      for (int64_t c = 0; c < w; ++c) acc[c] = in[c] > acc[c] ? in[c] : acc[c];
    else
      for (int64_t c = 0; c < w; ++c) acc[c] += in[c];
  }
  // Common widths as constants, so the loop over channels unrolls into registers.
  template <int64_t W>
  static void accumulate(const float* in, int64_t hw, int64_t stride, float* acc) {
    for (int64_t i = 0; i < hw; ++i, in += stride) combine(acc, in, W);
  }
  static void accumulate_partial(const float* in, int64_t hw, int64_t stride, int64_t w, float* acc) {
    for (int64_t i = 0; i < hw; ++i, in += stride) combine(acc, in, w);
  }
  int32_t x_, y_;
  int64_t n_, hw_, c_;
};

template <bool kMax>
std::unique_ptr<Op> make_global_pool(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_pool_tensors(desc, x, y, DType::kFloat32);
  expect_shape(desc, y, {x.shape[0], 1, 1, x.shape[3]}, "output Y");
  return std::make_unique<GlobalPoolOp<kMax>>(desc.inputs[0], desc.outputs[0], x.shape[0], x.shape[1] * x.shape[2],
                                              x.shape[3]);
}

}  // namespace

void register_pool_ops(OpRegistry& r) {
  r.add("MaxPool", &make_pool<true>);
  r.add("AveragePool", &make_pool<false>);
  r.add("GlobalMaxPool", &make_global_pool<true>);
  r.add("GlobalAveragePool", &make_global_pool<false>);
}

}  // namespace sparq

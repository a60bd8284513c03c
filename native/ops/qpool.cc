// NHWC u8 pools: QMaxPool (max of the real taps), QAveragePool and QGlobalAveragePool (exact integer window sums,
// then the float requantization recipe of native/ops/README.md).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "kernels/qu8-gavgpool/qu8-gavgpool.h"
#include "ops/parallel-elements.h"
#include "ops/pool-geometry.h"
#include "ops/quant-families.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

// Average requantization: real = float(sum of (x - x_zp)) * x_scale; mean = real / count; quantize(mean / y_scale).
struct AverageRequant {
  float x_scale = 1.f, y_scale = 1.f, lo = 0.f, hi = 255.f;
  int32_t x_zero_point = 0, y_zero_point = 0;

  uint8_t operator()(int64_t centered_sum, int64_t count) const {
    if (count <= 0) return static_cast<uint8_t>(y_zero_point);
    const float real = static_cast<float>(centered_sum) * x_scale;
    const float mean = real / static_cast<float>(count);
    return static_cast<uint8_t>(quantize_scaled(mean / y_scale, lo, hi, y_zero_point));
  }
};

AverageRequant read_average_requant(const OpDesc& desc) {
  AverageRequant r;
  r.x_scale = quant_scale_attr(desc, "x_scale");
  r.y_scale = quant_scale_attr(desc, "y_scale");
  r.x_zero_point = quant_zero_point_attr(desc, "x_zero_point", 0, 255);
  r.y_zero_point = quant_zero_point_attr(desc, "y_zero_point", 0, 255);
  r.lo = static_cast<float>(-r.y_zero_point);
  r.hi = static_cast<float>(255 - r.y_zero_point);
  return r;
}

class QPoolOp final : public Op {
 public:
  QPoolOp(int32_t x, int32_t y, PoolGeometry g, bool max, bool include_pad, AverageRequant requant)
      : x_(x), y_(y), g_(g), max_(max), include_pad_(include_pad), requant_(requant) {}

  void run(RunContext& ctx) override {
    const uint8_t* x = ctx.ptr<const uint8_t>(x_);
    uint8_t* y = ctx.ptr<uint8_t>(y_);
    const size_t rows = static_cast<size_t>(g_.n * g_.oh);
    const size_t row_work = static_cast<size_t>(std::max<int64_t>(1, g_.ow * g_.c * g_.kh * g_.kw));
    const size_t grain = std::max<size_t>(1, kParallelElements / row_work);
    for_element_chunks(ctx.pool, rows, [&](size_t begin, size_t end) {
      std::vector<int32_t> acc(static_cast<size_t>(g_.c));
      for (size_t r = begin; r < end; ++r) pool_row(x, y, static_cast<int64_t>(r), acc.data());
    }, grain);
  }
  std::string kernel_name() const override { return max_ ? "qu8-maxpool nhwc" : "qu8-avgpool nhwc"; }

 private:
  // Output row r = (batch, oy): every ox, all channels.
  void pool_row(const uint8_t* x, uint8_t* y, int64_t r, int32_t* acc) const {
    const PoolGeometry& g = g_;
    const int64_t b = r / g.oh, oy = r % g.oh, channels = g.c;
    const uint8_t* xb = x + b * g.h * g.w * channels;
    uint8_t* yr = y + r * g.ow * channels;
    const int64_t y0 = oy * g.sh - g.pad_top;
    const PoolTaps ty = pool_taps(y0, g.h, g.kh, g.dh);
    const int64_t ky_padded = pool_padded_taps(y0, g.h, g.kh, g.dh, g.pad_top, g.pad_bottom);
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      uint8_t* out = yr + ox * channels;
      const int64_t x0 = ox * g.sw - g.pad_left;
      const PoolTaps tx = pool_taps(x0, g.w, g.kw, g.dw);
      if (max_) {
        std::fill(out, out + channels, uint8_t{0});
        for (int64_t ky = ty.begin; ky < ty.end; ++ky)
          for (int64_t kx = tx.begin; kx < tx.end; ++kx) {
            const uint8_t* in = xb + ((y0 + ky * g.dh) * g.w + (x0 + kx * g.dw)) * channels;
            for (int64_t c = 0; c < channels; ++c) out[c] = std::max(out[c], in[c]);
          }
        continue;
      }
      std::fill(acc, acc + channels, 0);
      for (int64_t ky = ty.begin; ky < ty.end; ++ky)
        for (int64_t kx = tx.begin; kx < tx.end; ++kx) {
          const uint8_t* in = xb + ((y0 + ky * g.dh) * g.w + (x0 + kx * g.dw)) * channels;
          for (int64_t c = 0; c < channels; ++c) acc[c] += in[c];
        }
      const int64_t real_taps = (ty.end - ty.begin) * (tx.end - tx.begin);
      // Padded taps are real zeros: they add nothing to the centered sum, only (maybe) to the count.
      const int64_t count =
          include_pad_ ? ky_padded * pool_padded_taps(x0, g.w, g.kw, g.dw, g.pad_left, g.pad_right) : real_taps;
      const int64_t offset = real_taps * requant_.x_zero_point;
      for (int64_t c = 0; c < channels; ++c) out[c] = requant_(acc[c] - offset, count);
    }
  }

  int32_t x_, y_;
  PoolGeometry g_;
  bool max_, include_pad_;
  AverageRequant requant_;
};

template <bool kMax>
std::unique_ptr<Op> make_qpool(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_pool_tensors(desc, x, y, DType::kUInt8);
  const PoolGeometry g = read_pool_geometry(desc, x, y);
  AverageRequant requant;
  if (!kMax) requant = read_average_requant(desc);
  const bool include_pad = !kMax && desc.attrs.i("count_include_pad", 0) != 0;
  return std::make_unique<QPoolOp>(desc.inputs[0], desc.outputs[0], g, kMax, include_pad, requant);
}

// Per batch, blocks of 64 channels sum all H*W positions (u32: hw < 2^24 keeps 255 * hw in range).
class QGlobalAveragePoolOp final : public Op {
 public:
  QGlobalAveragePoolOp(int32_t x, int32_t y, int64_t n, int64_t hw, int64_t c, Qu8GavgpoolParams params,
                       Qu8GavgpoolFn fn, std::string name)
      : x_(x), y_(y), n_(n), hw_(hw), c_(c), params_(params), fn_(fn), name_(std::move(name)) {}

  void run(RunContext& ctx) override {
    const uint8_t* x = ctx.ptr<const uint8_t>(x_);
    uint8_t* y = ctx.ptr<uint8_t>(y_);
    const size_t channels = static_cast<size_t>(c_), hw = static_cast<size_t>(hw_);
    // Images in parallel; channel blocks too when there are fewer images than that (batch 1).
    const size_t blocks = (channels + kBlock - 1) / kBlock;
    const size_t grain = std::max<size_t>(1, kParallelElements / std::max<size_t>(1, hw * kBlock));
    for_element_chunks(ctx.pool, static_cast<size_t>(n_) * blocks, [&](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) {
        const size_t b = t / blocks, c0 = (t % blocks) * kBlock, w = std::min(kBlock, channels - c0);
        fn_(hw, w, x + b * hw * channels + c0, params_, y + b * channels + c0);
      }
    }, grain);
  }
  std::string kernel_name() const override { return name_ + " nhwc"; }

 private:
  static constexpr size_t kBlock = 256;
  int32_t x_, y_;
  int64_t n_, hw_, c_;
  Qu8GavgpoolParams params_;
  Qu8GavgpoolFn fn_;
  std::string name_;
};

std::unique_ptr<Op> make_qglobal_average_pool(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_pool_tensors(desc, x, y, DType::kUInt8);
  expect_shape(desc, y, {x.shape[0], 1, 1, x.shape[3]}, "output Y");
  const int64_t hw = x.shape[1] * x.shape[2];
  if (hw >= (int64_t{1} << 23))
    plan_fail(desc, "expected H * W < 8388608 but received " + shape_string(x.shape));
  const AverageRequant r = read_average_requant(desc);
  Qu8GavgpoolParams p;
  p.x_scale = r.x_scale, p.y_scale = r.y_scale, p.lo = r.lo, p.hi = r.hi;
  p.x_zero_point = r.x_zero_point, p.y_zero_point = r.y_zero_point;
  Qu8GavgpoolFn fn = &qu8_gavgpool_ukernel__scalar;
  std::string name = "qu8-global-avgpool-scalar";
#if defined(__x86_64__)
  if (ctx.features.avx512f) fn = &qu8_gavgpool_ukernel__avx512, name = "qu8-global-avgpool-avx512";
#endif
  return std::make_unique<QGlobalAveragePoolOp>(desc.inputs[0], desc.outputs[0], x.shape[0], hw, x.shape[3], p, fn,
                                                name);
}

}  // namespace

void register_qpool_ops(OpRegistry& r) {
  r.add("QMaxPool", &make_qpool<true>);
  r.add("QAveragePool", &make_qpool<false>);
  r.add("QGlobalAveragePool", &make_qglobal_average_pool);
}

}  // namespace sparq

// LayerNormalization (two-pass mean/variance per row) and ChannelAffine (standalone BatchNorm as scale + bias).
#include <cmath>
#include <memory>

#include "ops/broadcast.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"
#include "ops/row-sum.h"

namespace sparq {
namespace {

// For a scale/bias that only broadcasts to the normalized shape (e.g. [C] over [H, W, C]):
// the parameter element used at each normalized position. Empty when the shapes match exactly.
std::vector<int32_t> broadcast_index(const std::vector<int64_t>& param, const std::vector<int64_t>& norm) {
  int64_t pn = 1, nn = 1;
  for (int64_t d : param) pn *= d;
  for (int64_t d : norm) nn *= d;
  if (pn == nn) return {};
  std::vector<int32_t> index(static_cast<size_t>(nn));
  const size_t lead = norm.size() - param.size();
  for (int64_t i = 0; i < nn; ++i) {
    int64_t rest = i, src = 0, stride = 1;
    for (size_t d = norm.size(); d-- > 0;) {
      const int64_t c = rest % norm[d];
      rest /= norm[d];
      if (d >= lead) {
        const int64_t pd = param[d - lead];
        if (pd != 1) src += c * stride;
        stride *= pd;
      }
    }
    index[static_cast<size_t>(i)] = static_cast<int32_t>(src);
  }
  return index;
}

class LayerNormOp final : public Op {
 public:
  LayerNormOp(int32_t x, int32_t scale, int32_t bias, int32_t y, int64_t rows, int64_t n, float epsilon,
              std::vector<int32_t> scale_index, std::vector<int32_t> bias_index)
      : x_(x), scale_(scale), bias_(bias), y_(y), rows_(rows), n_(n), epsilon_(epsilon),
        scale_index_(std::move(scale_index)), bias_index_(std::move(bias_index)) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    const float* scale = ctx.ptr<const float>(scale_);
    const float* bias = ctx.ptr<const float>(bias_);
    float* y = ctx.ptr<float>(y_);
    const int64_t n = n_;
    if (n == 0) return;
    const size_t grain = std::max<size_t>(1, kParallelElements / static_cast<size_t>(n));
    for_element_chunks(ctx.pool, static_cast<size_t>(rows_), [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        const float* xr = x + static_cast<int64_t>(r) * n;
        float* yr = y + static_cast<int64_t>(r) * n;
        const float mean = row_sum(xr, n) / static_cast<float>(n);
        const float var = row_sum_squared_deviation(xr, n, mean) / static_cast<float>(n);
        const float rstd = 1.f / std::sqrt(var + epsilon_);
        if (scale_index_.empty() && bias_index_.empty()) {
          if (bias)
            for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - mean) * rstd * scale[i] + bias[i];
          else
            for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - mean) * rstd * scale[i];
        } else {
          for (int64_t i = 0; i < n; ++i) {
            const float s = scale[scale_index_.empty() ? i : scale_index_[static_cast<size_t>(i)]];
            const float b = bias ? bias[bias_index_.empty() ? i : bias_index_[static_cast<size_t>(i)]] : 0.f;
            yr[i] = (xr[i] - mean) * rstd * s + b;
          }
        }
      }
    }, grain);
  }
  std::string kernel_name() const override { return "f32-layernorm two-pass"; }

 private:
  int32_t x_, scale_, bias_, y_;
  int64_t rows_, n_;
  float epsilon_;
  std::vector<int32_t> scale_index_, bias_index_;
};

std::unique_ptr<Op> make_layer_norm(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 2, 3, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& scale = required_tensor(desc, ctx, desc.inputs[1], "input scale");
  const int32_t bias_id = desc.inputs.size() > 2 ? desc.inputs[2] : -1;
  const TensorDesc* bias = bias_id >= 0 ? &required_tensor(desc, ctx, bias_id, "input bias") : nullptr;
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kFloat32}, "input X");
  expect_dtype(desc, scale, {DType::kFloat32}, "scale");
  if (bias) expect_dtype(desc, *bias, {DType::kFloat32}, "bias");
  expect_same_dtype(desc, x, y, "X and Y");
  expect_shape(desc, y, x.shape, "output Y");
  const size_t axis = static_cast<size_t>(checked_axis(desc, desc.attrs.i("axis", -1), x.shape.size()));
  const std::vector<int64_t> norm(x.shape.begin() + static_cast<std::ptrdiff_t>(axis), x.shape.end());
  int64_t rows = 1, n = 1;
  for (size_t d = 0; d < x.shape.size(); ++d) (d < axis ? rows : n) *= x.shape[d];
  if (!broadcasts_to(scale.shape, norm))
    plan_fail(desc, "expected scale " + shape_string(scale.shape) + " to broadcast to the normalized shape " +
                        shape_string(norm));
  if (bias && !broadcasts_to(bias->shape, norm))
    plan_fail(desc, "expected bias " + shape_string(bias->shape) + " to broadcast to the normalized shape " +
                        shape_string(norm));
  if (n > INT32_MAX) plan_fail(desc, "normalized size too large");
  const float epsilon = desc.attrs.f("epsilon", 1e-5f);
  return std::make_unique<LayerNormOp>(desc.inputs[0], desc.inputs[1], bias_id, desc.outputs[0], rows, n, epsilon,
                                       broadcast_index(scale.shape, norm),
                                       bias ? broadcast_index(bias->shape, norm) : std::vector<int32_t>{});
}

// y = x * scale[c] + bias[c] with c the index along `axis` of [outer, C, inner].
class ChannelAffineOp final : public Op {
 public:
  ChannelAffineOp(int32_t x, int32_t scale, int32_t bias, int32_t y, int64_t outer, int64_t channels, int64_t inner)
      : x_(x), scale_(scale), bias_(bias), y_(y), outer_(outer), channels_(channels), inner_(inner) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    const float* scale = ctx.ptr<const float>(scale_);
    const float* bias = ctx.ptr<const float>(bias_);
    float* y = ctx.ptr<float>(y_);
    const int64_t c_count = channels_, inner = inner_;
    const int64_t row = c_count * inner;
    if (row == 0) return;
    const size_t grain = std::max<size_t>(1, kParallelElements / static_cast<size_t>(row));
    for_element_chunks(ctx.pool, static_cast<size_t>(outer_), [&](size_t begin, size_t end) {
      for (size_t o = begin; o < end; ++o) {
        const float* xo = x + static_cast<int64_t>(o) * row;
        float* yo = y + static_cast<int64_t>(o) * row;
        if (inner == 1) {  // channels-last: vectorize over C
          for (int64_t c = 0; c < c_count; ++c) yo[c] = xo[c] * scale[c] + bias[c];
        } else {
          for (int64_t c = 0; c < c_count; ++c) {
            const float s = scale[c], b = bias[c];
            for (int64_t i = 0; i < inner; ++i) yo[c * inner + i] = xo[c * inner + i] * s + b;
          }
        }
      }
    }, grain);
  }
  std::string kernel_name() const override { return inner_ == 1 ? "f32-channel-affine last" : "f32-channel-affine planes"; }

 private:
  int32_t x_, scale_, bias_, y_;
  int64_t outer_, channels_, inner_;
};

std::unique_ptr<Op> make_channel_affine(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 3, 3, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& scale = required_tensor(desc, ctx, desc.inputs[1], "input scale");
  const TensorDesc& bias = required_tensor(desc, ctx, desc.inputs[2], "input bias");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kFloat32}, "input X");
  expect_dtype(desc, scale, {DType::kFloat32}, "scale");
  expect_dtype(desc, bias, {DType::kFloat32}, "bias");
  expect_same_dtype(desc, x, y, "X and Y");
  expect_shape(desc, y, x.shape, "output Y");
  const size_t axis = static_cast<size_t>(checked_axis(desc, desc.attrs.i("axis", 1), x.shape.size()));
  const int64_t channels = x.shape[axis];
  expect_shape(desc, scale, {channels}, "scale");
  expect_shape(desc, bias, {channels}, "bias");
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    if (d < axis) outer *= x.shape[d];
    if (d > axis) inner *= x.shape[d];
  }
  return std::make_unique<ChannelAffineOp>(desc.inputs[0], desc.inputs[1], desc.inputs[2], desc.outputs[0], outer,
                                           channels, inner);
}

}  // namespace

void register_norm_ops(OpRegistry& r) {
  r.add("LayerNormalization", &make_layer_norm);
  r.add("ChannelAffine", &make_channel_affine);
}

}  // namespace sparq

// Softmax / LogSoftmax over one axis of [outer, n, inner], max-subtracted; columns are done in tiles of 64.
#include <cmath>
#include <memory>

#include "ops/exp-nonpositive.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"
#include "ops/reduce-families.h"
#include "ops/row-sum.h"

namespace sparq {
namespace {

constexpr int64_t kColumnTile = 64;

template <bool kLog>
class SoftmaxOp final : public Op {
 public:
  SoftmaxOp(int32_t x, int32_t y, int64_t outer, int64_t n, int64_t inner)
      : x_(x), y_(y), outer_(outer), n_(n), inner_(inner) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    float* y = ctx.ptr<float>(y_);
    const int64_t n = n_, inner = inner_;
    if (n == 0) return;
    const size_t grain = std::max<size_t>(1, 4096 / static_cast<size_t>(std::max<int64_t>(1, n * inner)));
    for_element_chunks(ctx.pool, static_cast<size_t>(outer_), [&](size_t begin, size_t end) {
      for (size_t o = begin; o < end; ++o) {
        const float* xo = x + static_cast<int64_t>(o) * n * inner;
        float* yo = y + static_cast<int64_t>(o) * n * inner;
        if (inner == 1) row(xo, yo, n);
        else
          for (int64_t j = 0; j < inner; j += kColumnTile) columns(xo + j, yo + j, n, inner, std::min(kColumnTile, inner - j));
      }
    }, grain);
  }
  std::string kernel_name() const override { return std::string(kLog ? "f32-logsoftmax" : "f32-softmax") + (inner_ == 1 ? " rows" : " columns"); }

 private:
  static void row(const float* x, float* y, int64_t n) {
    const float m = row_max(x, n);
    exp_shifted_span(x, m, y, n);
    const float sum = row_sum(y, n);
    if (kLog) {
      // (x - m) is exact near the max; folding m into the log term would round it at m's magnitude.
      const float log_sum = std::log(sum);
      for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - log_sum;
    } else {
      const float scale = 1.f / sum;
      for (int64_t i = 0; i < n; ++i) y[i] *= scale;
    }
  }
  // w columns (w <= kColumnTile) of an [n, stride] block.
  static void columns(const float* x, float* y, int64_t n, int64_t stride, int64_t w) {
    float m[kColumnTile], s[kColumnTile];
    for (int64_t j = 0; j < w; ++j) {
      m[j] = -INFINITY;
      s[j] = 0.f;
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < w; ++j) m[j] = x[i * stride + j] > m[j] ? x[i * stride + j] : m[j];
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < w; ++j) {
        const float e = exp_nonpositive(x[i * stride + j] - m[j]);
        if (!kLog) y[i * stride + j] = e;
        s[j] += e;
      }
    if (kLog) {
      for (int64_t j = 0; j < w; ++j) s[j] = std::log(s[j]);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < w; ++j) y[i * stride + j] = (x[i * stride + j] - m[j]) - s[j];
    } else {
      for (int64_t j = 0; j < w; ++j) s[j] = 1.f / s[j];
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < w; ++j) y[i * stride + j] *= s[j];
    }
  }

  int32_t x_, y_;
  int64_t outer_, n_, inner_;
};

template <bool kLog>
std::unique_ptr<Op> make_softmax(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kFloat32}, "input X");
  expect_same_dtype(desc, x, y, "X and Y");
  expect_shape(desc, y, x.shape, "output Y");
  const size_t rank = x.shape.size();
  // A scalar is a softmax over one element.
  const size_t axis = rank == 0 ? 0 : static_cast<size_t>(checked_axis(desc, desc.attrs.i("axis", -1), rank));
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (d < axis) outer *= x.shape[d];
    if (d > axis) inner *= x.shape[d];
  }
  const int64_t n = rank == 0 ? 1 : x.shape[axis];
  return std::make_unique<SoftmaxOp<kLog>>(desc.inputs[0], desc.outputs[0], outer, n, inner);
}

}  // namespace

void register_softmax_ops(OpRegistry& r) {
  r.add("Softmax", &make_softmax<false>);
  r.add("LogSoftmax", &make_softmax<true>);
}

}  // namespace sparq

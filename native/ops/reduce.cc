// ReduceSum/Mean/Max over sorted axes: collapsed at plan time into alternating kept/reduced dims and walked once.
#include <cmath>
#include <memory>

#include "ops/broadcast.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"
#include "ops/reduce-families.h"
#include "ops/row-sum.h"

namespace sparq {
namespace {

enum class ReduceKind { kSum, kMean, kMax };

// walk: input dims (collapsed), strides[0] = input element strides, strides[1] = output element strides
// (0 on reduced dims). Chunks of the outermost dim write disjoint outputs when that dim is kept.
class ReduceOp final : public Op {
 public:
  ReduceOp(int32_t x, int32_t y, ReduceKind kind, BroadcastPlan walk, int64_t out_numel, int64_t count)
      : x_(x), y_(y), kind_(kind), walk_(std::move(walk)), out_numel_(out_numel), count_(count) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    float* y = ctx.ptr<float>(y_);
    if (out_numel_ == 0) return;
    const bool is_max = kind_ == ReduceKind::kMax;
    const float init = is_max ? -INFINITY : 0.f;
    for (int64_t i = 0; i < out_numel_; ++i) y[i] = init;
    const bool inner_reduced = walk_.strides[1].back() == 0;
    auto span = [&](int64_t begin, int64_t end) {
      for_each_broadcast_run<2>(walk_, begin, end, [&](const int64_t* off, int64_t, int64_t n) {
        const float* px = x + off[0];
        float* py = y + off[1];
        if (inner_reduced) {
          if (is_max) {
            const float m = row_max(px, n);
            *py = m > *py ? m : *py;
          } else {
            *py += row_sum(px, n);
          }
        } else if (is_max) {
          for (int64_t i = 0; i < n; ++i) py[i] = px[i] > py[i] ? px[i] : py[i];
        } else {
          for (int64_t i = 0; i < n; ++i) py[i] += px[i];
        }
      });
    };
    const int64_t total = walk_.numel;
    const bool outer_kept = walk_.dims.size() > 1 && walk_.strides[1][0] != 0;
    if (total > 0) {
      if (outer_kept && ctx.pool && total >= static_cast<int64_t>(2 * kParallelElements)) {
        const int64_t block = total / walk_.dims[0];  // input elements per outermost index
        const size_t grain = std::max<size_t>(1, kParallelElements / static_cast<size_t>(block));
        ctx.pool->parallel_for(static_cast<size_t>(walk_.dims[0]), grain, [&](size_t b, size_t e) {
          span(static_cast<int64_t>(b) * block, static_cast<int64_t>(e) * block);
        });
      } else {
        span(0, total);
      }
    }
    if (kind_ == ReduceKind::kMean) {
      const float scale = 1.f / static_cast<float>(count_);
      for (int64_t i = 0; i < out_numel_; ++i) y[i] *= scale;
    }
  }
  std::string kernel_name() const override {
    return std::string("f32-reduce ") + (walk_.strides[1].back() == 0 ? "inner-reduced" : "inner-kept");
  }

 private:
  int32_t x_, y_;
  ReduceKind kind_;
  BroadcastPlan walk_;
  int64_t out_numel_, count_;
};

template <ReduceKind kKind>
std::unique_ptr<Op> make_reduce(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kFloat32}, "input X");
  expect_dtype(desc, y, {DType::kFloat32}, "output Y");
  const size_t rank = x.shape.size();
  std::vector<int64_t> axes = desc.attrs.ints("axes");
  const bool keepdims = desc.attrs.i("keepdims", 1) != 0;
  std::vector<bool> reduced(rank, axes.empty());
  for (size_t k = 0; k < axes.size(); ++k) {
    checked_axis(desc, axes[k], rank, "axes");
    if (k > 0 && axes[k] <= axes[k - 1])
      plan_fail(desc, "expected sorted, distinct axes but received " + shape_string(axes));
    reduced[static_cast<size_t>(axes[k])] = true;
  }
  std::vector<int64_t> out_shape, out_full(rank);
  int64_t count = 1;
  for (size_t d = 0; d < rank; ++d) {
    out_full[d] = reduced[d] ? 1 : x.shape[d];
    if (reduced[d]) count *= x.shape[d];
    if (!reduced[d] || keepdims) out_shape.push_back(out_full[d]);
  }
  expect_shape(desc, y, out_shape, "output Y");
  // The output viewed with the input's rank broadcasts to X: stride 0 on reduced axes.
  BroadcastPlan walk = make_broadcast_plan(x.shape, {x.shape, out_full});
  return std::make_unique<ReduceOp>(desc.inputs[0], desc.outputs[0], kKind, std::move(walk), y.numel(), count);
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  r.add("ReduceSum", &make_reduce<ReduceKind::kSum>);
  r.add("ReduceMean", &make_reduce<ReduceKind::kMean>);
  r.add("ReduceMax", &make_reduce<ReduceKind::kMax>);
  register_argmax_op(r);
  register_softmax_ops(r);
}

}  // namespace sparq

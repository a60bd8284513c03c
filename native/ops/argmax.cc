// ArgMax over one axis of [outer, n, inner]: streams rows of n and keeps the running best index per column.
#include <memory>

#include "ops/op-checks.h"
#include "ops/parallel-elements.h"
#include "ops/reduce-families.h"

namespace sparq {
namespace {

class ArgMaxOp final : public Op {
 public:
  ArgMaxOp(int32_t x, int32_t y, int64_t outer, int64_t n, int64_t inner, bool last)
      : x_(x), y_(y), outer_(outer), n_(n), inner_(inner), last_(last) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    int64_t* y = ctx.ptr<int64_t>(y_);
    const int64_t n = n_, inner = inner_;
    const size_t grain = std::max<size_t>(1, kParallelElements / static_cast<size_t>(std::max<int64_t>(1, n * inner)));
    for_element_chunks(ctx.pool, static_cast<size_t>(outer_), [&](size_t begin, size_t end) {
      for (size_t o = begin; o < end; ++o) {
        const float* xo = x + static_cast<int64_t>(o) * n * inner;
        int64_t* yo = y + static_cast<int64_t>(o) * inner;
        if (inner == 1) {
          int64_t best = 0;
          for (int64_t i = 1; i < n; ++i)
            if (last_ ? xo[i] >= xo[best] : xo[i] > xo[best]) best = i;
          yo[0] = best;
          continue;
        }
        for (int64_t j = 0; j < inner; ++j) yo[j] = 0;
        for (int64_t i = 1; i < n; ++i) {
          const float* row = xo + i * inner;
          for (int64_t j = 0; j < inner; ++j) {
            const float best = xo[yo[j] * inner + j];
            if (last_ ? row[j] >= best : row[j] > best) yo[j] = i;
          }
        }
      }
    }, grain);
  }
  std::string kernel_name() const override { return inner_ == 1 ? "f32-argmax rows" : "f32-argmax columns"; }

 private:
  int32_t x_, y_;
  int64_t outer_, n_, inner_;
  bool last_;
};

std::unique_ptr<Op> make_argmax(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kFloat32}, "input X");
  expect_dtype(desc, y, {DType::kInt64}, "output Y");
  const size_t axis = static_cast<size_t>(checked_axis(desc, desc.attrs.i("axis", 0), x.shape.size()));
  const bool keepdims = desc.attrs.i("keepdims", 1) != 0;
  if (x.shape[axis] == 0) plan_fail(desc, "cannot take ArgMax over an empty axis of " + shape_string(x.shape));
  std::vector<int64_t> shape;
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    if (d < axis) outer *= x.shape[d];
    if (d > axis) inner *= x.shape[d];
    if (d != axis) shape.push_back(x.shape[d]);
    else if (keepdims) shape.push_back(1);
  }
  expect_shape(desc, y, shape, "output Y");
  return std::make_unique<ArgMaxOp>(desc.inputs[0], desc.outputs[0], outer, x.shape[axis], inner,
                                    desc.attrs.i("select_last_index", 0) != 0);
}

}  // namespace

void register_argmax_op(OpRegistry& r) { r.add("ArgMax", &make_argmax); }

}  // namespace sparq

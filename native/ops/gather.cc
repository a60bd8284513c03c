// Gather along one axis: indices are checked first (a bad one fails the run), then one memcpy per index.
#include <cstring>
#include <memory>

#include "ops/data-movement-families.h"
#include "ops/op-checks.h"

namespace sparq {
namespace {

template <typename I>
class GatherOp final : public Op {
 public:
  GatherOp(int32_t data, int32_t indices, int32_t y, size_t outer, int64_t axis_dim, size_t count,
           size_t inner_bytes, std::string node)
      : data_(data), indices_(indices), y_(y), outer_(outer), axis_dim_(axis_dim), count_(count),
        inner_bytes_(inner_bytes), node_(std::move(node)) {}

  void run(RunContext& ctx) override {
    const uint8_t* data = static_cast<const uint8_t*>(ctx.data[static_cast<size_t>(data_)]);
    const I* indices = ctx.ptr<const I>(indices_);
    uint8_t* y = static_cast<uint8_t*>(ctx.data[static_cast<size_t>(y_)]);
    for (size_t j = 0; j < count_; ++j) {
      const int64_t v = static_cast<int64_t>(indices[j]);
      if (v < -axis_dim_ || v >= axis_dim_) {
        ctx.fail("Gather index " + std::to_string(v) + " out of range [" + std::to_string(-axis_dim_) + ", " +
                 std::to_string(axis_dim_) + ") in node '" + node_ + "'");
        return;
      }
    }
    const size_t ib = inner_bytes_;
    auto rows = [&](size_t begin, size_t end) {  // rows of the flattened [outer, count] output
      for (size_t r = begin; r < end; ++r) {
        const size_t o = r / count_, j = r % count_;
        int64_t v = static_cast<int64_t>(indices[j]);
        if (v < 0) v += axis_dim_;
        std::memcpy(y + r * ib, data + (o * static_cast<size_t>(axis_dim_) + static_cast<size_t>(v)) * ib, ib);
      }
    };
    const size_t total = outer_ * count_;
    const size_t grain = std::max<size_t>(1, (size_t{64} << 10) / std::max<size_t>(ib, 1));
    if (ctx.pool && total >= 2 * grain && total * ib >= (size_t{256} << 10))
      ctx.pool->parallel_for(total, grain, rows);
    else
      rows(0, total);
  }
  std::string kernel_name() const override { return "gather-memcpy"; }

 private:
  int32_t data_, indices_, y_;
  size_t outer_;
  int64_t axis_dim_;
  size_t count_, inner_bytes_;
  std::string node_;
};

std::unique_ptr<Op> make_gather(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 2, 2, 1, 1);
  const TensorDesc& data = required_tensor(desc, ctx, desc.inputs[0], "input data");
  const TensorDesc& indices = required_tensor(desc, ctx, desc.inputs[1], "input indices");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output");
  expect_dtype(desc, indices, {DType::kInt64, DType::kInt32}, "indices");
  expect_same_dtype(desc, data, y, "data and the output");
  const size_t axis = static_cast<size_t>(checked_axis(desc, desc.attrs.i("axis", 0), data.shape.size()));
  std::vector<int64_t> shape(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis));
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.shape.end());
  expect_shape(desc, y, shape, "output");
  size_t outer = 1, inner = dtype_size(data.dtype);
  for (size_t d = 0; d < data.shape.size(); ++d) {
    if (d < axis) outer *= static_cast<size_t>(data.shape[d]);
    if (d > axis) inner *= static_cast<size_t>(data.shape[d]);
  }
  const size_t count = static_cast<size_t>(indices.numel());
  if (indices.dtype == DType::kInt64)
    return std::make_unique<GatherOp<int64_t>>(desc.inputs[0], desc.inputs[1], desc.outputs[0], outer,
                                               data.shape[axis], count, inner, desc.name);
  return std::make_unique<GatherOp<int32_t>>(desc.inputs[0], desc.inputs[1], desc.outputs[0], outer,
                                             data.shape[axis], count, inner, desc.name);
}

}  // namespace

void register_gather_op(OpRegistry& r) { r.add("Gather", &make_gather); }

}  // namespace sparq

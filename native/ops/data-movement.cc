// Data-movement ops: Reshape (alias or memcpy) and the strided views Transpose, Slice, Expand; plus the rest of the family.
#include <cstring>
#include <memory>
#include <numeric>

#include "ops/broadcast.h"
#include "ops/data-movement-families.h"
#include "ops/op-checks.h"
#include "ops/strided-copy.h"

namespace sparq {
namespace {

class ReshapeOp final : public Op {
 public:
  ReshapeOp(int32_t x, int32_t y, size_t bytes, bool alias) : x_(x), y_(y), bytes_(bytes), alias_(alias) {}
  void run(RunContext& ctx) override {
    if (alias_ || bytes_ == 0) return;
    const void* x = ctx.data[static_cast<size_t>(x_)];
    void* y = ctx.data[static_cast<size_t>(y_)];
    if (x != y) std::memcpy(y, x, bytes_);
  }
  std::string kernel_name() const override { return alias_ ? "reshape-alias" : "reshape-copy"; }

 private:
  int32_t x_, y_;
  size_t bytes_;
  bool alias_;
};

std::unique_ptr<Op> make_reshape(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_same_dtype(desc, x, y, "X and Y");
  if (x.numel() != y.numel())
    plan_fail(desc, "expected output with " + std::to_string(x.numel()) + " elements like X " +
                        shape_string(x.shape) + " but received " + shape_string(y.shape));
  // Every non-constant tensor lives in the arena, so equal offsets mean the same bytes.
  const bool alias = x.kind != TensorKind::kConstant && y.kind != TensorKind::kConstant && x.offset == y.offset;
  return std::make_unique<ReshapeOp>(desc.inputs[0], desc.outputs[0], static_cast<size_t>(x.bytes()), alias);
}

class StridedCopyOp final : public Op {
 public:
  StridedCopyOp(int32_t x, int32_t y, StridedCopyPlan plan, std::string name)
      : x_(x), y_(y), plan_(std::move(plan)), name_(std::move(name)) {}
  void run(RunContext& ctx) override {
    run_strided_copy(plan_, ctx.data[static_cast<size_t>(x_)], ctx.data[static_cast<size_t>(y_)], ctx.pool);
  }
  std::string kernel_name() const override { return name_; }

 private:
  int32_t x_, y_;
  StridedCopyPlan plan_;
  std::string name_;
};

std::string walk_name(const char* op, const StridedCopyPlan& p) {
  const int64_t inner = p.walk.strides[0].back();
  return std::string(op) + "-x" + std::to_string(p.element_bytes * 8) + " " + std::to_string(p.walk.dims.size()) +
         "d " + (inner == 1 ? "memcpy-runs" : inner == 0 ? "fill-runs" : "strided-runs");
}

std::unique_ptr<Op> make_transpose(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_same_dtype(desc, x, y, "X and Y");
  const size_t rank = x.shape.size();
  std::vector<int64_t> perm = desc.attrs.ints("perm");
  if (perm.empty()) {
    for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  }
  std::vector<bool> seen(rank, false);
  bool valid = perm.size() == rank;
  for (size_t d = 0; valid && d < rank; ++d) {
    valid = perm[d] >= 0 && perm[d] < static_cast<int64_t>(rank) && !seen[static_cast<size_t>(perm[d])];
    if (valid) seen[static_cast<size_t>(perm[d])] = true;
  }
  if (!valid) plan_fail(desc, "expected perm to be a permutation of [0, " + std::to_string(rank) +
                                  ") but received " + shape_string(perm));
  const std::vector<int64_t> in_strides = contiguous_strides(x.shape);
  std::vector<int64_t> out_shape(rank), strides(rank);
  for (size_t d = 0; d < rank; ++d) {
    out_shape[d] = x.shape[static_cast<size_t>(perm[d])];
    strides[d] = in_strides[static_cast<size_t>(perm[d])];
  }
  expect_shape(desc, y, out_shape, "output Y");
  StridedCopyPlan plan = make_strided_copy(out_shape, strides, 0, dtype_size(x.dtype));
  std::string name = walk_name("transpose", plan);
  return std::make_unique<StridedCopyOp>(desc.inputs[0], desc.outputs[0], std::move(plan), std::move(name));
}

std::unique_ptr<Op> make_slice(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_same_dtype(desc, x, y, "X and Y");
  const size_t rank = x.shape.size();
  const std::vector<int64_t> starts = desc.attrs.ints("starts");
  const std::vector<int64_t> steps = desc.attrs.ints("steps");
  if (starts.size() != rank || steps.size() != rank)
    plan_fail(desc, "expected starts and steps with one value per axis of X " + shape_string(x.shape) +
                        " but received starts " + shape_string(starts) + " and steps " + shape_string(steps));
  if (y.shape.size() != rank)
    plan_fail(desc, "expected output rank " + std::to_string(rank) + " but received shape " + shape_string(y.shape));
  const std::vector<int64_t> in_strides = contiguous_strides(x.shape);
  std::vector<int64_t> strides(rank);
  int64_t offset = 0;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t count = y.shape[d], dim = x.shape[d], start = starts[d], step = steps[d];
    if (step == 0) plan_fail(desc, "expected non-zero steps but received " + shape_string(steps));
    if (count < 0) plan_fail(desc, "negative output dim in " + shape_string(y.shape));
    if (count > 0) {
      // Checked: a hostile model can give steps and counts whose product leaves int64.
      int64_t span = 0, last = 0;
      const bool overflow =
          __builtin_mul_overflow(count - 1, step, &span) || __builtin_add_overflow(start, span, &last);
      if (overflow || start < 0 || start >= dim || last < 0 || last >= dim)
        plan_fail(desc, "axis " + std::to_string(d) + ": start " + std::to_string(start) + ", step " +
                            std::to_string(step) + " and count " + std::to_string(count) +
                            " leave the input dim " + std::to_string(dim));
      offset += start * in_strides[d];
    }
    // With two or more outputs on the axis |step| < dim, so the product fits; otherwise the stride is never used.
    strides[d] = count > 1 ? step * in_strides[d] : 0;
  }
  StridedCopyPlan plan = make_strided_copy(y.shape, strides, offset, dtype_size(x.dtype));
  std::string name = walk_name("slice", plan);
  return std::make_unique<StridedCopyOp>(desc.inputs[0], desc.outputs[0], std::move(plan), std::move(name));
}

std::unique_ptr<Op> make_expand(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_same_dtype(desc, x, y, "X and Y");
  if (!broadcasts_to(x.shape, y.shape))
    plan_fail(desc, "expected X " + shape_string(x.shape) + " to broadcast to the output shape but received " +
                        shape_string(y.shape));
  const std::vector<int64_t> in_strides = contiguous_strides(x.shape);
  const size_t lead = y.shape.size() - x.shape.size();
  std::vector<int64_t> strides(y.shape.size(), 0);
  for (size_t d = 0; d < x.shape.size(); ++d) strides[lead + d] = x.shape[d] == 1 ? 0 : in_strides[d];
  StridedCopyPlan plan = make_strided_copy(y.shape, strides, 0, dtype_size(x.dtype));
  std::string name = walk_name("expand", plan);
  return std::make_unique<StridedCopyOp>(desc.inputs[0], desc.outputs[0], std::move(plan), std::move(name));
}

}  // namespace

void register_shape_ops(OpRegistry& r) {
  r.add("Reshape", &make_reshape);
  r.add("Transpose", &make_transpose);
  r.add("Slice", &make_slice);
  r.add("Expand", &make_expand);
  register_concat_split_ops(r);
  register_pad_op(r);
  register_gather_op(r);
}

}  // namespace sparq

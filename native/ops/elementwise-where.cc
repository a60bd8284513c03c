// Where(cond, X, Y): a three-way broadcast that moves elements by size, so it serves every dtype.
#include <cstring>
#include <memory>

#include "ops/broadcast.h"
#include "ops/elementwise-families.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"

namespace sparq {
namespace {

template <typename T>  // T only fixes the element width
class WhereOp final : public Op {
 public:
  WhereOp(int32_t c, int32_t x, int32_t y, int32_t z, BroadcastPlan plan)
      : c_(c), x_(x), y_(y), z_(z), plan_(std::move(plan)) {}

  void run(RunContext& ctx) override {
    const uint8_t* c = ctx.ptr<const uint8_t>(c_);
    const T* x = ctx.ptr<const T>(x_);
    const T* y = ctx.ptr<const T>(y_);
    T* z = ctx.ptr<T>(z_);
    const int64_t sc = plan_.strides[0].back(), sx = plan_.strides[1].back(), sy = plan_.strides[2].back();
    for_element_chunks(ctx.pool, static_cast<size_t>(plan_.numel), [&](size_t begin, size_t end) {
      for_each_broadcast_run<3>(plan_, static_cast<int64_t>(begin), static_cast<int64_t>(end),
                                [&](const int64_t* off, int64_t pos, int64_t n) {
        const uint8_t* pc = c + off[0];
        const T* px = x + off[1];
        const T* py = y + off[2];
        T* pz = z + pos;
        if (sc && sx && sy) {
          for (int64_t i = 0; i < n; ++i) pz[i] = pc[i] ? px[i] : py[i];
        } else {
          for (int64_t i = 0; i < n; ++i) pz[i] = pc[i * sc] ? px[i * sx] : py[i * sy];
        }
      });
    });
  }
  std::string kernel_name() const override { return "where-x" + std::to_string(sizeof(T) * 8); }

 private:
  int32_t c_, x_, y_, z_;
  BroadcastPlan plan_;
};

std::unique_ptr<Op> make_where(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 3, 3, 1, 1);
  const TensorDesc& c = required_tensor(desc, ctx, desc.inputs[0], "input condition");
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[1], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.inputs[2], "input Y");
  const TensorDesc& z = required_tensor(desc, ctx, desc.outputs[0], "output");
  expect_dtype(desc, c, {DType::kBool}, "condition");
  expect_same_dtype(desc, x, y, "X and Y");
  expect_same_dtype(desc, x, z, "X and the output");
  std::vector<int64_t> xy, shape;
  if (!broadcast_shape(x.shape, y.shape, xy) || !broadcast_shape(c.shape, xy, shape))
    plan_fail(desc, "expected broadcastable shapes but received " + shape_string(c.shape) + ", " +
                        shape_string(x.shape) + " and " + shape_string(y.shape));
  expect_shape(desc, z, shape, "output");
  BroadcastPlan plan = make_broadcast_plan(z.shape, {c.shape, x.shape, y.shape});
  const int32_t ci = desc.inputs[0], xi = desc.inputs[1], yi = desc.inputs[2], zi = desc.outputs[0];
  switch (dtype_size(x.dtype)) {
    case 1: return std::make_unique<WhereOp<uint8_t>>(ci, xi, yi, zi, std::move(plan));
    case 4: return std::make_unique<WhereOp<uint32_t>>(ci, xi, yi, zi, std::move(plan));
    default: return std::make_unique<WhereOp<uint64_t>>(ci, xi, yi, zi, std::move(plan));
  }
}

}  // namespace

void register_where_op(OpRegistry& r) { r.add("Where", &make_where); }

}  // namespace sparq

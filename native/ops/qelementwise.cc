// QAdd (u8 + u8 -> u8 with requantization, numpy broadcasting) and QLookup (u8 -> u8 through a 256-entry table).
#include <array>
#include <cstring>
#include <memory>

#include "kernels/qu8-elementwise/qu8-elementwise.h"
#include "ops/broadcast.h"
#include "ops/parallel-elements.h"
#include "ops/quant-families.h"
#include "ops/qu8-binary-op.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

std::unique_ptr<Op> make_qadd(const OpDesc& desc, const BuildContext& ctx) {
  bool same_shape = false;
  BroadcastPlan plan = qu8_binary_plan(desc, ctx, &same_shape);
  QAddParams p = qu8_binary_params<QAddParams>(desc);
  const std::string activation = desc.attrs.s("activation", "none");
  if (activation != "none" && activation != "relu")
    plan_fail(desc, "expected activation none or relu but received '" + activation + "'");
  p.relu = activation == "relu";
  Qu8AddFn fn = &qu8_add__reference;
  std::string name = "qu8-add-scalar";
#if defined(__x86_64__)
  if (ctx.features.avx512f) fn = &qu8_add_ukernel__avx512, name = "qu8-add-avx512";
  else if (ctx.features.avx2) fn = &qu8_add_ukernel__avx2, name = "qu8-add-avx2";
#endif
#if defined(__aarch64__)
  if (ctx.features.neon) fn = &qu8_add_ukernel__neon, name = "qu8-add-neon";
#endif
  if (!same_shape) name += " broadcast";
  return std::make_unique<Qu8BinaryOp<QAddParams>>(desc.inputs[0], desc.inputs[1], desc.outputs[0], p,
                                                   std::move(plan), same_shape, fn, &qu8_add__reference, nullptr,
                                                   name);
}

class QLookupOp final : public Op {
 public:
  QLookupOp(int32_t x, int32_t y, size_t n, const uint8_t* table, Qu8LookupFn fn, std::string name)
      : x_(x), y_(y), n_(n), fn_(fn), name_(std::move(name)) {
    std::memcpy(table_.data(), table, table_.size());
  }
  void run(RunContext& ctx) override {
    const uint8_t* x = ctx.ptr<const uint8_t>(x_);
    uint8_t* y = ctx.ptr<uint8_t>(y_);
    for_element_chunks(ctx.pool, n_, [&](size_t begin, size_t end) {
      fn_(end - begin, x + begin, table_.data(), y + begin);
    });
  }
  std::string kernel_name() const override { return name_; }

 private:
  int32_t x_, y_;
  size_t n_;
  Qu8LookupFn fn_;
  std::string name_;
  std::array<uint8_t, 256> table_;
};

std::unique_ptr<Op> make_qlookup(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 2, 2, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& t = required_tensor(desc, ctx, desc.inputs[1], "table T");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kUInt8}, "input X");
  expect_dtype(desc, t, {DType::kUInt8}, "table T");
  expect_dtype(desc, y, {DType::kUInt8}, "output Y");
  expect_shape(desc, y, x.shape, "output Y");
  expect_shape(desc, t, {256}, "table T");
  if (t.kind != TensorKind::kConstant || t.data.size() != 256) plan_fail(desc, "expected a constant 256-byte table T");
  Qu8LookupFn fn = &qu8_lookup__reference;
  std::string name = "qu8-lookup-scalar";
#if defined(__x86_64__)
  if (ctx.features.avx512vbmi) fn = &qu8_lookup_ukernel__avx512vbmi, name = "qu8-lookup-avx512vbmi";
#endif
  return std::make_unique<QLookupOp>(desc.inputs[0], desc.outputs[0], static_cast<size_t>(x.numel()), t.data.data(),
                                     fn, name);
}

}  // namespace

void register_qelementwise_ops(OpRegistry& r) {
  r.add("QAdd", &make_qadd);
  r.add("QLookup", &make_qlookup);
}

}  // namespace sparq

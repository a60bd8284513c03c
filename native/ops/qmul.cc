// QMul (u8 x u8 -> u8 with requantization, numpy broadcasting): the DequantizeLinear, DequantizeLinear, Mul,
// QuantizeLinear chain in one pass, bit-identical to it (same float operations in the same order).
#include <memory>
#include <string>

#include "kernels/qu8-elementwise/qu8-elementwise.h"
#include "ops/quant-families.h"
#include "ops/qu8-binary-op.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

std::unique_ptr<Op> make_qmul(const OpDesc& desc, const BuildContext& ctx) {
  bool same_shape = false;
  BroadcastPlan plan = qu8_binary_plan(desc, ctx, &same_shape);
  const QMulParams p = qu8_binary_params<QMulParams>(desc);
  Qu8MulFn fn = &qu8_mul__reference;
  Qu8MulRowsFn rows = nullptr;  // scalar and NEON: one fn call per row
  std::string name = "qu8-mul-scalar";
#if defined(__x86_64__)
  if (ctx.features.avx512f) {
    fn = &qu8_mul_ukernel__avx512, rows = &qu8_mul_rows_ukernel__avx512, name = "qu8-mul-avx512";
  } else if (ctx.features.avx2) {
    fn = &qu8_mul_ukernel__avx2, rows = &qu8_mul_rows_ukernel__avx2, name = "qu8-mul-avx2";
  }
#endif
#if defined(__aarch64__)
  if (ctx.features.neon) fn = &qu8_mul_ukernel__neon, name = "qu8-mul-neon";
#endif
  auto op = std::make_unique<Qu8BinaryOp<QMulParams>>(desc.inputs[0], desc.inputs[1], desc.outputs[0], p,
                                                      std::move(plan), same_shape, fn, &qu8_mul__reference, rows, "");
  op->set_kernel_name(name + (same_shape ? "" : op->per_channel() ? " per-channel" : " broadcast"));
  return op;
}

}  // namespace

void register_qmul_op(OpRegistry& r) { r.add("QMul", &make_qmul); }

}  // namespace sparq

// QuantizeLinear (f32 -> u8/i8) and DequantizeLinear (u8/i8/i32 -> f32), threaded over elements; registers the
// whole int8 op family.
#include <memory>

#include "kernels/qu8-elementwise/qu8-elementwise.h"
#include "ops/parallel-elements.h"
#include "ops/quant-families.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

// y[i] = f(x[i]) through a kernel over [begin, end) chunks: Quantize (In = float, Out = u8) and Dequantize
// (In = u8/i8/i32, Out = float).
template <typename In, typename Out, typename Params>
class ElementMapOp final : public Op {
 public:
  using Kernel = void (*)(size_t n, const In* x, const Params& p, Out* y);
  ElementMapOp(int32_t x, int32_t y, size_t n, Params p, Kernel fn, std::string name)
      : x_(x), y_(y), n_(n), p_(p), fn_(fn), name_(std::move(name)) {}
  void run(RunContext& ctx) override {
    const In* x = ctx.ptr<const In>(x_);
    Out* y = ctx.ptr<Out>(y_);
    for_element_chunks(ctx.pool, n_, [&](size_t begin, size_t end) { fn_(end - begin, x + begin, p_, y + begin); });
  }
  std::string kernel_name() const override { return name_; }

 private:
  int32_t x_, y_;
  size_t n_;
  Params p_;
  Kernel fn_;
  std::string name_;
};

template <typename In>
using DequantizeOp = ElementMapOp<In, float, DequantizeParams>;

std::unique_ptr<Op> make_quantize(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kFloat32}, "input X");
  expect_dtype(desc, y, {DType::kUInt8, DType::kInt8}, "output Y");
  expect_shape(desc, y, x.shape, "output Y");
  const bool u8 = y.dtype == DType::kUInt8;
  QuantizeParams p;
  p.scale = quant_scale_attr(desc, "scale");
  p.zero_point = quant_zero_point_attr(desc, "zero_point", u8 ? 0 : -128, u8 ? 255 : 127);
  p.lo = static_cast<float>((u8 ? 0 : -128) - p.zero_point);
  p.hi = static_cast<float>((u8 ? 255 : 127) - p.zero_point);
  F32Qu8QuantizeFn fn = &f32_qu8_quantize__reference;
  std::string name = "f32-qu8-quantize-scalar";
#if defined(__x86_64__)
  if (ctx.features.avx512f) fn = &f32_qu8_quantize_ukernel__avx512, name = "f32-qu8-quantize-avx512";
  else if (ctx.features.avx2) fn = &f32_qu8_quantize_ukernel__avx2, name = "f32-qu8-quantize-avx2";
#endif
#if defined(__aarch64__)
  if (ctx.features.neon) fn = &f32_qu8_quantize_ukernel__neon, name = "f32-qu8-quantize-neon";
#endif
  return std::make_unique<ElementMapOp<float, uint8_t, QuantizeParams>>(desc.inputs[0], desc.outputs[0], static_cast<size_t>(x.numel()), p, fn,
                                      name);
}

std::unique_ptr<Op> make_dequantize(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kUInt8, DType::kInt8, DType::kInt32}, "input X");
  expect_dtype(desc, y, {DType::kFloat32}, "output Y");
  expect_shape(desc, y, x.shape, "output Y");
  DequantizeParams p;
  p.scale = quant_scale_attr(desc, "scale");
  const size_t n = static_cast<size_t>(x.numel());
  const int32_t xi = desc.inputs[0], yi = desc.outputs[0];
  if (x.dtype == DType::kInt32) {
    // ONNX dequantizes int32 (bias-like values) without a zero point.
    p.zero_point = quant_zero_point_attr(desc, "zero_point", 0, 0);
    return std::make_unique<DequantizeOp<int32_t>>(xi, yi, n, p, &qs32_f32_dequantize__reference,
                                                   "qs32-f32-dequantize-scalar");
  }
  if (x.dtype == DType::kInt8) {
    p.zero_point = quant_zero_point_attr(desc, "zero_point", -128, 127);
    return std::make_unique<DequantizeOp<int8_t>>(xi, yi, n, p, &qs8_f32_dequantize__reference,
                                                  "qs8-f32-dequantize-scalar");
  }
  p.zero_point = quant_zero_point_attr(desc, "zero_point", 0, 255);
  Qu8F32DequantizeFn fn = &qu8_f32_dequantize__reference;
  std::string name = "qu8-f32-dequantize-scalar";
#if defined(__x86_64__)
  if (ctx.features.avx512f) fn = &qu8_f32_dequantize_ukernel__avx512, name = "qu8-f32-dequantize-avx512";
  else if (ctx.features.avx2) fn = &qu8_f32_dequantize_ukernel__avx2, name = "qu8-f32-dequantize-avx2";
#endif
#if defined(__aarch64__)
  if (ctx.features.neon) fn = &qu8_f32_dequantize_ukernel__neon, name = "qu8-f32-dequantize-neon";
#endif
  return std::make_unique<DequantizeOp<uint8_t>>(xi, yi, n, p, fn, name);
}

}  // namespace

void register_quant_ops(OpRegistry& r) {
  r.add("QuantizeLinear", &make_quantize);
  r.add("DequantizeLinear", &make_dequantize);
  register_qelementwise_ops(r);
  register_qmul_op(r);
  register_qconcat_op(r);
  register_qpool_ops(r);
}

}  // namespace sparq

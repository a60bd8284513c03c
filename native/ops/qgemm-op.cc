// QGemm: Y[..., N] = epilogue(B + (A[..., K] - a_zero_point) x W[K, N]) with W s8 constant, packed once; every
// leading dimension of A is a GEMM row, threaded over row x column-panel tiles by the int8 GEMM driver.
#include <memory>
#include <string>
#include <vector>

#include "ops/op-checks.h"
#include "ops/qconv-quantization.h"
#include "ops/qgemm-op.h"
#include "ops/qgemm.h"
#include "runtime/dispatch-qs8.h"

namespace sparq {
namespace {

class QGemmOp : public Op {
 public:
  QGemmOp(const OpDesc& desc, const BuildContext& ctx) {
    expect_arity(desc, 2, 4, 1, 1);
    const TensorDesc& a = required_tensor(desc, ctx, desc.inputs[0], "input A");
    const TensorDesc& w = required_tensor(desc, ctx, desc.inputs[1], "weight W");
    const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
    expect_dtype(desc, a, {DType::kUInt8}, "input A");
    expect_dtype(desc, y, {DType::kUInt8, DType::kFloat32}, "output Y");
    if (a.shape.empty()) plan_fail(desc, "expected input A of rank >= 1 but received a scalar");
    expect_rank(desc, w, 2, "weight W");
    const std::vector<int8_t> weights = qs8_constant_weights(desc, w, "weight W");
    k_ = static_cast<size_t>(a.shape.back());
    n_ = static_cast<size_t>(w.shape[1]);
    if (w.shape[0] != a.shape.back())
      plan_fail(desc, "expected W of shape [K, N] with K = " + std::to_string(k_) + " but received " +
                          shape_string(w.shape));
    if (k_ == 0 || n_ == 0) plan_fail(desc, "expected K and N of at least 1 but received W " + shape_string(w.shape));
    std::vector<int64_t> y_shape = a.shape;
    y_shape.back() = static_cast<int64_t>(n_);
    expect_shape(desc, y, y_shape, "output Y");
    rows_ = static_cast<size_t>(a.numel()) / k_;
    const std::vector<int32_t> bias = read_qs8_bias(desc, ctx, n_);
    r_id_ = read_qs8_residual(desc, ctx, y_shape);
    const Qs8OpQuantization quant = read_qs8_op_quantization(desc, "a", n_, y.dtype, r_id_ >= 0);
    requantization_ = std::make_unique<Qs8Requantization>(quant.output, n_);
    try {
      gemm_ = std::make_unique<Qs8PackedGemm>(select_qs8_gemm_kernel(ctx.features, n_), k_, n_, weights.data(), n_, 1,
                                              bias.data(), quant.input_zero_point);
    } catch (const PlanError& e) {
      plan_fail(desc, e.what());
    }
    a_id_ = desc.inputs[0];
    y_id_ = desc.outputs[0];
  }

  void run(RunContext& ctx) override {
    gemm_->compute(rows_, ctx.ptr<uint8_t>(a_id_), k_, requantization_->params(), ctx.ptr<uint8_t>(r_id_), n_,
                   ctx.ptr<uint8_t>(y_id_), n_, ctx.pool);
  }

  std::string kernel_name() const override { return gemm_->kernel().name; }

 private:
  size_t rows_ = 0, k_ = 0, n_ = 0;
  std::unique_ptr<Qs8Requantization> requantization_;
  std::unique_ptr<Qs8PackedGemm> gemm_;
  int32_t a_id_ = -1, r_id_ = -1, y_id_ = -1;
};

}  // namespace

std::unique_ptr<Op> make_qgemm(const OpDesc& desc, const BuildContext& ctx) {
  return std::make_unique<QGemmOp>(desc, ctx);
}

}  // namespace sparq

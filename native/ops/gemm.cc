// Gemm (transA/transB/alpha/beta, broadcast C) and MatMul (numpy semantics) on the shared fp32 GEMM driver;
// a constant B is packed once here, a runtime B on every run. A constant B that is 2:4 sparse along K runs on
// the 2:4 kernels when ops/conv-algorithm.h expects a gain (or the `algorithm` attr says so).
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "ops/activation.h"
#include "ops/aligned-buffer.h"
#include "ops/conv-algorithm-sparse24.h"
#include "ops/conv-algorithm.h"
#include "ops/f32-gemm-driver.h"
#include "ops/f32-op-validation.h"
#include "runtime/dispatch-f32.h"
#include "runtime/op.h"

namespace sparq {
namespace {

size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

// The `algorithm` attr of a Gemm/MatMul: Winograd is a Conv algorithm only.
ConvAlgorithm read_gemm_algorithm(const OpDesc& desc) {
  const ConvAlgorithm a = read_conv_algorithm(desc);
  if (a == ConvAlgorithm::kWinograd) throw_op_error(desc, "algorithm 'winograd' applies to Conv only");
  return a;
}

// Whether a constant B (element (k, n) at b[k * k_stride + n * n_stride]) runs on the 2:4 kernels; throws when
// the attr forces it but the op cannot (`why_not` non-empty).
bool use_sparse24(const OpDesc& desc, ConvAlgorithm algorithm, const std::string& why_not, const float* b, size_t m,
                  size_t k, size_t n, size_t k_stride, size_t n_stride) {
  if (algorithm == ConvAlgorithm::kSparse24) {
    if (!why_not.empty()) throw_op_error(desc, "algorithm 'sparse24' needs " + why_not);
    return true;  // the layer validates the pattern and names the first offending group
  }
  return algorithm == ConvAlgorithm::kAuto && why_not.empty() && sparse24_pays_off(m, n, k) &&
         sparse24_along_k(b, k, n, k_stride, n_stride);
}

class GemmOp : public Op {
 public:
  GemmOp(const OpDesc& desc, const BuildContext& ctx) {
    check_inputs(desc, 2, 4);
    const TensorDesc& a = f32_tensor(desc, ctx, desc.inputs[0], "input A");
    const TensorDesc& b = f32_tensor(desc, ctx, desc.inputs[1], "input B");
    const TensorDesc& y = f32_tensor(desc, ctx, desc.outputs[0], "output Y");
    if (a.shape.size() != 2) throw_op_error(desc, "expected a 2-D A but received " + shape_string(a.shape));
    if (b.shape.size() != 2) throw_op_error(desc, "expected a 2-D B but received " + shape_string(b.shape));
    trans_a_ = desc.attrs.i("transA", 0) != 0;
    trans_b_ = desc.attrs.i("transB", 0) != 0;
    alpha_ = desc.attrs.f("alpha", 1.f);
    beta_ = desc.attrs.f("beta", 1.f);
    m_ = static_cast<size_t>(trans_a_ ? a.shape[1] : a.shape[0]);
    k_ = static_cast<size_t>(trans_a_ ? a.shape[0] : a.shape[1]);
    const size_t kb = static_cast<size_t>(trans_b_ ? b.shape[1] : b.shape[0]);
    n_ = static_cast<size_t>(trans_b_ ? b.shape[0] : b.shape[1]);
    if (kb != k_)
      throw_op_error(desc, "inner dimensions disagree: A " + shape_string(a.shape) + " and B " + shape_string(b.shape) +
                               (trans_a_ ? " (transA)" : "") + (trans_b_ ? " (transB)" : ""));
    const std::vector<int64_t> y_shape = {static_cast<int64_t>(m_), static_cast<int64_t>(n_)};
    expect_shape(desc, y, y_shape, "output Y");
    act_ = parse_activation(desc.attrs, "alpha_act", "beta_act");
    const ConvAlgorithm algorithm = read_gemm_algorithm(desc);
    gemm_ = &f32_gemm_kernel_for(ctx.features, n_);
    a_id_ = desc.inputs[0];
    b_id_ = desc.inputs[1];
    c_id_ = optional_input(desc, 2);
    r_id_ = optional_input(desc, 3);
    y_id_ = desc.outputs[0];
    std::vector<float> bv;
    if (b.kind == TensorKind::kConstant) {
      bv = constant_floats(desc, b, "input B");
      b_const_ = true;
    }
    if (c_id_ >= 0) {
      const TensorDesc& c = f32_tensor(desc, ctx, c_id_, "input C");
      if (c.shape.size() > 2) throw_op_error(desc, "expected C of rank <= 2 but received " + shape_string(c.shape));
      std::vector<int64_t> cs = c.shape;
      while (cs.size() < 2) cs.insert(cs.begin(), 1);
      const bool rows_ok = cs[0] == 1 || cs[0] == static_cast<int64_t>(m_);
      const bool cols_ok = cs[1] == 1 || cs[1] == static_cast<int64_t>(n_);
      if (!rows_ok || !cols_ok)
        throw_op_error(desc, "C " + shape_string(c.shape) + " does not broadcast to " + shape_string(y_shape));
      c_rows_ = static_cast<size_t>(cs[0]);
      c_cols_ = static_cast<size_t>(cs[1]);
      bias_.resize(round_up(n_, gemm_->nr));
      if (c_rows_ == 1 && c.kind == TensorKind::kConstant) {
        const std::vector<float> cv = constant_floats(desc, c, "input C");
        fill_bias(cv.data());
        c_const_bias_ = true;
      }
    }
    if (r_id_ >= 0) expect_shape(desc, f32_tensor(desc, ctx, r_id_, "residual R"), y_shape, "residual R");
    // B is K x N, or N x K with transB; alpha is folded into the weights either way.
    const size_t k_stride = trans_b_ ? 1 : n_, n_stride = trans_b_ ? k_ : 1;
    const std::string why_not = !b_const_                                ? "a constant B"
                                : c_id_ >= 0 && c_rows_ == 1 && !c_const_bias_ ? "a constant C"
                                                                               : "";
    if (use_sparse24(desc, algorithm, why_not, bv.data(), m_, k_, n_, k_stride, n_stride)) {
      sparse_ = std::make_unique<F32Sparse24Layer>(ctx.features, bv.data(), k_, n_, k_stride, n_stride, alpha_,
                                                   c_const_bias_ ? bias_.data() : nullptr, m_,
                                                   desc.type + " node '" + desc.name + "' input B");
      return;
    }
    packed_.resize(f32_gemm_packed_size(k_, n_, gemm_->nr));
    if (b_const_) pack_b(bv.data());
  }

  void run(RunContext& ctx) override {
    const float* a = ctx.ptr<float>(a_id_);
    const float* c = ctx.ptr<float>(c_id_);
    const float* r = ctx.ptr<float>(r_id_);
    float* y = ctx.ptr<float>(y_id_);
    if (!b_const_) pack_b(ctx.ptr<float>(b_id_));
    if (trans_a_) {
      a_t_.resize(m_ * k_);
      for (size_t i = 0; i < m_; ++i)
        for (size_t kk = 0; kk < k_; ++kk) a_t_.data()[i * k_ + kk] = a[kk * m_ + i];
      a = a_t_.data();
    }
    F32GemmOutput out;
    out.c = y;
    out.c_stride = n_;
    out.activation = &act_;
    out.residual = r;
    out.residual_stride = n_;
    if (c) {
      if (c_rows_ == 1) {
        if (!c_const_bias_) fill_bias(c);
        out.bias = bias_.data();
      } else {
        // C varies by row: beta * C (+ R) becomes the residual.
        residual_.resize(m_ * n_);
        float* rs = residual_.data();
        for (size_t i = 0; i < m_; ++i)
          for (size_t j = 0; j < n_; ++j)
            rs[i * n_ + j] = beta_ * c[i * c_cols_ + (c_cols_ == 1 ? 0 : j)] + (r ? r[i * n_ + j] : 0.f);
        out.residual = rs;
      }
    }
    if (sparse_) {
      // The bias (beta * C) is inside the sparse layer's packing.
      sparse_->run(ctx.pool, [&]() -> std::unique_ptr<F32GemmRows> { return std::make_unique<F32DirectRows>(a, k_); },
                   y, n_, out.residual, n_, act_);
      return;
    }
    f32_gemm_parallel(ctx.pool, 1, m_, n_, k_, gemm_->mr, gemm_->nr, [&](size_t, size_t m0, size_t m1, size_t n0, size_t n1) {
      F32DirectRows rows(a, k_);
      f32_gemm_compute(*gemm_, packed_.data(), k_, n_, rows, m0, m1, n0, n1, out);
    });
  }

  std::string kernel_name() const override {
    if (sparse_) return sparse_->name() + " sparse24";
    return std::string(gemm_->name) + (b_const_ ? " prepacked" : " packed-per-run");
  }

 private:
  void pack_b(const float* b) {
    // B is K x N (or N x K with transB); alpha is folded into the packed panels.
    if (trans_b_) f32_gemm_pack_b(b, k_, n_, 1, k_, gemm_->nr, alpha_, packed_.data());
    else f32_gemm_pack_b(b, k_, n_, n_, 1, gemm_->nr, alpha_, packed_.data());
  }
  void fill_bias(const float* c) {
    for (size_t j = 0; j < bias_.size(); ++j) bias_.data()[j] = j < n_ ? beta_ * c[c_cols_ == 1 ? 0 : j] : 0.f;
  }

  const F32GemmKernelInfo* gemm_ = nullptr;
  std::unique_ptr<F32Sparse24Layer> sparse_;
  bool trans_a_ = false, trans_b_ = false, b_const_ = false, c_const_bias_ = false;
  float alpha_ = 1.f, beta_ = 1.f;
  size_t m_ = 0, n_ = 0, k_ = 0, c_rows_ = 0, c_cols_ = 0;
  AlignedFloats packed_, bias_, residual_, a_t_;
  ActivationParams act_;
  int32_t a_id_ = -1, b_id_ = -1, c_id_ = -1, r_id_ = -1, y_id_ = -1;
};

// Strides (in matrices) of a batch operand broadcast to the output batch shape.
std::vector<size_t> broadcast_strides(const std::vector<int64_t>& dims, const std::vector<int64_t>& out) {
  std::vector<size_t> strides(out.size(), 0);
  size_t s = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    const size_t oi = out.size() - 1 - i, di = dims.size() - 1 - i;
    strides[oi] = dims[di] == 1 ? 0 : s;
    s *= static_cast<size_t>(dims[di]);
  }
  return strides;
}

class MatMulOp : public Op {
 public:
  MatMulOp(const OpDesc& desc, const BuildContext& ctx) {
    check_inputs(desc, 2, 4);
    const TensorDesc& a = f32_tensor(desc, ctx, desc.inputs[0], "input A");
    const TensorDesc& b = f32_tensor(desc, ctx, desc.inputs[1], "input B");
    const TensorDesc& y = f32_tensor(desc, ctx, desc.outputs[0], "output Y");
    if (a.shape.empty() || b.shape.empty()) throw_op_error(desc, "MatMul operands must have rank >= 1");
    const bool a1 = a.shape.size() == 1, b1 = b.shape.size() == 1;
    m_ = a1 ? 1 : static_cast<size_t>(a.shape[a.shape.size() - 2]);
    k_ = static_cast<size_t>(a.shape.back());
    const size_t kb = b1 ? static_cast<size_t>(b.shape[0]) : static_cast<size_t>(b.shape[b.shape.size() - 2]);
    n_ = b1 ? 1 : static_cast<size_t>(b.shape.back());
    if (kb != k_) throw_op_error(desc, "inner dimensions disagree: A " + shape_string(a.shape) + " and B " + shape_string(b.shape));
    const std::vector<int64_t> a_batch(a.shape.begin(), a.shape.end() - (a1 ? 1 : 2));
    const std::vector<int64_t> b_batch(b.shape.begin(), b.shape.end() - (b1 ? 1 : 2));
    std::vector<int64_t> out_batch(std::max(a_batch.size(), b_batch.size()), 1);
    for (size_t i = 0; i < out_batch.size(); ++i) {
      const int64_t da = i < a_batch.size() ? a_batch[a_batch.size() - 1 - i] : 1;
      const int64_t db = i < b_batch.size() ? b_batch[b_batch.size() - 1 - i] : 1;
      if (da != db && da != 1 && db != 1)
        throw_op_error(desc, "batch dimensions of A " + shape_string(a.shape) + " and B " + shape_string(b.shape) + " do not broadcast");
      out_batch[out_batch.size() - 1 - i] = da == 1 ? db : da;
    }
    std::vector<int64_t> y_shape = out_batch;
    if (!a1) y_shape.push_back(static_cast<int64_t>(m_));
    if (!b1) y_shape.push_back(static_cast<int64_t>(n_));
    expect_shape(desc, y, y_shape, "output Y");
    batch_ = 1;
    for (int64_t d : out_batch) batch_ *= static_cast<size_t>(d);
    b_mats_ = 1;
    for (int64_t d : b_batch) b_mats_ *= static_cast<size_t>(d);
    size_t a_mats = 1;
    for (int64_t d : a_batch) a_mats *= static_cast<size_t>(d);
    out_batch_ = out_batch;
    // An empty output (a zero dim anywhere) leaves nothing to compute or pack, however large the other dims are:
    // the batch loops must not run over them (a hostile model could make them count to 2^62).
    empty_ = m_ == 0 || n_ == 0 || std::find(out_batch.begin(), out_batch.end(), int64_t{0}) != out_batch.end();
    a_strides_ = broadcast_strides(a_batch, out_batch);
    b_strides_ = broadcast_strides(b_batch, out_batch);
    // One B for every batch and A not broadcast: the batches are just more rows of one GEMM.
    fold_ = b_mats_ == 1 && a_mats == batch_;
    act_ = parse_activation(desc.attrs);
    const ConvAlgorithm algorithm = read_gemm_algorithm(desc);
    gemm_ = &f32_gemm_kernel_for(ctx.features, n_);
    a_id_ = desc.inputs[0];
    b_id_ = desc.inputs[1];
    r_id_ = optional_input(desc, 3);
    y_id_ = desc.outputs[0];
    std::vector<float> bv;
    if (b.kind == TensorKind::kConstant) {
      bv = constant_floats(desc, b, "input B");
      b_const_ = true;
    }
    if (optional_input(desc, 2) >= 0) {
      const TensorDesc& bias = f32_tensor(desc, ctx, desc.inputs[2], "bias");
      expect_shape(desc, bias, {static_cast<int64_t>(n_)}, "bias");
      const std::vector<float> cv = constant_floats(desc, bias, "bias");
      bias_.resize(round_up(n_, gemm_->nr));
      for (size_t j = 0; j < bias_.size(); ++j) bias_.data()[j] = j < n_ ? cv[j] : 0.f;
      has_bias_ = true;
    }
    if (r_id_ >= 0) expect_shape(desc, f32_tensor(desc, ctx, r_id_, "residual R"), y_shape, "residual R");
    const std::string why_not = !b_const_ ? "a constant B" : !fold_ ? "one B shared by every batch" : "";
    if (use_sparse24(desc, algorithm, why_not, bv.data(), batch_ * m_, k_, n_, n_, 1)) {
      sparse_ = std::make_unique<F32Sparse24Layer>(ctx.features, bv.data(), k_, n_, n_, 1, 1.f,
                                                   has_bias_ ? bias_.data() : nullptr, batch_ * m_,
                                                   desc.type + " node '" + desc.name + "' input B");
      return;
    }
    panel_ = empty_ ? 0 : f32_gemm_packed_size(k_, n_, gemm_->nr);
    packed_.resize(panel_ * b_mats_);
    if (b_const_) pack_all(bv.data());
  }

  void run(RunContext& ctx) override {
    if (empty_) return;
    const float* a = ctx.ptr<float>(a_id_);
    const float* r = ctx.ptr<float>(r_id_);
    float* y = ctx.ptr<float>(y_id_);
    if (!b_const_) pack_all(ctx.ptr<float>(b_id_));
    F32GemmOutput out;
    out.c_stride = n_;
    out.bias = has_bias_ ? bias_.data() : nullptr;
    out.residual_stride = n_;
    out.activation = &act_;
    if (sparse_) {
      sparse_->run(ctx.pool, [&]() -> std::unique_ptr<F32GemmRows> { return std::make_unique<F32DirectRows>(a, k_); },
                   y, n_, r, n_, act_);
      return;
    }
    if (fold_) {
      out.c = y;
      out.residual = r;
      const size_t rows = batch_ * m_;
      f32_gemm_parallel(ctx.pool, 1, rows, n_, k_, gemm_->mr, gemm_->nr, [&](size_t, size_t m0, size_t m1, size_t n0, size_t n1) {
        F32DirectRows ar(a, k_);
        f32_gemm_compute(*gemm_, packed_.data(), k_, n_, ar, m0, m1, n0, n1, out);
      });
      return;
    }
    f32_gemm_parallel(ctx.pool, batch_, m_, n_, k_, gemm_->mr, gemm_->nr,
                      [&](size_t bi, size_t m0, size_t m1, size_t n0, size_t n1) {
                        size_t a_off = 0, b_off = 0, rem = bi;
                        for (size_t d = out_batch_.size(); d-- > 0;) {
                          const size_t idx = rem % static_cast<size_t>(out_batch_[d]);
                          rem /= static_cast<size_t>(out_batch_[d]);
                          a_off += idx * a_strides_[d];
                          b_off += idx * b_strides_[d];
                        }
                        F32GemmOutput o = out;
                        o.c = y + bi * m_ * n_;
                        o.residual = r ? r + bi * m_ * n_ : nullptr;
                        F32DirectRows ar(a + a_off * m_ * k_, k_);
                        f32_gemm_compute(*gemm_, packed_.data() + b_off * panel_, k_, n_, ar, m0, m1, n0, n1, o);
                      });
  }

  std::string kernel_name() const override {
    if (sparse_) return sparse_->name() + " sparse24";
    return std::string(gemm_->name) + (b_const_ ? " prepacked" : " packed-per-run");
  }

 private:
  void pack_all(const float* b) {
    // src = b_mats x K x N row-major, dst = b_mats x ceil(N/nr) x K x nr; nothing when K x N is empty (then B holds
    // no data, and b_mats may be any count).
    if (panel_ == 0) return;
    for (size_t i = 0; i < b_mats_; ++i)
      f32_gemm_pack_b(b + i * k_ * n_, k_, n_, n_, 1, gemm_->nr, 1.f, packed_.data() + i * panel_);
  }

  const F32GemmKernelInfo* gemm_ = nullptr;
  std::unique_ptr<F32Sparse24Layer> sparse_;
  size_t m_ = 0, n_ = 0, k_ = 0, batch_ = 1, b_mats_ = 1, panel_ = 0;
  bool fold_ = false, b_const_ = false, has_bias_ = false, empty_ = false;
  std::vector<int64_t> out_batch_;
  std::vector<size_t> a_strides_, b_strides_;
  AlignedFloats packed_, bias_;
  ActivationParams act_;
  int32_t a_id_ = -1, b_id_ = -1, r_id_ = -1, y_id_ = -1;
};

std::unique_ptr<Op> make_gemm(const OpDesc& desc, const BuildContext& ctx) { return std::make_unique<GemmOp>(desc, ctx); }
std::unique_ptr<Op> make_matmul(const OpDesc& desc, const BuildContext& ctx) { return std::make_unique<MatMulOp>(desc, ctx); }

}  // namespace

void register_gemm_ops(OpRegistry& r) {
  r.add("Gemm", make_gemm);
  r.add("MatMul", make_matmul);
}

}  // namespace sparq

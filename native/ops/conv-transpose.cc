// ConvTranspose (NHWC, fp32): per image, a GEMM X . W into a column buffer of every tap's contribution, then
// a gather col2im over output rows (race-free, so rows split across threads), bias and activation fused there.
#include "ops/conv-transpose.h"

#include <algorithm>
#include <string>

#include "ops/activation.h"
#include "ops/epilogue.h"
#include "ops/aligned-buffer.h"
#include "ops/conv-geometry.h"
#include "ops/f32-gemm-driver.h"
#include "ops/f32-op-validation.h"
#include "ops/im2col.h"
#include "runtime/dispatch-f32.h"

namespace sparq {
namespace {

class ConvTransposeOp : public Op {
 public:
  ConvTransposeOp(const OpDesc& desc, const BuildContext& ctx) {
    check_inputs(desc, 2, 3);
    const TensorDesc& x = f32_tensor(desc, ctx, desc.inputs[0], "input X");
    const TensorDesc& w = f32_tensor(desc, ctx, desc.inputs[1], "weight W");
    const TensorDesc& y = f32_tensor(desc, ctx, desc.outputs[0], "output Y");
    if (x.shape.size() != 4) throw_op_error(desc, "expected a 4-D NHWC input X but received " + shape_string(x.shape));
    if (w.shape.size() != 4) throw_op_error(desc, "expected a 4-D weight W but received " + shape_string(w.shape));
    if (y.shape.size() != 4) throw_op_error(desc, "expected a 4-D NHWC output Y but received " + shape_string(y.shape));
    g_ = read_conv_geometry(desc, x, w);
    if (static_cast<size_t>(w.shape[0]) != g_.in_c)
      throw_op_error(desc, "expected W dimension 0 = C = " + std::to_string(g_.in_c) + " but received " + shape_string(w.shape));
    if (g_.in_c % g_.group != 0)
      throw_op_error(desc, "input channels " + std::to_string(g_.in_c) + " are not divisible by group " + std::to_string(g_.group));
    g_.out_c = static_cast<size_t>(w.shape[1]) * g_.group;
    // Y = (in - 1) * stride - pads + dilation * (kernel - 1) + 1 + output_padding, output_padding < max(stride, dilation)
    auto out_extent = [&](size_t in, size_t s, size_t d, size_t k, size_t p0, size_t p1, int64_t actual, const char* axis) {
      const long base = static_cast<long>((in - 1) * s + d * (k - 1) + 1) - static_cast<long>(p0 + p1);
      const long extra = static_cast<long>(actual) - base;
      if (in == 0 || base < 1 || extra < 0 || extra >= static_cast<long>(std::max(s, d)))
        throw_op_error(desc, std::string("output ") + axis + " " + std::to_string(actual) +
                                 " is inconsistent with the input, kernel, strides, pads and dilations (expected " +
                                 std::to_string(base) + " plus an output padding below the stride)");
      return static_cast<size_t>(actual);
    };
    g_.out_h = out_extent(g_.in_h, g_.stride_h, g_.dilation_h, g_.kernel_h, g_.pad_top, g_.pad_bottom, y.shape[1], "height");
    g_.out_w = out_extent(g_.in_w, g_.stride_w, g_.dilation_w, g_.kernel_w, g_.pad_left, g_.pad_right, y.shape[2], "width");
    expect_shape(desc, y, {static_cast<int64_t>(g_.batch), static_cast<int64_t>(g_.out_h), static_cast<int64_t>(g_.out_w),
                           static_cast<int64_t>(g_.out_c)}, "output Y");
    const std::vector<float> weights = constant_floats(desc, w, "weight W");
    bias_.assign(g_.out_c, 0.f);
    if (optional_input(desc, 2) >= 0) {
      const TensorDesc& b = f32_tensor(desc, ctx, desc.inputs[2], "bias B");
      expect_shape(desc, b, {static_cast<int64_t>(g_.out_c)}, "bias B");
      bias_ = constant_floats(desc, b, "bias B");
    }
    act_ = parse_activation(desc.attrs);
    x_id_ = desc.inputs[0];
    y_id_ = desc.outputs[0];

    gemm_ = &f32_gemm_kernel_for(ctx.features, g_.taps() * g_.group_out());
    // Per group: B = Cg x (kh * kw * Mg) with column (ki, kj, o) = W[g * Cg + c, o, ki, kj].
    const size_t cg = g_.group_in(), mg = g_.group_out(), cols = g_.taps() * mg;
    group_packed_ = f32_gemm_packed_size(cg, cols, gemm_->nr);
    packed_.resize(group_packed_ * g_.group);
    std::vector<float> b_matrix(cg * cols);
    for (size_t grp = 0; grp < g_.group; ++grp) {
      for (size_t c = 0; c < cg; ++c)
        for (size_t o = 0; o < mg; ++o)
          for (size_t t = 0; t < g_.taps(); ++t)
            b_matrix[c * cols + t * mg + o] = weights[((grp * cg + c) * mg + o) * g_.taps() + t];
      f32_gemm_pack_b(b_matrix.data(), cg, cols, cols, 1, gemm_->nr, 1.f, packed_.data() + grp * group_packed_);
    }
    col_stride_ = g_.group * cols;
    col_.resize(g_.in_h * g_.in_w * col_stride_);
  }

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<float>(x_id_);
    float* y = ctx.ptr<float>(y_id_);
    const size_t pixels = g_.in_h * g_.in_w, cg = g_.group_in(), mg = g_.group_out(), cols = g_.taps() * mg;
    for (size_t b = 0; b < g_.batch; ++b) {
      const float* xb = x + b * pixels * g_.in_c;
      f32_gemm_parallel(ctx.pool, g_.group, pixels, cols, cg, gemm_->mr, gemm_->nr,
                        [&](size_t grp, size_t m0, size_t m1, size_t n0, size_t n1) {
                          F32DirectRows a(xb + grp * cg, g_.in_c);
                          F32GemmOutput out;
                          out.c = col_.data() + grp * cols;
                          out.c_stride = col_stride_;
                          f32_gemm_compute(*gemm_, packed_.data() + grp * group_packed_, cg, cols, a, m0, m1, n0, n1, out);
                        });
      float* yb = y + b * g_.out_h * g_.out_w * g_.out_c;
      auto body = [&](size_t begin, size_t end) {
        for (size_t oh = begin; oh < end; ++oh) col2im_row(oh, yb + oh * g_.out_w * g_.out_c);
      };
      if (ctx.pool && ctx.pool->threads() > 1) ctx.pool->parallel_for(g_.out_h, 1, body);
      else body(0, g_.out_h);
    }
  }

  std::string kernel_name() const override { return std::string(gemm_->name) + " col2im"; }

 private:
  // y[oh, ow, :] = act(bias + sum over taps (ki, kj) with oh = ih * sh - pt + ki * dh (same for w) of col).
  void col2im_row(size_t oh, float* yr) const {
    const size_t mg = g_.group_out(), cols = g_.taps() * mg, m = g_.out_c;
    for (size_t ow = 0; ow < g_.out_w; ++ow) {
      float* yp = yr + ow * m;
      std::copy(bias_.begin(), bias_.end(), yp);
      for (size_t ki = 0; ki < g_.kernel_h; ++ki) {
        const long th = static_cast<long>(oh + g_.pad_top) - static_cast<long>(ki * g_.dilation_h);
        if (th < 0 || th % static_cast<long>(g_.stride_h) != 0) continue;
        const size_t ih = static_cast<size_t>(th) / g_.stride_h;
        if (ih >= g_.in_h) continue;
        for (size_t kj = 0; kj < g_.kernel_w; ++kj) {
          const long tw = static_cast<long>(ow + g_.pad_left) - static_cast<long>(kj * g_.dilation_w);
          if (tw < 0 || tw % static_cast<long>(g_.stride_w) != 0) continue;
          const size_t iw = static_cast<size_t>(tw) / g_.stride_w;
          if (iw >= g_.in_w) continue;
          const float* src = col_.data() + (ih * g_.in_w + iw) * col_stride_ + (ki * g_.kernel_w + kj) * mg;
          for (size_t grp = 0; grp < g_.group; ++grp) {
            const float* s = src + grp * cols;
            float* d = yp + grp * mg;
            for (size_t o = 0; o < mg; ++o) d[o] += s[o];
          }
        }
      }
      epilogue_activate(yp, m, act_);
    }
  }

  ConvGeometry g_;
  const F32GemmKernelInfo* gemm_ = nullptr;
  AlignedFloats packed_, col_;
  size_t group_packed_ = 0, col_stride_ = 0;
  std::vector<float> bias_;
  ActivationParams act_;
  int32_t x_id_ = -1, y_id_ = -1;
};

}  // namespace

std::unique_ptr<Op> make_conv_transpose(const OpDesc& desc, const BuildContext& ctx) {
  return std::make_unique<ConvTransposeOp>(desc, ctx);
}

}  // namespace sparq

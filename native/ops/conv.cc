// Conv (NHWC, fp32): 1x1 as a direct GEMM on activation rows, 1x1 strided by row gather, KxK with L2-sized
// weights by direct-conv kernels on a zero-padded copy of the input (a tile's accumulators stay in registers over
// every tap, nothing is unfolded), other KxK by blocked im2col + GEMM, depthwise by direct channel-vectorised
// kernels; grouped convs run one GEMM per group. 3x3 stride-1 and stride-2 convs may run as Winograd
// (ops/f32-winograd-conv.h) and convs with 2:4-sparse weights on the 2:4 kernels (ops/conv-algorithm.h chooses
// per layer); stems with 1-4 input channels may run on the few-channel kernels (ops/conv-few-channels.h).
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ops/activation.h"
#include "ops/epilogue.h"
#include "ops/aligned-buffer.h"
#include "ops/conv-algorithm-sparse24.h"
#include "ops/conv-algorithm.h"
#include "ops/conv-few-channels.h"
#include "ops/conv-geometry.h"
#include "ops/conv-transpose.h"
#include "ops/f32-gemm-driver.h"
#include "ops/f32-op-validation.h"
#include "ops/f32-winograd-conv.h"
#include "ops/im2col.h"
#include "runtime/dispatch-f32.h"
#include "runtime/op.h"

namespace sparq {
namespace {

size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }


class ConvOp : public Op {
 public:
  enum class Path { kDirect, kGather, kIm2col, kDconv, kDepthwise, kWinograd, kSparse24, kFewChannels };

  ConvOp(const OpDesc& desc, const BuildContext& ctx) {
    check_inputs(desc, 2, 4);
    const TensorDesc& x = f32_tensor(desc, ctx, desc.inputs[0], "input X");
    const TensorDesc& w = f32_tensor(desc, ctx, desc.inputs[1], "weight W");
    const TensorDesc& y = f32_tensor(desc, ctx, desc.outputs[0], "output Y");
    g_ = read_conv_geometry(desc, x, w);
    if (g_.in_c % g_.group != 0)
      throw_op_error(desc, "input channels " + std::to_string(g_.in_c) + " are not divisible by group " + std::to_string(g_.group));
    const size_t m = static_cast<size_t>(w.shape[0]);
    if (m % g_.group != 0)
      throw_op_error(desc, "output channels " + std::to_string(m) + " are not divisible by group " + std::to_string(g_.group));
    if (static_cast<size_t>(w.shape[1]) != g_.group_in())
      throw_op_error(desc, "expected W dimension 1 = C/group = " + std::to_string(g_.group_in()) + " but received " + shape_string(w.shape));
    g_.out_c = m;
    const long eh = static_cast<long>(g_.in_h + g_.pad_top + g_.pad_bottom) - static_cast<long>(g_.dilation_h * (g_.kernel_h - 1) + 1);
    const long ew = static_cast<long>(g_.in_w + g_.pad_left + g_.pad_right) - static_cast<long>(g_.dilation_w * (g_.kernel_w - 1) + 1);
    if (eh < 0 || ew < 0) throw_op_error(desc, "the kernel is larger than the padded input " + shape_string(x.shape));
    g_.out_h = static_cast<size_t>(eh) / g_.stride_h + 1;
    g_.out_w = static_cast<size_t>(ew) / g_.stride_w + 1;
    const std::vector<int64_t> y_shape = {static_cast<int64_t>(g_.batch), static_cast<int64_t>(g_.out_h),
                                          static_cast<int64_t>(g_.out_w), static_cast<int64_t>(m)};
    expect_shape(desc, y, y_shape, "output Y");
    const std::vector<float> weights = constant_floats(desc, w, "weight W");
    std::vector<float> bias(m, 0.f);
    has_bias_ = optional_input(desc, 2) >= 0;
    if (has_bias_) {
      const TensorDesc& b = f32_tensor(desc, ctx, desc.inputs[2], "bias B");
      expect_shape(desc, b, {static_cast<int64_t>(m)}, "bias B");
      bias = constant_floats(desc, b, "bias B");
    }
    if (optional_input(desc, 3) >= 0) expect_shape(desc, f32_tensor(desc, ctx, desc.inputs[3], "residual R"), y_shape, "residual R");
    x_id_ = desc.inputs[0];
    r_id_ = optional_input(desc, 3);
    y_id_ = desc.outputs[0];
    act_ = parse_activation(desc.attrs);

    const ConvAlgorithm algorithm = read_conv_algorithm(desc);
    if (algorithm == ConvAlgorithm::kWinograd && !winograd_applies(g_))
      throw_op_error(desc, "algorithm 'winograd' needs a 3x3 conv with stride 1 or 2, dilation 1 and one group");
    if (algorithm == ConvAlgorithm::kSparse24 && g_.group != 1)
      throw_op_error(desc, "algorithm 'sparse24' needs a conv with one group");
    const bool depthwise = g_.group == g_.in_c && m == g_.in_c && g_.kernel_h <= 32;
    if (depthwise && (algorithm == ConvAlgorithm::kAuto || algorithm == ConvAlgorithm::kGemm)) {
      build_depthwise(ctx, weights, bias);
      return;
    }
    if (algorithm == ConvAlgorithm::kWinograd) {
      build_winograd(ctx, weights, bias);
      return;
    }
    const bool pointwise = g_.kernel_h == 1 && g_.kernel_w == 1 && g_.pad_top == 0 && g_.pad_left == 0 &&
                           g_.pad_bottom == 0 && g_.pad_right == 0;
    path_ = !pointwise ? Path::kIm2col : (g_.stride_h == 1 && g_.stride_w == 1) ? Path::kDirect : Path::kGather;

    // W = [M, C/group, kh, kw] -> per group B = K x Mg with k = (ki, kj, c). 2:4 sparsity is along this K: groups
    // of 4 consecutive input channels at one tap (the layout NHWC sparse kernels and pruners use).
    const size_t k = g_.taps() * g_.group_in(), mg = g_.group_out();
    std::vector<float> b_matrix(k * mg);
    auto fill_b = [&](size_t grp) {
      for (size_t o = 0; o < mg; ++o)
        for (size_t c = 0; c < g_.group_in(); ++c)
          for (size_t t = 0; t < g_.taps(); ++t)
            b_matrix[(t * g_.group_in() + c) * mg + o] = weights[((grp * mg + o) * g_.group_in() + c) * g_.taps() + t];
    };
    const size_t rows = g_.batch * g_.out_h * g_.out_w;
    if (g_.group == 1) {
      fill_b(0);
      const bool sparse_auto = algorithm == ConvAlgorithm::kAuto && !winograd_pays_off(g_) &&
                               sparse24_pays_off(rows, m, k) && sparse24_along_k(b_matrix.data(), k, m, m, 1);
      if (algorithm == ConvAlgorithm::kSparse24 || sparse_auto) {
        const bool direct = path_ == Path::kDirect;
        path_ = Path::kSparse24;
        sparse_direct_ = direct;
        sparse_ = std::make_unique<F32Sparse24Layer>(ctx.features, b_matrix.data(), k, m, m, 1, 1.f,
                                                     has_bias_ ? bias.data() : nullptr, rows,
                                                     desc.type + " node '" + desc.name + "' weight W");
        return;
      }
      if (algorithm == ConvAlgorithm::kAuto && winograd_pays_off(g_)) {
        build_winograd(ctx, weights, bias);
        return;
      }
    }
    // Only `auto` picks the few-channel kernels: `gemm` keeps the dense paths (and the benchmarks' baseline).
    const F32ConvFewcKernelInfo* fewc = nullptr;
    if (path_ == Path::kIm2col && algorithm == ConvAlgorithm::kAuto && (fewc = F32FewChannelConv::choose(ctx.features, g_))) {
      path_ = Path::kFewChannels;
      fewc_ = std::make_unique<F32FewChannelConv>(g_, *fewc, weights.data(), has_bias_ ? bias.data() : nullptr);
      return;
    }
    if (path_ == Path::kIm2col && algorithm != ConvAlgorithm::kSparse24 && (dconv_ = choose_f32_dconv(ctx.features, g_))) {
      build_dconv(b_matrix, bias);
      return;
    }
    gemm_ = &f32_gemm_kernel_for(ctx.features, m / g_.group);
    const size_t nr = gemm_->nr;
    group_packed_ = f32_gemm_packed_size(k, mg, nr);
    packed_.resize(group_packed_ * g_.group);
    bias_.resize(round_up(mg, nr) * g_.group);
    for (size_t grp = 0; grp < g_.group; ++grp) {
      if (g_.group > 1) fill_b(grp);
      f32_gemm_pack_b(b_matrix.data(), k, mg, mg, 1, nr, 1.f, packed_.data() + grp * group_packed_);
      float* bp = bias_.data() + grp * round_up(mg, nr);
      for (size_t o = 0; o < round_up(mg, nr); ++o) bp[o] = o < mg ? bias[grp * mg + o] : 0.f;
    }
  }

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<float>(x_id_);
    const float* r = ctx.ptr<float>(r_id_);
    float* y = ctx.ptr<float>(y_id_);
    if (path_ == Path::kDepthwise) return run_depthwise(ctx, x, r, y);
    if (path_ == Path::kWinograd) return run_winograd(ctx, x, r, y);
    if (path_ == Path::kSparse24) {
      sparse_->run(
          ctx.pool,
          [&]() -> std::unique_ptr<F32GemmRows> {
            if (sparse_direct_) return std::make_unique<F32DirectRows>(x, g_.in_c);
            return std::make_unique<F32Im2colRows>(g_, x, 0);
          },
          y, g_.out_c, r, g_.out_c, act_);
      return;
    }
    if (path_ == Path::kDconv) return run_dconv(ctx, x, r, y);
    if (path_ == Path::kFewChannels) return fewc_->run(ctx.pool, x, r, act_, y);
    const size_t rows = g_.batch * g_.out_h * g_.out_w, k = g_.taps() * g_.group_in(), mg = g_.group_out();
    const size_t bias_stride = round_up(mg, gemm_->nr);
    f32_gemm_parallel(ctx.pool, g_.group, rows, mg, k, gemm_->mr, gemm_->nr,
                      [&](size_t grp, size_t m0, size_t m1, size_t n0, size_t n1) {
                        F32GemmOutput out;
                        out.c = y + grp * mg;
                        out.c_stride = g_.out_c;
                        out.bias = has_bias_ ? bias_.data() + grp * bias_stride : nullptr;
                        out.residual = r ? r + grp * mg : nullptr;
                        out.residual_stride = g_.out_c;
                        out.activation = &act_;
                        const float* packed = packed_.data() + grp * group_packed_;
                        if (path_ == Path::kDirect) {
                          F32DirectRows a(x + grp * g_.group_in(), g_.in_c);
                          f32_gemm_compute(*gemm_, packed, k, mg, a, m0, m1, n0, n1, out);
                        } else {
                          F32Im2colRows a(g_, x, grp * g_.group_in());
                          f32_gemm_compute(*gemm_, packed, k, mg, a, m0, m1, n0, n1, out);
                        }
                      });
  }

  std::string kernel_name() const override {
    if (path_ == Path::kDepthwise) return dw_->name;
    if (path_ == Path::kDconv) return dconv_->name;
    if (path_ == Path::kFewChannels) return fewc_->kernel_name();
    if (path_ == Path::kWinograd) return wino_->name();
    if (path_ == Path::kSparse24) return sparse_->name() + (sparse_direct_ ? " sparse24 direct" : " sparse24 im2col");
    const char* how = path_ == Path::kDirect   ? " direct"
                      : path_ == Path::kGather ? " gather"
                                               : " im2col";
    return std::string(gemm_->name) + how + (g_.group > 1 ? " grouped" : "");
  }

 private:
  void build_depthwise(const BuildContext& ctx, const std::vector<float>& weights, const std::vector<float>& bias) {
    path_ = Path::kDepthwise;
    dw_ = &f32_dwconv_kernel_for(ctx.features);
    const size_t c = g_.in_c, taps = g_.taps();
    const size_t cp = round_up(c, dw_->channel_tile);
    // src = C x kh x kw (W with C/group = 1), dst = kh*kw x Cp (channels fastest, zero-padded)
    packed_.resize(taps * cp);
    bias_.resize(cp);
    for (size_t t = 0; t < taps; ++t)
      for (size_t ch = 0; ch < cp; ++ch) packed_.data()[t * cp + ch] = ch < c ? weights[ch * taps + t] : 0.f;
    for (size_t ch = 0; ch < cp; ++ch) bias_.data()[ch] = ch < c ? bias[ch] : 0.f;
    F32DwconvParams& p = dw_params_;
    set_depthwise_window(p, g_, c, cp);
    // Interior columns: ow * sw - pl >= 0 and ow * sw - pl + (kw - 1) * dw <= W - 1.
    const size_t ow_begin = std::min(g_.out_w, (g_.pad_left + g_.stride_w - 1) / g_.stride_w);
    const long last = static_cast<long>(g_.in_w) - 1 + static_cast<long>(g_.pad_left) -
                      static_cast<long>((g_.kernel_w - 1) * g_.dilation_w);
    size_t ow_end = last < 0 ? 0 : std::min(g_.out_w, static_cast<size_t>(last) / g_.stride_w + 1);
    p.ow_begin = ow_begin;
    p.ow_end = std::max(ow_end, ow_begin);
    if (act_.kind == Activation::kRelu) {
      p.clamp = true;
      p.min = 0.f;
      p.max = 3.4028235e38f;
    } else if (act_.kind == Activation::kClip) {
      p.clamp = true;
      p.min = act_.alpha;
      p.max = act_.beta;
    }
  }

  // W = OIHW is what the Winograd packing transforms; the residual joins in the output transform.
  void build_winograd(const BuildContext& ctx, const std::vector<float>& weights, const std::vector<float>& bias) {
    path_ = Path::kWinograd;
    wino_ = std::make_unique<F32WinogradConv>(ctx.features, g_, weights.data(), has_bias_ ? bias.data() : nullptr);
  }

  void run_winograd(RunContext& ctx, const float* x, const float* r, float* y) { wino_->run(ctx.pool, x, r, y, act_); }

  // B = K x M with k = (ki, kj, c) packed in the tile's panels; tap offsets address the zero-padded input (or the
  // input itself when the conv has no padding).
  void build_dconv(const std::vector<float>& b_matrix, const std::vector<float>& bias) {
    path_ = Path::kDconv;
    const size_t k = g_.taps() * g_.in_c, m = g_.out_c, nr = dconv_->nr;
    packed_.resize(f32_gemm_packed_size(k, m, nr));
    f32_gemm_pack_b(b_matrix.data(), k, m, m, 1, nr, 1.f, packed_.data());
    bias_.resize(round_up(m, nr));
    for (size_t o = 0; o < round_up(m, nr); ++o) bias_.data()[o] = o < m ? bias[o] : 0.f;
    padded_h_ = g_.in_h + g_.pad_top + g_.pad_bottom;
    padded_w_ = g_.in_w + g_.pad_left + g_.pad_right;
    if (padded_h_ != g_.in_h || padded_w_ != g_.in_w) {
      const size_t floats = g_.batch * padded_h_ * padded_w_ * g_.in_c;
      padded_.resize(floats);
      std::fill(padded_.data(), padded_.data() + floats, 0.f);  // the border stays zero; runs copy the interior
    }
    // With few input channels every (tap, channel) is passed as a one-channel tap: the kernels then keep the pixel
    // pointers in registers instead of rebuilding them per tap for a 1-4 step channel loop.
    dconv_channels_ = g_.in_c <= kFewChannels ? 1 : g_.in_c;
    for (size_t ki = 0; ki < g_.kernel_h; ++ki)
      for (size_t kj = 0; kj < g_.kernel_w; ++kj)
        for (size_t ch = 0; ch < g_.in_c; ch += dconv_channels_)
          tap_offsets_.push_back((ki * g_.dilation_h * padded_w_ + kj * g_.dilation_w) * g_.in_c + ch);
  }

  void run_dconv(RunContext& ctx, const float* x, const float* r, float* y) {
    const float* input = padded_.size() ? copy_to_padded(ctx, x) : x;
    const size_t rows = g_.batch * g_.out_h * g_.out_w;
    f32_gemm_parallel(ctx.pool, 1, rows, g_.out_c, g_.taps() * g_.in_c, dconv_->mr, dconv_->nr,
                      [&](size_t, size_t m0, size_t m1, size_t n0, size_t n1) { dconv_tiles(input, m0, m1, n0, n1, r, y); });
  }

  // Output pixels [m0, m1) x channels [n0, n1) in tiles of MR consecutive pixels (a tile may span output rows).
  void dconv_tiles(const float* input, size_t m0, size_t m1, size_t n0, size_t n1, const float* r, float* y) const {
    const size_t c = g_.in_c, m = g_.out_c, k = g_.taps() * c, mr = dconv_->mr, nr = dconv_->nr;
    const F32GemmActivationPlan plan = f32_gemm_activation_plan(&act_);
    F32GemmEpilogue ep;
    ep.min = plan.min;
    ep.max = plan.max;
    ep.bias = has_bias_ ? bias_.data() + n0 : nullptr;
    ep.residual_stride = m;
    const float* packed = packed_.data() + (n0 / nr) * k * nr;
    const float* pixels[kMaxDconvMr];
    const size_t per_image = g_.out_h * g_.out_w;
    size_t b = m0 / per_image, oh = (m0 % per_image) / g_.out_w, ow = m0 % g_.out_w;
    for (size_t pm = m0; pm < m1; pm += mr) {
      const size_t count = std::min(mr, m1 - pm);
      for (size_t i = 0; i < count; ++i) {
        pixels[i] = input + ((b * padded_h_ + oh * g_.stride_h) * padded_w_ + ow * g_.stride_w) * c;
        if (++ow == g_.out_w) {
          ow = 0;
          if (++oh == g_.out_h) oh = 0, ++b;
        }
      }
      float* cp = y + pm * m + n0;
      ep.residual = r ? r + pm * m + n0 : nullptr;
      dconv_->ukernel(count, n1 - n0, dconv_channels_, tap_offsets_.size(), pixels, tap_offsets_.data(), packed,
                      k * nr, cp, m, ep, plan.clamp_flag);
      if (plan.post)
        for (size_t i = 0; i < count; ++i) epilogue_activate(cp + i * m, n1 - n0, act_);
    }
  }

  // The interior of the zero-bordered copy of x (the border was zeroed at build).
  const float* copy_to_padded(RunContext& ctx, const float* x) {
    const size_t c = g_.in_c, row_floats = g_.in_w * c;
    auto copy = [&](size_t begin, size_t end) {
      for (size_t row = begin; row < end; ++row) {
        const size_t b = row / g_.in_h, ih = row % g_.in_h;
        float* dst = padded_.data() + ((b * padded_h_ + ih + g_.pad_top) * padded_w_ + g_.pad_left) * c;
        std::memcpy(dst, x + row * row_floats, row_floats * sizeof(float));
      }
    };
    const size_t in_rows = g_.batch * g_.in_h;
    if (ctx.pool && ctx.pool->threads() > 1) ctx.pool->parallel_for(in_rows, 16, copy);
    else copy(0, in_rows);
    return padded_.data();
  }

  void run_depthwise(RunContext& ctx, const float* x, const float* r, float* y) {
    const size_t rows = g_.batch * g_.out_h, row_floats = g_.out_w * g_.out_c;
    const size_t image = g_.in_h * g_.in_w * g_.in_c;
    const bool post = act_.kind != Activation::kNone && !dw_params_.clamp;
    auto body = [&](size_t begin, size_t end) {
      for (size_t row = begin; row < end; ++row) {
        const size_t b = row / g_.out_h, oh = row % g_.out_h;
        float* yr = y + row * row_floats;
        dw_->ukernel(dw_params_, oh, x + b * image, packed_.data(), bias_.data(), r ? r + row * row_floats : nullptr, yr);
        if (post) epilogue_activate(yr, row_floats, act_);
      }
    };
    if (ctx.pool && ctx.pool->threads() > 1) ctx.pool->parallel_for(rows, 1, body);
    else body(0, rows);
  }

  ConvGeometry g_;
  Path path_ = Path::kIm2col;
  const F32GemmKernelInfo* gemm_ = nullptr;
  const F32DwconvKernelInfo* dw_ = nullptr;
  const F32DconvKernelInfo* dconv_ = nullptr;
  static constexpr size_t kMaxDconvMr = 16, kFewChannels = 4;
  size_t dconv_channels_ = 0;
  std::vector<size_t> tap_offsets_;
  F32DwconvParams dw_params_;
  std::unique_ptr<F32WinogradConv> wino_;
  std::unique_ptr<F32Sparse24Layer> sparse_;
  std::unique_ptr<F32FewChannelConv> fewc_;
  bool sparse_direct_ = false;
  AlignedFloats packed_, bias_, padded_;
  size_t group_packed_ = 0, padded_h_ = 0, padded_w_ = 0;
  bool has_bias_ = false;
  int32_t x_id_ = -1, r_id_ = -1, y_id_ = -1;
  ActivationParams act_;
};

std::unique_ptr<Op> make_conv(const OpDesc& desc, const BuildContext& ctx) { return std::make_unique<ConvOp>(desc, ctx); }

}  // namespace

void register_conv_ops(OpRegistry& r) {
  r.add("Conv", make_conv);
  r.add("ConvTranspose", make_conv_transpose);
}

}  // namespace sparq

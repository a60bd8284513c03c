// QConv (NHWC, u8 activations x s8 weights, fused int8 epilogue): 1x1 stride 1 unpadded as a direct GEMM on the
// activation rows, other windows by im2col of one block of output pixels at a time into a per-thread buffer, then
// the same GEMM; inputs with at most 4 channels (stems) by direct kernels (qconv-few-channels.cc); depthwise
// (group == C == M) by direct channel-vectorised kernels; other groups one GEMM per group.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "kernels/qs8-dwconv/qs8-dwconv.h"
#include "ops/conv-geometry.h"
#include "ops/op-checks.h"
#include "ops/qconv-few-channels.h"
#include "ops/qconv-quantization.h"
#include "ops/qgemm-op.h"
#include "ops/qgemm.h"
#include "ops/qs8-im2col.h"
#include "ops/quant-families.h"
#include "runtime/dispatch-qs8.h"
#include "runtime/op.h"

namespace sparq {
namespace {

size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

// How the column panels of the GEMM paths are cut into chunks: one chunk unless there are too few units of rows
// (row blocks x groups) to keep every thread busy, then enough chunks for about 4 tasks per thread.
struct PanelChunks {
  size_t count, per_chunk;
};

PanelChunks panel_chunks(size_t units, size_t panels, size_t threads) {
  size_t chunks = 1;
  if (threads > 1 && units < 4 * threads) chunks = std::min(panels, (4 * threads + units - 1) / units);
  const size_t per_chunk = (panels + chunks - 1) / chunks;
  return {(panels + per_chunk - 1) / per_chunk, per_chunk};
}

class QConvOp : public Op {
 public:
  enum class Path { kDirect, kIm2col, kImplicit, kDepthwise, kFewChannels };

  QConvOp(const OpDesc& desc, const BuildContext& ctx) {
    expect_arity(desc, 2, 4, 1, 1);
    const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
    const TensorDesc& w = required_tensor(desc, ctx, desc.inputs[1], "weight W");
    const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
    expect_dtype(desc, x, {DType::kUInt8}, "input X");
    expect_dtype(desc, y, {DType::kUInt8, DType::kFloat32}, "output Y");
    const std::vector<int8_t> weights = qs8_constant_weights(desc, w, "weight W");
    g_ = read_conv_geometry(desc, x, w);
    const size_t m = static_cast<size_t>(w.shape[0]);
    if (g_.in_c == 0 || m == 0) plan_fail(desc, "expected at least one input and one output channel");
    if (g_.in_c % g_.group != 0)
      plan_fail(desc, "input channels " + std::to_string(g_.in_c) + " are not divisible by group " + std::to_string(g_.group));
    if (m % g_.group != 0)
      plan_fail(desc, "output channels " + std::to_string(m) + " are not divisible by group " + std::to_string(g_.group));
    if (static_cast<size_t>(w.shape[1]) != g_.group_in())
      plan_fail(desc, "expected W dimension 1 = C/group = " + std::to_string(g_.group_in()) + " but received " +
                          shape_string(w.shape));
    g_.out_c = m;
    const long eh = static_cast<long>(g_.in_h + g_.pad_top + g_.pad_bottom) - static_cast<long>(g_.dilation_h * (g_.kernel_h - 1) + 1);
    const long ew = static_cast<long>(g_.in_w + g_.pad_left + g_.pad_right) - static_cast<long>(g_.dilation_w * (g_.kernel_w - 1) + 1);
    if (eh < 0 || ew < 0) plan_fail(desc, "the kernel is larger than the padded input " + shape_string(x.shape));
    g_.out_h = static_cast<size_t>(eh) / g_.stride_h + 1;
    g_.out_w = static_cast<size_t>(ew) / g_.stride_w + 1;
    const std::vector<int64_t> y_shape = {static_cast<int64_t>(g_.batch), static_cast<int64_t>(g_.out_h),
                                          static_cast<int64_t>(g_.out_w), static_cast<int64_t>(m)};
    expect_shape(desc, y, y_shape, "output Y");
    const std::vector<int32_t> bias = read_qs8_bias(desc, ctx, m);
    r_id_ = read_qs8_residual(desc, ctx, y_shape);
    x_id_ = desc.inputs[0];
    y_id_ = desc.outputs[0];
    Qs8OpQuantization quant = read_qs8_op_quantization(desc, "x", m, y.dtype, r_id_ >= 0);
    if (desc.attrs.has("add_y_scale")) read_residual_add(desc, y.dtype, quant.output);
    x_zero_point_ = quant.input_zero_point;
    requantization_ = std::make_unique<Qs8Requantization>(quant.output, m);
    out_bytes_ = y.dtype == DType::kUInt8 ? 1 : 4;
    epilogue_ = select_qs8_gemm_kernel(ctx.features).epilogue;

    if (g_.group == g_.in_c && m == g_.in_c) build_depthwise(ctx, weights, bias);
    else if ((few_ = Qs8FewChannelConv::create(g_, ctx.features, weights.data(), bias.data(), x_zero_point_)))
      path_ = Path::kFewChannels;
    else build_gemm(desc, ctx, weights, bias);
  }

  void run(RunContext& ctx) override {
    const uint8_t* x = ctx.ptr<uint8_t>(x_id_);
    const uint8_t* r = ctx.ptr<uint8_t>(r_id_);
    uint8_t* y = ctx.ptr<uint8_t>(y_id_);
    if (path_ == Path::kDepthwise) run_depthwise(ctx, x, r, y);
    else if (path_ == Path::kFewChannels) few_->run(ctx.pool, x, requantization_->params(), epilogue_, r, y);
    else if (path_ == Path::kImplicit) run_implicit(ctx, x, r, y);
    else run_gemm(ctx, x, r, y);
  }

  std::string kernel_name() const override {
    if (path_ == Path::kDepthwise) return std::string(dw_3x3_u8_ ? dwconv_->name_3x3_u8 : dwconv_->name) + " depthwise";
    if (path_ == Path::kFewChannels) return std::string(few_->kernel_name()) + " few-channel";
    const char* how = path_ == Path::kDirect ? " direct" : path_ == Path::kImplicit ? " implicit" : " im2col";
    return std::string(gemms_.front()->kernel().name) + how +
           (g_.group > 1 ? " grouped" : "");
  }

 private:
  // add_y_scale / add_y_zero_point / add_activation: R is added after requantization, as a following QAdd(Y, R)
  // would (the plan compiler's fusion, lib/plan/fuse-qadd.ts); y_scale / y_zero_point then quantize the conv alone.
  void read_residual_add(const OpDesc& desc, DType y_dtype, Qs8QuantizedOutput& q) const {
    if (r_id_ < 0 || y_dtype != DType::kUInt8) plan_fail(desc, "expected a residual R and a u8 output Y with add_y_scale");
    q.residual_after_requantization = true;
    q.add_y_scale = quant_scale_attr(desc, "add_y_scale");
    q.add_y_zero_point = quant_zero_point_attr(desc, "add_y_zero_point", 0, 255);
    const std::string act = desc.attrs.s("add_activation", "none");
    if (act != "none" && act != "relu")
      plan_fail(desc, "expected add_activation none or relu but received '" + act + "'");
    q.add_relu = act == "relu";
  }

  // Im2col blocks hold about this many bytes (a block is multiplied by every weight panel while it sits in L2).
  static constexpr size_t kBlockBytes = 128 * 1024;

  void build_gemm(const OpDesc& desc, const BuildContext& ctx, const std::vector<int8_t>& weights,
                  const std::vector<int32_t>& bias) {
    const Qs8GemmKernel& kernel = select_qs8_gemm_kernel(ctx.features, g_.group_out());
    const bool pointwise = g_.kernel_h == 1 && g_.kernel_w == 1 && g_.stride_h == 1 && g_.stride_w == 1 &&
                           g_.pad_top == 0 && g_.pad_left == 0 && g_.pad_bottom == 0 && g_.pad_right == 0;
    path_ = pointwise ? Path::kDirect : Path::kIm2col;
    const size_t cg = g_.group_in(), mg = g_.group_out(), taps = g_.taps();
    k_ = taps * cg;
    // W = [M, C/group, kh, kw] -> per group Mg x K rows with k = (ki, kj, c), the order im2col writes.
    std::vector<int8_t> rows(mg * k_);
    for (size_t grp = 0; grp < g_.group; ++grp) {
      for (size_t o = 0; o < mg; ++o)
        for (size_t c = 0; c < cg; ++c)
          for (size_t t = 0; t < taps; ++t) rows[o * k_ + t * cg + c] = weights[((grp * mg + o) * cg + c) * taps + t];
      try {
        gemms_.push_back(std::make_unique<Qs8PackedGemm>(kernel, k_, mg, rows.data(), 1, k_, bias.data() + grp * mg,
                                                         x_zero_point_));
      } catch (const PlanError& e) {
        plan_fail(desc, e.what());
      }
      group_params_.push_back(qs8_column_slice(requantization_->params(), grp * mg));
    }
    const size_t mr = kernel.mr;
    block_rows_ = std::max(mr, kBlockBytes / std::max<size_t>(k_, 1) / mr * mr);
    // Implicit im2col where the kernel has a segmented variant: each output pixel's window is read straight from a
    // zero-point-padded copy of the input (or the input itself when there is no padding), one run of
    // kernel_w * C contiguous bytes per kernel row, so no unfolded copy is written and read back.
    if (path_ == Path::kIm2col && kernel.ukernel_seg && g_.group == 1 && g_.dilation_w == 1 &&
        (g_.kernel_w * cg) % 4 == 0)
      path_ = Path::kImplicit;
  }

  void run_implicit(RunContext& ctx, const uint8_t* x, const uint8_t* r, uint8_t* y) {
    const size_t rows = g_.batch * g_.out_h * g_.out_w;
    if (rows == 0) return;
    const size_t c = g_.in_c, m = g_.out_c, pixels = g_.out_h * g_.out_w;
    const size_t row_bytes = (g_.pad_left + g_.in_w + g_.pad_right) * c;
    const size_t image_bytes = (g_.pad_top + g_.in_h + g_.pad_bottom) * row_bytes;
    const uint8_t* images = x;
    if (g_.pad_top + g_.pad_bottom + g_.pad_left + g_.pad_right != 0) {
      // Built on the calling thread; the tasks only read it.
      static thread_local std::vector<uint8_t> padded;
      if (padded.size() < g_.batch * image_bytes) padded.resize(g_.batch * image_bytes);
      qs8_pad_images(g_, x, static_cast<uint8_t>(x_zero_point_), padded.data());
      images = padded.data();
    }
    const Qs8PackedGemm& gemm = *gemms_.front();
    const size_t blocks = (rows + block_rows_ - 1) / block_rows_, panels = gemm.panels();
    const size_t threads = ctx.pool ? static_cast<size_t>(ctx.pool->threads()) : 1;
    const PanelChunks split = panel_chunks(blocks, panels, threads);
    const size_t chunks = split.count, per_chunk = split.per_chunk;
    const size_t seg_len = g_.kernel_w * c, seg_stride = g_.dilation_h * row_bytes;
    const size_t step_h = g_.stride_h * row_bytes, step_w = g_.stride_w * c;
    auto body = [&](size_t begin, size_t end) {
      static thread_local std::vector<const uint8_t*> windows;
      if (windows.size() < block_rows_) windows.resize(block_rows_);
      const uint8_t** const w = windows.data();
      for (size_t t = begin; t < end; ++t) {
        const size_t block = t / chunks, chunk = t % chunks;
        const size_t m0 = block * block_rows_, mc = std::min(block_rows_, rows - m0);
        // Where each output pixel's window starts: its top-left tap in the padded image.
        size_t b = m0 / pixels, p = m0 % pixels, oh = p / g_.out_w, ow = p % g_.out_w;
        for (size_t i = 0; i < mc; ++i) {
          w[i] = images + b * image_bytes + oh * step_h + ow * step_w;
          if (++ow == g_.out_w) {
            ow = 0;
            if (++oh == g_.out_h) oh = 0, ++b;
          }
        }
        gemm.compute_segmented(mc, w, g_.kernel_h, seg_len, seg_stride, chunk * per_chunk,
                               std::min(panels, (chunk + 1) * per_chunk), group_params_.front(),
                               r ? r + m0 * m : nullptr, m, y + m0 * m * out_bytes_, m);
      }
    };
    const size_t tasks = blocks * chunks;
    if (ctx.pool && threads > 1) ctx.pool->parallel_for(tasks, 1, body);
    else body(0, tasks);
  }

  void run_gemm(RunContext& ctx, const uint8_t* x, const uint8_t* r, uint8_t* y) {
    const size_t rows = g_.batch * g_.out_h * g_.out_w;
    if (rows == 0) return;
    const size_t cg = g_.group_in(), mg = g_.group_out(), m = g_.out_c;
    const size_t blocks = (rows + block_rows_ - 1) / block_rows_;
    const size_t panels = gemms_.front()->panels();
    const size_t threads = ctx.pool ? static_cast<size_t>(ctx.pool->threads()) : 1;
    const size_t units = blocks * g_.group;
    const PanelChunks split = panel_chunks(units, panels, threads);
    const size_t chunks = split.count, per_chunk = split.per_chunk;
    auto body = [&](size_t begin, size_t end) {
      static thread_local std::vector<uint8_t> unfolded;
      size_t unfolded_task = SIZE_MAX;  // the (group, block) whose rows `unfolded` holds
      for (size_t t = begin; t < end; ++t) {
        const size_t unit = t / chunks, chunk = t % chunks, grp = unit / blocks, block = unit % blocks;
        const size_t m0 = block * block_rows_, mc = std::min(block_rows_, rows - m0);
        const uint8_t* a = x + m0 * g_.in_c + grp * cg;
        size_t a_stride = g_.in_c;
        if (path_ == Path::kIm2col) {
          if (unfolded.size() < block_rows_ * k_) unfolded.resize(block_rows_ * k_);
          if (unfolded_task != unit)
            qs8_im2col_rows(g_, x, grp * cg, static_cast<uint8_t>(x_zero_point_), m0, mc, unfolded.data(), k_);
          unfolded_task = unit;
          a = unfolded.data();
          a_stride = k_;
        }
        gemms_[grp]->compute_panels(mc, a, a_stride, chunk * per_chunk, std::min(panels, (chunk + 1) * per_chunk),
                                    group_params_[grp], r ? r + m0 * m + grp * mg : nullptr, m,
                                    y + (m0 * m + grp * mg) * out_bytes_, m);
      }
    };
    const size_t tasks = units * chunks;
    if (ctx.pool && threads > 1) ctx.pool->parallel_for(tasks, 1, body);
    else body(0, tasks);
  }

  void build_depthwise(const BuildContext& ctx, const std::vector<int8_t>& weights, const std::vector<int32_t>& bias) {
    path_ = Path::kDepthwise;
    dwconv_ = &select_qs8_dwconv_kernel(ctx.features);
    const size_t c = g_.in_c, taps = g_.taps(), cp = round_up(c, kQs8DwconvChannelAlign);
    dw_weights_.resize(qs8_dwconv_packed_size(dwconv_->layout, g_.kernel_h, g_.kernel_w, cp));
    qs8_dwconv_pack_weights(dwconv_->layout, c, g_.kernel_h, g_.kernel_w, cp, weights.data(), dw_weights_.data());
    dw_bias_.assign(cp, 0);
    zero_row_.assign(std::max(cp, g_.in_w * c), static_cast<uint8_t>(x_zero_point_));
    for (size_t ch = 0; ch < c; ++ch) {
      int32_t sum = 0;
      for (size_t t = 0; t < taps; ++t) sum += weights[ch * taps + t];
      // Padding taps read the zero point, so subtracting zero_point * sum(w) makes every tap (x - zero_point) * w.
      dw_bias_[ch] = static_cast<int32_t>(static_cast<uint32_t>(bias[ch]) - static_cast<uint32_t>(x_zero_point_ * sum));
    }
    Qs8DwconvParams& p = dw_params_;
    set_depthwise_window(p, g_, c, cp);
    p.zero_row = zero_row_.data();
    if (dwconv_->ukernel_3x3_u8 && qs8_dwconv_3x3_applies(p, requantization_->params()))
      dw_3x3_u8_ = dwconv_->ukernel_3x3_u8;
  }

  void run_depthwise(RunContext& ctx, const uint8_t* x, const uint8_t* r, uint8_t* y) {
    const size_t rows = g_.batch * g_.out_h, row_values = g_.out_w * g_.out_c, image = g_.in_h * g_.in_w * g_.in_c;
    const Qs8EpilogueParams& params = requantization_->params();
    if (dw_3x3_u8_) {
      // Whole row ranges per call, cut at image boundaries; chunks of at least 2 rows keep the kernel's row pairs.
      auto rows_body = [&](size_t begin, size_t end) {
        while (begin < end) {
          const size_t b = begin / g_.out_h, oh = begin % g_.out_h, oh_end = std::min(g_.out_h, oh + (end - begin));
          dw_3x3_u8_(dw_params_, oh, oh_end, x + b * image, dw_weights_.data(), dw_bias_.data(), params,
                     y + b * g_.out_h * row_values);
          begin += oh_end - oh;
        }
      };
      if (ctx.pool && ctx.pool->threads() > 1) ctx.pool->parallel_for(rows, 2, rows_body);
      else rows_body(0, rows);
      return;
    }
    auto body = [&](size_t begin, size_t end) {
      static thread_local std::vector<int32_t> acc;
      if (acc.size() < row_values) acc.resize(row_values);
      for (size_t row = begin; row < end; ++row) {
        const size_t b = row / g_.out_h, oh = row % g_.out_h;
        dwconv_->ukernel(dw_params_, oh, x + b * image, dw_weights_.data(), dw_bias_.data(), acc.data());
        epilogue_(g_.out_w, g_.out_c, 0, acc.data(), g_.out_c, params, r ? r + row * row_values : nullptr, g_.out_c,
                  y + row * row_values * out_bytes_, g_.out_c);
      }
    };
    if (ctx.pool && ctx.pool->threads() > 1) ctx.pool->parallel_for(rows, 1, body);
    else body(0, rows);
  }

  ConvGeometry g_;
  Path path_ = Path::kIm2col;
  int32_t x_zero_point_ = 0;
  std::unique_ptr<Qs8Requantization> requantization_;
  Qs8EpilogueFn epilogue_ = nullptr;
  size_t out_bytes_ = 1;
  // GEMM paths
  size_t k_ = 0, block_rows_ = 0;
  std::vector<std::unique_ptr<Qs8PackedGemm>> gemms_;  // one per group
  std::vector<Qs8EpilogueParams> group_params_;
  // depthwise path
  const Qs8DwconvKernel* dwconv_ = nullptr;
  Qs8DwconvParams dw_params_;
  Qs8Dwconv3x3U8Fn dw_3x3_u8_ = nullptr;  // whole-rows 3x3 kernel with fused requantization, when it applies
  std::vector<int16_t> dw_weights_;
  std::vector<int32_t> dw_bias_;
  std::vector<uint8_t> zero_row_;
  std::unique_ptr<Qs8FewChannelConv> few_;  // few-channel (stem) path
  int32_t x_id_ = -1, r_id_ = -1, y_id_ = -1;
};

std::unique_ptr<Op> make_qconv(const OpDesc& desc, const BuildContext& ctx) {
  return std::make_unique<QConvOp>(desc, ctx);
}

}  // namespace

void register_qconv_ops(OpRegistry& r) {
  r.add("QConv", make_qconv);
  r.add("QGemm", make_qgemm);
}

}  // namespace sparq

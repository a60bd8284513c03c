// NHWC Resize of H and W: nearest and bilinear with ONNX coordinate transforms (onnxruntime's float arithmetic).
#include <cmath>
#include <cstring>
#include <memory>

#include "ops/op-checks.h"
#include "ops/parallel-elements.h"

namespace sparq {
namespace {

enum class CoordinateMode { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNn };
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

// Output coordinate -> input coordinate, computed in float as onnxruntime does so indices and weights agree.
float original_coordinate(CoordinateMode mode, float out, float scale, float out_len, float in_len) {
  switch (mode) {
    case CoordinateMode::kHalfPixel: return (out + 0.5f) / scale - 0.5f;
    case CoordinateMode::kPytorchHalfPixel: return out_len > 1 ? (out + 0.5f) / scale - 0.5f : 0.f;
    case CoordinateMode::kAlignCorners: return out_len == 1 ? 0.f : out * (in_len - 1) / (out_len - 1);
    case CoordinateMode::kAsymmetric: return out / scale;
    case CoordinateMode::kTfHalfPixelForNn: return (out + 0.5f) / scale;
  }
  return 0.f;
}

int64_t nearest_index(NearestMode mode, float v, int64_t in_len) {
  int64_t i;
  switch (mode) {
    case NearestMode::kRoundPreferFloor:
      i = v == static_cast<float>(static_cast<int64_t>(v)) + 0.5f ? static_cast<int64_t>(std::floor(v))
                                                                   : static_cast<int64_t>(std::round(v));
      break;
    case NearestMode::kRoundPreferCeil: i = static_cast<int64_t>(std::round(v)); break;
    case NearestMode::kFloor: i = static_cast<int64_t>(std::floor(v)); break;
    default: i = static_cast<int64_t>(std::ceil(v)); break;
  }
  return i < 0 ? 0 : i >= in_len ? in_len - 1 : i;
}

// Per output coordinate along one axis: the two input neighbours and their weights (w_lo for lo).
struct LinearTaps {
  std::vector<int64_t> lo, hi;
  std::vector<float> w_lo, w_hi;
};

LinearTaps linear_taps(CoordinateMode mode, int64_t out_len, int64_t in_len, float scale) {
  LinearTaps t;
  for (int64_t o = 0; o < out_len; ++o) {
    float v = original_coordinate(mode, static_cast<float>(o), scale, static_cast<float>(out_len),
                                  static_cast<float>(in_len));
    v = std::max(0.f, std::min(v, static_cast<float>(in_len - 1)));
    const int64_t lo = std::min(static_cast<int64_t>(v), in_len - 1);
    const int64_t hi = std::min(lo + 1, in_len - 1);
    float d_lo = std::fabs(v - static_cast<float>(lo)), d_hi = std::fabs(v - static_cast<float>(hi));
    if (lo == hi) d_lo = d_hi = 0.5f;
    t.lo.push_back(lo);
    t.hi.push_back(hi);
    t.w_lo.push_back(d_hi);  // the nearer neighbour gets the larger weight
    t.w_hi.push_back(d_lo);
  }
  return t;
}

class ResizeNearestOp final : public Op {
 public:
  ResizeNearestOp(int32_t x, int32_t y, int64_t n, int64_t h, int64_t w, int64_t c, std::vector<int64_t> iy,
                  std::vector<int64_t> ix)
      : x_(x), y_(y), n_(n), h_(h), w_(w), c_(c), iy_(std::move(iy)), ix_(std::move(ix)) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    float* y = ctx.ptr<float>(y_);
    const int64_t oh = static_cast<int64_t>(iy_.size()), ow = static_cast<int64_t>(ix_.size()), c = c_;
    const size_t grain = std::max<size_t>(1, kParallelElements / static_cast<size_t>(std::max<int64_t>(1, ow * c)));
    for_element_chunks(ctx.pool, static_cast<size_t>(n_ * oh), [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        const int64_t b = static_cast<int64_t>(r) / oh, oy = static_cast<int64_t>(r) % oh;
        const float* row = x + (b * h_ + iy_[static_cast<size_t>(oy)]) * w_ * c;
        float* out = y + static_cast<int64_t>(r) * ow * c;
        for (int64_t ox = 0; ox < ow; ++ox)
          std::memcpy(out + ox * c, row + ix_[static_cast<size_t>(ox)] * c, static_cast<size_t>(c) * sizeof(float));
      }
    }, grain);
  }
  std::string kernel_name() const override { return "f32-resize-nearest nhwc"; }

 private:
  int32_t x_, y_;
  int64_t n_, h_, w_, c_;
  std::vector<int64_t> iy_, ix_;
};

class ResizeLinearOp final : public Op {
 public:
  ResizeLinearOp(int32_t x, int32_t y, int64_t n, int64_t h, int64_t w, int64_t c, LinearTaps ty, LinearTaps tx)
      : x_(x), y_(y), n_(n), h_(h), w_(w), c_(c), ty_(std::move(ty)), tx_(std::move(tx)) {}

  void run(RunContext& ctx) override {
    const float* x = ctx.ptr<const float>(x_);
    float* y = ctx.ptr<float>(y_);
    const int64_t oh = static_cast<int64_t>(ty_.lo.size()), ow = static_cast<int64_t>(tx_.lo.size()), c = c_;
    const size_t grain = std::max<size_t>(1, kParallelElements / static_cast<size_t>(std::max<int64_t>(1, 4 * ow * c)));
    for_element_chunks(ctx.pool, static_cast<size_t>(n_ * oh), [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        const int64_t b = static_cast<int64_t>(r) / oh;
        const size_t oy = static_cast<size_t>(static_cast<int64_t>(r) % oh);
        const float* row_lo = x + (b * h_ + ty_.lo[oy]) * w_ * c;
        const float* row_hi = x + (b * h_ + ty_.hi[oy]) * w_ * c;
        const float wy_lo = ty_.w_lo[oy], wy_hi = ty_.w_hi[oy];
        float* out = y + static_cast<int64_t>(r) * ow * c;
        for (int64_t ox = 0; ox < ow; ++ox) {
          const size_t i = static_cast<size_t>(ox);
          const float* p11 = row_lo + tx_.lo[i] * c;  // (y lo, x lo)
          const float* p21 = row_lo + tx_.hi[i] * c;  // (y lo, x hi)
          const float* p12 = row_hi + tx_.lo[i] * c;
          const float* p22 = row_hi + tx_.hi[i] * c;
          const float w11 = tx_.w_lo[i] * wy_lo, w21 = tx_.w_hi[i] * wy_lo;
          const float w12 = tx_.w_lo[i] * wy_hi, w22 = tx_.w_hi[i] * wy_hi;
          float* o = out + ox * c;
          for (int64_t k = 0; k < c; ++k) o[k] = w11 * p11[k] + w21 * p21[k] + w12 * p12[k] + w22 * p22[k];
        }
      }
    }, grain);
  }
  std::string kernel_name() const override { return "f32-resize-bilinear nhwc"; }

 private:
  int32_t x_, y_;
  int64_t n_, h_, w_, c_;
  LinearTaps ty_, tx_;
};

std::unique_ptr<Op> make_resize(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kFloat32}, "input X");
  expect_dtype(desc, y, {DType::kFloat32}, "output Y");
  expect_rank(desc, x, 4, "NHWC input X");
  expect_rank(desc, y, 4, "NHWC output Y");
  const int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3], oh = y.shape[1], ow = y.shape[2];
  if (y.shape[0] != n || y.shape[3] != c)
    plan_fail(desc, "expected output Y to keep N and C of X " + shape_string(x.shape) + " but received " +
                        shape_string(y.shape));
  if ((h == 0 || w == 0) && oh * ow > 0) plan_fail(desc, "cannot resize an empty input " + shape_string(x.shape));

  const std::string mode = desc.attrs.s("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    plan_fail(desc, "expected mode \"nearest\" or \"linear\" but received \"" + mode + "\"");
  const std::string cmode_name = desc.attrs.s("coordinate_transformation_mode", "half_pixel");
  CoordinateMode cmode;
  if (cmode_name == "half_pixel") cmode = CoordinateMode::kHalfPixel;
  else if (cmode_name == "pytorch_half_pixel") cmode = CoordinateMode::kPytorchHalfPixel;
  else if (cmode_name == "align_corners") cmode = CoordinateMode::kAlignCorners;
  else if (cmode_name == "asymmetric") cmode = CoordinateMode::kAsymmetric;
  else if (cmode_name == "tf_half_pixel_for_nn") cmode = CoordinateMode::kTfHalfPixelForNn;
  else plan_fail(desc, "unsupported coordinate_transformation_mode \"" + cmode_name + "\"");
  const std::string nmode_name = desc.attrs.s("nearest_mode", "round_prefer_floor");
  NearestMode nmode;
  if (nmode_name == "round_prefer_floor") nmode = NearestMode::kRoundPreferFloor;
  else if (nmode_name == "round_prefer_ceil") nmode = NearestMode::kRoundPreferCeil;
  else if (nmode_name == "floor") nmode = NearestMode::kFloor;
  else if (nmode_name == "ceil") nmode = NearestMode::kCeil;
  else plan_fail(desc, "unsupported nearest_mode \"" + nmode_name + "\"");

  std::vector<float> scales = desc.attrs.floats("scales");
  if (scales.empty() && h > 0 && w > 0)
    scales = {static_cast<float>(oh) / static_cast<float>(h), static_cast<float>(ow) / static_cast<float>(w)};
  if (scales.size() != 2 || !(scales[0] > 0.f) || !(scales[1] > 0.f))
    plan_fail(desc, "expected scales [sh, sw] > 0");
  // Y is floor(in * scale), or exactly the requested size when the compiler derived scales from sizes.
  auto size_ok = [](int64_t in, int64_t out, float scale) {
    const double want = static_cast<double>(in) * static_cast<double>(scale);
    return static_cast<double>(out) > want - 1.0 - 1e-6 * want && static_cast<double>(out) < want + 1.0 + 1e-6 * want;
  };
  if (!size_ok(h, oh, scales[0]) || !size_ok(w, ow, scales[1]))
    plan_fail(desc, "output Y " + shape_string(y.shape) + " does not match X " + shape_string(x.shape) +
                        " scaled by [" + std::to_string(scales[0]) + ", " + std::to_string(scales[1]) + "]");

  // An empty Y never runs (the executor skips ops whose outputs are all empty), and its height or width alone may be
  // huge (e.g. [1, 2^28, 1, 0]): no index tables for it.
  if (n == 0 || c == 0 || oh == 0 || ow == 0) {
    if (mode == "nearest") return std::make_unique<ResizeNearestOp>(desc.inputs[0], desc.outputs[0], n, h, w, c,
                                                                    std::vector<int64_t>(), std::vector<int64_t>());
    return std::make_unique<ResizeLinearOp>(desc.inputs[0], desc.outputs[0], n, h, w, c, LinearTaps(), LinearTaps());
  }
  if (mode == "nearest") {
    std::vector<int64_t> iy, ix;
    for (int64_t o = 0; o < oh; ++o)
      iy.push_back(nearest_index(nmode, original_coordinate(cmode, static_cast<float>(o), scales[0],
                                                            static_cast<float>(oh), static_cast<float>(h)), h));
    for (int64_t o = 0; o < ow; ++o)
      ix.push_back(nearest_index(nmode, original_coordinate(cmode, static_cast<float>(o), scales[1],
                                                            static_cast<float>(ow), static_cast<float>(w)), w));
    return std::make_unique<ResizeNearestOp>(desc.inputs[0], desc.outputs[0], n, h, w, c, std::move(iy),
                                             std::move(ix));
  }
  return std::make_unique<ResizeLinearOp>(desc.inputs[0], desc.outputs[0], n, h, w, c,
                                          linear_taps(cmode, oh, h, scales[0]), linear_taps(cmode, ow, w, scales[1]));
}

}  // namespace

void register_resize_ops(OpRegistry& r) { r.add("Resize", &make_resize); }

}  // namespace sparq

// Unary elementwise ops (Relu ... Softplus, Neg, Abs, Not, Gelu): one flat loop per op, split across threads.
#include <cmath>
#include <cstring>
#include <memory>

#include "ops/activation.h"
#include "ops/elementwise-families.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"

namespace sparq {
namespace {

// Transcendental ops cost ~10-30x a load/store, so they are worth splitting at smaller sizes.
constexpr size_t kParallelTranscendental = 4096;

template <typename T, typename F>
class UnaryOp final : public Op {
 public:
  UnaryOp(int32_t x, int32_t y, size_t n, F f, size_t grain, std::string name)
      : x_(x), y_(y), n_(n), f_(f), grain_(grain), name_(name) {}
  void run(RunContext& ctx) override {
    const T* x = ctx.ptr<const T>(x_);
    T* y = ctx.ptr<T>(y_);
    const F f = f_;
    for_element_chunks(ctx.pool, n_, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) y[i] = f(x[i]);
    }, grain_);
  }
  std::string kernel_name() const override { return name_; }

 private:
  int32_t x_, y_;
  size_t n_;
  F f_;
  size_t grain_;
  std::string name_;
};

struct UnaryIO {
  const TensorDesc* x;
  const TensorDesc* y;
};

UnaryIO check_unary(const OpDesc& desc, const BuildContext& ctx, std::initializer_list<DType> dtypes) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, dtypes, "input X");
  expect_same_dtype(desc, x, y, "X and Y");
  expect_shape(desc, y, x.shape, "output Y");
  return {&x, &y};
}

template <typename T, typename F>
std::unique_ptr<Op> make_unary(const OpDesc& desc, const UnaryIO& io, F f, size_t grain, std::string name) {
  return std::make_unique<UnaryOp<T, F>>(desc.inputs[0], desc.outputs[0], static_cast<size_t>(io.x->numel()), f,
                                         grain, name);
}

// f32-only unary op whose scalar definition is the shared fused-activation one.
template <Activation kind>
std::unique_ptr<Op> make_activation(const OpDesc& desc, const BuildContext& ctx) {
  const UnaryIO io = check_unary(desc, ctx, {DType::kFloat32});
  ActivationParams p;
  p.kind = kind;
  const std::string name = "f32-" + desc.type;
  if (kind == Activation::kLeakyRelu) {
    p.alpha = desc.attrs.f("alpha", 0.01f);
  } else if (kind == Activation::kHardSigmoid) {
    p.alpha = desc.attrs.f("alpha", 0.2f);
    p.beta = desc.attrs.f("beta", 0.5f);
  } else if (kind == Activation::kClip) {
    p.alpha = desc.attrs.f("min", -3.4028235e38f);
    p.beta = desc.attrs.f("max", 3.4028235e38f);
  }
  const bool cheap = kind == Activation::kRelu || kind == Activation::kClip || kind == Activation::kLeakyRelu ||
                     kind == Activation::kHardSigmoid || kind == Activation::kHardSwish;
  const size_t grain = cheap ? kParallelElements : kParallelTranscendental;
  // Each kind gets its own lambda so the switch in activate() folds away and the loop vectorizes.
  return make_unary<float>(desc, io, [p](float v) { return activate(v, ActivationParams{kind, p.alpha, p.beta}); },
                           grain, name);
}

std::unique_ptr<Op> make_erf(const OpDesc& d, const BuildContext& c) {
  return make_unary<float>(d, check_unary(d, c, {DType::kFloat32}), [](float v) { return std::erf(v); },
                           kParallelTranscendental, "f32-erf");
}
std::unique_ptr<Op> make_sqrt(const OpDesc& d, const BuildContext& c) {
  return make_unary<float>(d, check_unary(d, c, {DType::kFloat32}), [](float v) { return std::sqrt(v); },
                           kParallelElements, "f32-sqrt");
}
std::unique_ptr<Op> make_exp(const OpDesc& d, const BuildContext& c) {
  return make_unary<float>(d, check_unary(d, c, {DType::kFloat32}), [](float v) { return std::exp(v); },
                           kParallelTranscendental, "f32-exp");
}
std::unique_ptr<Op> make_log(const OpDesc& d, const BuildContext& c) {
  return make_unary<float>(d, check_unary(d, c, {DType::kFloat32}), [](float v) { return std::log(v); },
                           kParallelTranscendental, "f32-log");
}
std::unique_ptr<Op> make_reciprocal(const OpDesc& d, const BuildContext& c) {
  return make_unary<float>(d, check_unary(d, c, {DType::kFloat32}), [](float v) { return 1.f / v; },
                           kParallelElements, "f32-reciprocal");
}
// log(1 + e^x) without overflow for large x and without losing small results for very negative x.
std::unique_ptr<Op> make_softplus(const OpDesc& d, const BuildContext& c) {
  return make_unary<float>(
      d, check_unary(d, c, {DType::kFloat32}),
      [](float v) { return v > 0.f ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); },
      kParallelTranscendental, "f32-softplus");
}

std::unique_ptr<Op> make_gelu(const OpDesc& d, const BuildContext& c) {
  const UnaryIO io = check_unary(d, c, {DType::kFloat32});
  const std::string approximate = d.attrs.s("approximate", "none");
  if (approximate == "none")
    return make_unary<float>(d, io, [](float v) { return 0.5f * v * (1.f + std::erf(v * 0.70710678118654752f)); },
                             kParallelTranscendental, "f32-gelu");
  if (approximate == "tanh")
    return make_unary<float>(
        d, io,
        [](float v) { return 0.5f * v * (1.f + std::tanh(0.79788456080286536f * (v + 0.044715f * v * v * v))); },
        kParallelTranscendental, "f32-gelu-tanh");
  plan_fail(d, "expected approximate \"none\" or \"tanh\" but received \"" + approximate + "\"");
}

std::unique_ptr<Op> make_neg(const OpDesc& d, const BuildContext& c) {
  const UnaryIO io = check_unary(d, c, {DType::kFloat32, DType::kInt64, DType::kInt32});
  switch (io.x->dtype) {
    case DType::kInt64:
      return make_unary<int64_t>(d, io, [](int64_t v) { return static_cast<int64_t>(0ull - static_cast<uint64_t>(v)); },
                                 kParallelElements, "i64-neg");
    case DType::kInt32:
      return make_unary<int32_t>(d, io, [](int32_t v) { return static_cast<int32_t>(0u - static_cast<uint32_t>(v)); },
                                 kParallelElements, "i32-neg");
    default:
      return make_unary<float>(d, io, [](float v) { return -v; }, kParallelElements, "f32-neg");
  }
}

std::unique_ptr<Op> make_abs(const OpDesc& d, const BuildContext& c) {
  const UnaryIO io = check_unary(d, c, {DType::kFloat32, DType::kInt64, DType::kInt32});
  switch (io.x->dtype) {
    case DType::kInt64:
      return make_unary<int64_t>(
          d, io, [](int64_t v) { return v < 0 ? static_cast<int64_t>(0ull - static_cast<uint64_t>(v)) : v; },
          kParallelElements, "i64-abs");
    case DType::kInt32:
      return make_unary<int32_t>(
          d, io, [](int32_t v) { return v < 0 ? static_cast<int32_t>(0u - static_cast<uint32_t>(v)) : v; },
          kParallelElements, "i32-abs");
    default:
      return make_unary<float>(d, io, [](float v) { return std::fabs(v); }, kParallelElements, "f32-abs");
  }
}

std::unique_ptr<Op> make_not(const OpDesc& d, const BuildContext& c) {
  return make_unary<uint8_t>(d, check_unary(d, c, {DType::kBool}),
                             [](uint8_t v) { return static_cast<uint8_t>(v == 0); }, kParallelElements, "bool-not");
}

}  // namespace

void register_unary_ops(OpRegistry& r) {
  r.add("Relu", &make_activation<Activation::kRelu>);
  r.add("Sigmoid", &make_activation<Activation::kSigmoid>);
  r.add("Tanh", &make_activation<Activation::kTanh>);
  r.add("HardSwish", &make_activation<Activation::kHardSwish>);
  r.add("Silu", &make_activation<Activation::kSilu>);
  r.add("LeakyRelu", &make_activation<Activation::kLeakyRelu>);
  r.add("HardSigmoid", &make_activation<Activation::kHardSigmoid>);
  r.add("Clip", &make_activation<Activation::kClip>);
  r.add("Erf", &make_erf);
  r.add("Sqrt", &make_sqrt);
  r.add("Exp", &make_exp);
  r.add("Log", &make_log);
  r.add("Reciprocal", &make_reciprocal);
  r.add("Softplus", &make_softplus);
  r.add("Gelu", &make_gelu);
  r.add("Neg", &make_neg);
  r.add("Abs", &make_abs);
  r.add("Not", &make_not);
}

}  // namespace sparq

// Broadcasting binary ops (arithmetic, Pow, Min/Max, PRelu, comparisons) over plan-time collapsed strides.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>

#include "ops/broadcast.h"
#include "ops/elementwise-families.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"

namespace sparq {
namespace {

// Integer arithmetic wraps (two's complement) instead of being undefined on overflow.
template <typename T>
using Unsigned = typename std::make_unsigned<T>::type;

struct AddFn {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (std::is_integral<T>::value) return static_cast<T>(static_cast<Unsigned<T>>(a) + static_cast<Unsigned<T>>(b));
    else return a + b;
  }
};
struct SubFn {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (std::is_integral<T>::value) return static_cast<T>(static_cast<Unsigned<T>>(a) - static_cast<Unsigned<T>>(b));
    else return a - b;
  }
};
struct MulFn {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (std::is_integral<T>::value) return static_cast<T>(static_cast<Unsigned<T>>(a) * static_cast<Unsigned<T>>(b));
    else return a * b;
  }
};
// Integer division truncates toward zero; x / 0 is 0 and MIN / -1 wraps to MIN instead of trapping.
struct DivFn {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (std::is_integral<T>::value) {
      if (b == 0) return 0;
      if (b == -1) return static_cast<T>(Unsigned<T>(0) - static_cast<Unsigned<T>>(a));
      return a / b;
    } else {
      return a / b;
    }
  }
};
struct PowFn {
  float operator()(float a, float b) const { return std::pow(a, b); }
};
struct SquareFn {  // Pow with a constant exponent of 2
  float operator()(float a, float) const { return a * a; }
};
struct MinFn {
  template <typename T> T operator()(T a, T b) const { return b < a ? b : a; }
};
struct MaxFn {
  template <typename T> T operator()(T a, T b) const { return a < b ? b : a; }
};
struct PReluFn {
  float operator()(float x, float slope) const { return x < 0.f ? x * slope : x; }
};
struct EqualFn {
  template <typename T> uint8_t operator()(T a, T b) const { return a == b; }
};
struct LessFn {
  template <typename T> uint8_t operator()(T a, T b) const { return a < b; }
};
struct GreaterFn {
  template <typename T> uint8_t operator()(T a, T b) const { return a > b; }
};

template <typename T, typename O, typename F>
class BinaryOp final : public Op {
 public:
  BinaryOp(int32_t a, int32_t b, int32_t y, BroadcastPlan plan, std::string name)
      : a_(a), b_(b), y_(y), plan_(std::move(plan)), name_(std::move(name)) {}

  void run(RunContext& ctx) override {
    const T* a = ctx.ptr<const T>(a_);
    const T* b = ctx.ptr<const T>(b_);
    O* y = ctx.ptr<O>(y_);
    const bool a_moves = plan_.strides[0].back() != 0;
    const bool b_moves = plan_.strides[1].back() != 0;
    const F f;
    for_element_chunks(ctx.pool, static_cast<size_t>(plan_.numel), [&](size_t begin, size_t end) {
      for_each_broadcast_run<2>(plan_, static_cast<int64_t>(begin), static_cast<int64_t>(end),
                                [&](const int64_t* off, int64_t pos, int64_t n) {
        const T* pa = a + off[0];
        const T* pb = b + off[1];
        O* py = y + pos;
        if (a_moves && b_moves) {
          for (int64_t i = 0; i < n; ++i) py[i] = f(pa[i], pb[i]);
        } else if (a_moves) {
          const T vb = *pb;
          for (int64_t i = 0; i < n; ++i) py[i] = f(pa[i], vb);
        } else if (b_moves) {
          const T va = *pa;
          for (int64_t i = 0; i < n; ++i) py[i] = f(va, pb[i]);
        } else {
          const O v = f(*pa, *pb);
          for (int64_t i = 0; i < n; ++i) py[i] = v;
        }
      });
    });
  }
  std::string kernel_name() const override { return name_; }

 private:
  int32_t a_, b_, y_;
  BroadcastPlan plan_;
  std::string name_;
};

struct BinaryIO {
  const TensorDesc* a;
  const TensorDesc* b;
  const TensorDesc* y;
};

BinaryIO check_binary(const OpDesc& desc, const BuildContext& ctx, std::initializer_list<DType> dtypes,
                      bool bool_output) {
  expect_arity(desc, 2, 2, 1, 1);
  const TensorDesc& a = required_tensor(desc, ctx, desc.inputs[0], "input A");
  const TensorDesc& b = required_tensor(desc, ctx, desc.inputs[1], "input B");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, a, dtypes, "input A");
  expect_same_dtype(desc, a, b, "A and B");
  if (bool_output) expect_dtype(desc, y, {DType::kBool}, "output Y");
  else expect_same_dtype(desc, a, y, "A and Y");
  std::vector<int64_t> shape;
  if (!broadcast_shape(a.shape, b.shape, shape))
    plan_fail(desc, "expected broadcastable shapes but received " + shape_string(a.shape) + " and " +
                        shape_string(b.shape));
  expect_shape(desc, y, shape, "output Y");
  return {&a, &b, &y};
}

std::string plan_kind(const BroadcastPlan& p) {
  if (p.dims.size() == 1) {
    if (p.strides[0][0] && p.strides[1][0]) return "same-shape";
    return "scalar";
  }
  if (p.dims.size() == 2) return "inner-contiguous";
  return "strided";
}

template <typename T, typename O, typename F>
std::unique_ptr<Op> make_binary(const OpDesc& desc, const BinaryIO& io, const char* dtype) {
  BroadcastPlan plan = make_broadcast_plan(io.y->shape, {io.a->shape, io.b->shape});
  std::string name = std::string(dtype) + "-" + desc.type + " " + plan_kind(plan);
  return std::make_unique<BinaryOp<T, O, F>>(desc.inputs[0], desc.inputs[1], desc.outputs[0], std::move(plan),
                                             std::move(name));
}

template <typename F>
std::unique_ptr<Op> make_arithmetic(const OpDesc& desc, const BuildContext& ctx) {
  const BinaryIO io = check_binary(desc, ctx, {DType::kFloat32, DType::kInt64, DType::kInt32}, false);
  switch (io.a->dtype) {
    case DType::kInt64: return make_binary<int64_t, int64_t, F>(desc, io, "i64");
    case DType::kInt32: return make_binary<int32_t, int32_t, F>(desc, io, "i32");
    default: return make_binary<float, float, F>(desc, io, "f32");
  }
}

template <typename F>
std::unique_ptr<Op> make_comparison(const OpDesc& desc, const BuildContext& ctx) {
  const BinaryIO io = check_binary(desc, ctx, {DType::kFloat32, DType::kInt64, DType::kInt32, DType::kBool}, true);
  switch (io.a->dtype) {
    case DType::kInt64: return make_binary<int64_t, uint8_t, F>(desc, io, "i64");
    case DType::kInt32: return make_binary<int32_t, uint8_t, F>(desc, io, "i32");
    case DType::kBool: return make_binary<uint8_t, uint8_t, F>(desc, io, "bool");
    default: return make_binary<float, uint8_t, F>(desc, io, "f32");
  }
}

bool is_constant_scalar(const TensorDesc& t, float value) {
  if (t.kind != TensorKind::kConstant || t.numel() != 1 || t.data.size() != sizeof(float)) return false;
  float v;
  std::memcpy(&v, t.data.data(), sizeof v);
  return v == value;
}

std::unique_ptr<Op> make_pow(const OpDesc& desc, const BuildContext& ctx) {
  const BinaryIO io = check_binary(desc, ctx, {DType::kFloat32}, false);
  if (is_constant_scalar(*io.b, 2.f)) return make_binary<float, float, SquareFn>(desc, io, "f32-square");
  return make_binary<float, float, PowFn>(desc, io, "f32");
}

std::unique_ptr<Op> make_prelu(const OpDesc& desc, const BuildContext& ctx) {
  const BinaryIO io = check_binary(desc, ctx, {DType::kFloat32}, false);
  if (io.y->shape != io.a->shape)
    plan_fail(desc, "expected slope " + shape_string(io.b->shape) + " to broadcast to X " +
                        shape_string(io.a->shape));
  return make_binary<float, float, PReluFn>(desc, io, "f32");
}

}  // namespace

void register_binary_ops(OpRegistry& r) {
  r.add("Add", &make_arithmetic<AddFn>);
  r.add("Sub", &make_arithmetic<SubFn>);
  r.add("Mul", &make_arithmetic<MulFn>);
  r.add("Div", &make_arithmetic<DivFn>);
  r.add("Min", &make_arithmetic<MinFn>);
  r.add("Max", &make_arithmetic<MaxFn>);
  r.add("Pow", &make_pow);
  r.add("PRelu", &make_prelu);
  r.add("Equal", &make_comparison<EqualFn>);
  r.add("Less", &make_comparison<LessFn>);
  r.add("Greater", &make_comparison<GreaterFn>);
}

}  // namespace sparq

// Cast between numeric dtypes: float -> int truncates toward zero and saturates, NaN -> 0; -> bool is "!= 0".
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>

#include "ops/elementwise-families.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"

namespace sparq {
namespace {

template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same<To, bool>::value) {
    return v != From(0);
  } else if constexpr (std::is_floating_point<From>::value && std::is_integral<To>::value) {
    // Saturate: converting an out-of-range float to an integer is undefined behaviour in C++.
    if (!(v == v)) return 0;
    if (v <= static_cast<From>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
    if (v >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);  // integer narrowing wraps (two's complement), as ONNX runtimes do
  }
}

template <typename To, typename From>
class CastOp final : public Op {
 public:
  CastOp(int32_t x, int32_t y, size_t n, std::string name) : x_(x), y_(y), n_(n), name_(std::move(name)) {}
  void run(RunContext& ctx) override {
    const From* x = ctx.ptr<const From>(x_);
    To* y = ctx.ptr<To>(y_);
    for_element_chunks(ctx.pool, n_, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) y[i] = convert<To>(x[i]);
    });
  }
  std::string kernel_name() const override { return name_; }

 private:
  int32_t x_, y_;
  size_t n_;
  std::string name_;
};

// Bool is stored as one byte holding 0 or 1; bool (the C++ type) has the same representation here.
class CopyOp final : public Op {
 public:
  CopyOp(int32_t x, int32_t y, size_t bytes) : x_(x), y_(y), bytes_(bytes) {}
  void run(RunContext& ctx) override {
    const void* x = ctx.data[static_cast<size_t>(x_)];
    void* y = ctx.data[static_cast<size_t>(y_)];
    if (x != y && bytes_) std::memmove(y, x, bytes_);
  }
  std::string kernel_name() const override { return "cast-copy"; }

 private:
  int32_t x_, y_;
  size_t bytes_;
};

template <typename From>
std::unique_ptr<Op> make_cast_from(const OpDesc& desc, DType from, DType to, size_t n) {
  const int32_t x = desc.inputs[0], y = desc.outputs[0];
  const std::string name = std::string("cast-") + dtype_name(from) + "-" + dtype_name(to);
  switch (to) {
    case DType::kFloat32: return std::make_unique<CastOp<float, From>>(x, y, n, name);
    case DType::kUInt8: return std::make_unique<CastOp<uint8_t, From>>(x, y, n, name);
    case DType::kInt8: return std::make_unique<CastOp<int8_t, From>>(x, y, n, name);
    case DType::kInt32: return std::make_unique<CastOp<int32_t, From>>(x, y, n, name);
    case DType::kInt64: return std::make_unique<CastOp<int64_t, From>>(x, y, n, name);
    case DType::kBool: return std::make_unique<CastOp<bool, From>>(x, y, n, name);
  }
  return nullptr;
}

std::unique_ptr<Op> make_cast(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  const int64_t to_code = desc.attrs.i("to", -1);
  if (!dtype_valid(static_cast<int32_t>(to_code)))
    plan_fail(desc, "expected attribute 'to' to be a dtype code (1, 2, 3, 6, 7, 9) but received " +
                        std::to_string(to_code));
  const DType to = static_cast<DType>(to_code);
  if (y.dtype != to)
    plan_fail(desc, std::string("expected output dtype ") + dtype_name(to) + " but received " + dtype_name(y.dtype));
  expect_shape(desc, y, x.shape, "output Y");
  const size_t n = static_cast<size_t>(x.numel());
  if (x.dtype == to) return std::make_unique<CopyOp>(desc.inputs[0], desc.outputs[0], x.bytes());
  switch (x.dtype) {
    case DType::kFloat32: return make_cast_from<float>(desc, x.dtype, to, n);
    case DType::kUInt8: return make_cast_from<uint8_t>(desc, x.dtype, to, n);
    case DType::kInt8: return make_cast_from<int8_t>(desc, x.dtype, to, n);
    case DType::kInt32: return make_cast_from<int32_t>(desc, x.dtype, to, n);
    case DType::kInt64: return make_cast_from<int64_t>(desc, x.dtype, to, n);
    case DType::kBool: return make_cast_from<uint8_t>(desc, x.dtype, to, n);  // stored 0/1, so integer rules apply
  }
  plan_fail(desc, "unsupported input dtype");
}

}  // namespace

void register_cast_op(OpRegistry& r) { r.add("Cast", &make_cast); }

}  // namespace sparq

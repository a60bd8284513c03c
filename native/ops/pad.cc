// Pad (constant / reflect / edge, negative pads crop): per-axis source-index maps built at plan time.
#include <cstring>
#include <memory>

#include "ops/data-movement-families.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"
#include "ops/strided-copy.h"

namespace sparq {
namespace {

enum class PadMode { kConstant, kReflect, kEdge };

// Source index along one axis for output index i, or -1 for the constant fill. Negative pads crop
// first, so reflect/edge work inside the kept range [lo, hi) as onnxruntime does (crop, then pad).
int64_t source_index(int64_t i, int64_t dim, int64_t begin_pad, int64_t end_pad, PadMode mode) {
  const int64_t lo = begin_pad < 0 ? -begin_pad : 0;
  const int64_t hi = end_pad < 0 ? dim + end_pad : dim;
  int64_t v = i - begin_pad;
  if (v >= lo && v < hi) return v;
  if (mode == PadMode::kConstant) return -1;
  if (mode == PadMode::kEdge) return v < lo ? lo : hi - 1;
  const int64_t n = hi - lo;
  if (n == 1) return lo;
  const int64_t period = 2 * (n - 1);  // reflect without repeating the edge, repeated as often as needed
  int64_t t = (v - lo) % period;
  if (t < 0) t += period;
  return lo + (t < n ? t : period - t);
}

template <typename T>
class PadOp final : public Op {
 public:
  PadOp(int32_t x, int32_t y, std::vector<int64_t> out_shape, std::vector<std::vector<int64_t>> offsets, T value,
        bool inner_identity)
      : x_(x), y_(y), out_shape_(std::move(out_shape)), offsets_(std::move(offsets)), value_(value),
        inner_identity_(inner_identity) {}

  void run(RunContext& ctx) override {
    const T* x = ctx.ptr<const T>(x_);
    T* y = ctx.ptr<T>(y_);
    const size_t rank = out_shape_.size();
    const int64_t inner = out_shape_[rank - 1];
    size_t rows = 1;
    for (size_t d = 0; d + 1 < rank; ++d) rows *= static_cast<size_t>(out_shape_[d]);
    if (inner == 0 || rows == 0) return;
    const std::vector<int64_t>& inner_off = offsets_[rank - 1];
    const size_t grain = std::max<size_t>(1, kParallelElements / static_cast<size_t>(inner));
    for_element_chunks(ctx.pool, rows, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        T* row = y + r * static_cast<size_t>(inner);
        // Input offset of the row start from the outer axes' maps; -1 anywhere means a padded row.
        int64_t base = 0;
        bool padded = false;
        size_t rest = r;
        for (size_t d = rank - 1; d-- > 0;) {
          const int64_t o = offsets_[d][rest % static_cast<size_t>(out_shape_[d])];
          rest /= static_cast<size_t>(out_shape_[d]);
          if (o < 0) padded = true;
          base += o;
        }
        if (padded) {
          for (int64_t i = 0; i < inner; ++i) row[i] = value_;
        } else if (inner_identity_) {
          std::memcpy(row, x + base, static_cast<size_t>(inner) * sizeof(T));
        } else {
          for (int64_t i = 0; i < inner; ++i) row[i] = inner_off[i] < 0 ? value_ : x[base + inner_off[i]];
        }
      }
    }, grain);
  }
  std::string kernel_name() const override { return "pad-rows"; }

 private:
  int32_t x_, y_;
  std::vector<int64_t> out_shape_;
  std::vector<std::vector<int64_t>> offsets_;  // per axis: source element offset of each output index, -1 = fill
  T value_;
  bool inner_identity_;
};

template <typename T>
std::unique_ptr<Op> make_pad_typed(const OpDesc& desc, const TensorDesc& x, const TensorDesc& y,
                                   const std::vector<int64_t>& pads, PadMode mode, T value) {
  const size_t rank = x.shape.size();
  // A scalar is padded as a rank-1 tensor of one element (no pads are possible on zero axes).
  std::vector<int64_t> in_shape = rank ? x.shape : std::vector<int64_t>{1};
  std::vector<int64_t> out_shape = rank ? y.shape : std::vector<int64_t>{1};
  const size_t r = in_shape.size();
  const std::vector<int64_t> strides = contiguous_strides(in_shape);
  std::vector<std::vector<int64_t>> offsets(r);
  for (size_t d = 0; d < r; ++d) {
    const int64_t b = rank ? pads[d] : 0, e = rank ? pads[rank + d] : 0;
    const int64_t kept = in_shape[d] - std::max<int64_t>(0, -b) - std::max<int64_t>(0, -e);
    if (mode != PadMode::kConstant && kept <= 0 && out_shape[d] > 0)
      plan_fail(desc, "axis " + std::to_string(d) + " keeps no input values to " +
                          (mode == PadMode::kEdge ? "repeat" : "reflect") + " after cropping");
    for (int64_t i = 0; i < out_shape[d]; ++i) {
      const int64_t s = source_index(i, in_shape[d], b, e, mode);
      offsets[d].push_back(s < 0 ? -1 : s * strides[d]);
    }
  }
  bool identity = out_shape[r - 1] == in_shape[r - 1];
  for (int64_t i = 0; identity && i < out_shape[r - 1]; ++i) identity = offsets[r - 1][static_cast<size_t>(i)] == i;
  return std::make_unique<PadOp<T>>(desc.inputs[0], desc.outputs[0], out_shape, std::move(offsets), value, identity);
}

std::unique_ptr<Op> make_pad(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, 1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input X");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, x, {DType::kFloat32, DType::kInt64}, "input X");
  expect_same_dtype(desc, x, y, "X and Y");
  const size_t rank = x.shape.size();
  const std::vector<int64_t> pads = desc.attrs.ints("pads");
  if (pads.size() != 2 * rank)
    plan_fail(desc, "expected " + std::to_string(2 * rank) + " pads for X " + shape_string(x.shape) +
                        " but received " + shape_string(pads));
  const std::string mode_name = desc.attrs.s("mode", "constant");
  PadMode mode;
  if (mode_name == "constant") mode = PadMode::kConstant;
  else if (mode_name == "reflect") mode = PadMode::kReflect;
  else if (mode_name == "edge") mode = PadMode::kEdge;
  else plan_fail(desc, "expected mode \"constant\", \"reflect\" or \"edge\" but received \"" + mode_name + "\"");
  std::vector<int64_t> shape(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (__builtin_add_overflow(x.shape[d], pads[d], &shape[d]) ||
        __builtin_add_overflow(shape[d], pads[rank + d], &shape[d]))
      plan_fail(desc, "pads " + shape_string(pads) + " overflow the dims of X " + shape_string(x.shape));
    if (shape[d] < 0)
      plan_fail(desc, "pads " + shape_string(pads) + " crop more than X " + shape_string(x.shape) + " holds");
  }
  expect_shape(desc, y, shape, "output Y");
  const auto value_attr = desc.attrs.numbers.find("value");
  const double value = value_attr == desc.attrs.numbers.end() || value_attr->second.empty() ? 0.0
                                                                                            : value_attr->second[0];
  if (x.dtype == DType::kInt64) return make_pad_typed<int64_t>(desc, x, y, pads, mode, attr_to_int64(value));
  return make_pad_typed<float>(desc, x, y, pads, mode, attr_to_float(value));
}

}  // namespace

void register_pad_op(OpRegistry& r) { r.add("Pad", &make_pad); }

}  // namespace sparq

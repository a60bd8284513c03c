// QConcat: u8 inputs requantized to the output's (scale, zero point) through a per-input 256-entry table, or copied
// with memcpy when an input already has the output's quantization.
#include <array>
#include <cmath>
#include <cstring>
#include <memory>

#include "ops/parallel-elements.h"
#include "ops/quant-families.h"
#include "reference/qu8-ops-reference.h"

namespace sparq {
namespace {

struct QConcatInput {
  int32_t id;
  size_t row_bytes;     // bytes per outer row of this input
  size_t column;        // byte offset of this input inside an output row
  bool copy;            // same quantization as the output
  std::array<uint8_t, 256> table;
};

class QConcatOp final : public Op {
 public:
  QConcatOp(int32_t y, size_t outer, size_t y_row_bytes, std::vector<QConcatInput> inputs)
      : y_(y), outer_(outer), y_row_bytes_(y_row_bytes), inputs_(std::move(inputs)) {}

  void run(RunContext& ctx) override {
    uint8_t* y = ctx.ptr<uint8_t>(y_);
    const size_t grain = std::max<size_t>(1, kParallelElements / std::max<size_t>(1, y_row_bytes_));
    for_element_chunks(ctx.pool, outer_, [&](size_t begin, size_t end) {
      for (const QConcatInput& in : inputs_) {
        const uint8_t* x = ctx.ptr<const uint8_t>(in.id);
        const uint8_t* t = in.table.data();
        for (size_t o = begin; o < end; ++o) {
          const uint8_t* src = x + o * in.row_bytes;
          uint8_t* dst = y + o * y_row_bytes_ + in.column;
          if (in.copy) {
            std::memcpy(dst, src, in.row_bytes);
          } else {
            for (size_t i = 0; i < in.row_bytes; ++i) dst[i] = t[src[i]];
          }
        }
      }
    }, grain);
  }
  std::string kernel_name() const override { return "qu8-concat"; }

 private:
  int32_t y_;
  size_t outer_, y_row_bytes_;
  std::vector<QConcatInput> inputs_;
};

std::unique_ptr<Op> make_qconcat(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, -1, 1, 1);
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, y, {DType::kUInt8}, "output Y");
  const size_t rank = y.shape.size();
  if (rank == 0) plan_fail(desc, "expected an output Y of rank >= 1");
  const int64_t axis = checked_axis(desc, desc.attrs.i("axis", -1), rank);
  const float y_scale = quant_scale_attr(desc, "y_scale");
  const int32_t y_zp = quant_zero_point_attr(desc, "y_zero_point", 0, 255);
  const std::vector<double>* scales = nullptr;
  const std::vector<double>* zero_points = nullptr;
  if (desc.attrs.numbers.count("scales")) scales = &desc.attrs.numbers.at("scales");
  if (desc.attrs.numbers.count("zero_points")) zero_points = &desc.attrs.numbers.at("zero_points");
  const size_t n = desc.inputs.size();
  if (!scales || scales->size() != n || !zero_points || zero_points->size() != n)
    plan_fail(desc, "expected scales and zero_points with one value per input (" + std::to_string(n) + ")");
  size_t outer = 1, inner = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (static_cast<int64_t>(d) < axis) outer *= static_cast<size_t>(y.shape[d]);
    if (static_cast<int64_t>(d) > axis) inner *= static_cast<size_t>(y.shape[d]);
  }
  std::vector<QConcatInput> inputs;
  int64_t sum = 0;
  for (size_t k = 0; k < n; ++k) {
    const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[k], "input");
    expect_dtype(desc, x, {DType::kUInt8}, "input");
    bool same = x.shape.size() == rank;
    for (size_t d = 0; same && d < rank; ++d) same = static_cast<int64_t>(d) == axis || x.shape[d] == y.shape[d];
    if (!same)
      plan_fail(desc, "expected input " + std::to_string(k) + " to match " + shape_string(y.shape) +
                          " except on axis " + std::to_string(axis) + " but received " + shape_string(x.shape));
    // Reuse the scalar checks by viewing the k-th list entries as single attributes.
    OpDesc one = desc;
    const std::string index = "[" + std::to_string(k) + "]";
    one.attrs.numbers = {{"scales" + index, {(*scales)[k]}}, {"zero_points" + index, {(*zero_points)[k]}}};
    QConcatInput in;
    in.id = desc.inputs[k];
    const float scale = quant_scale_attr(one, "scales" + index);
    const int32_t zp = quant_zero_point_attr(one, "zero_points" + index, 0, 255);
    in.copy = scale == y_scale && zp == y_zp;
    const float lo = static_cast<float>(-y_zp), hi = static_cast<float>(255 - y_zp);
    for (int v = 0; v < 256; ++v) {
      const float real = static_cast<float>(v - zp) * scale;
      in.table[static_cast<size_t>(v)] = static_cast<uint8_t>(quantize_scaled(real / y_scale, lo, hi, y_zp));
    }
    in.row_bytes = static_cast<size_t>(x.shape[static_cast<size_t>(axis)]) * inner;
    in.column = static_cast<size_t>(sum) * inner;
    sum += x.shape[static_cast<size_t>(axis)];
    if (in.row_bytes > 0) inputs.push_back(in);
  }
  if (sum != y.shape[static_cast<size_t>(axis)])
    plan_fail(desc, "expected the input sizes on axis " + std::to_string(axis) + " to add up to " +
                        std::to_string(y.shape[static_cast<size_t>(axis)]) + " but they add up to " +
                        std::to_string(sum));
  return std::make_unique<QConcatOp>(desc.outputs[0], outer, static_cast<size_t>(y.shape[static_cast<size_t>(axis)]) * inner,
                                     std::move(inputs));
}

}  // namespace

void register_qconcat_op(OpRegistry& r) { r.add("QConcat", &make_qconcat); }

}  // namespace sparq

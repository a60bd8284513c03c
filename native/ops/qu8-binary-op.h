// The op shared by the u8 x u8 -> u8 binary ops (QAdd, QMul): numpy broadcasting walked in contiguous runs, one
// kernel call per run, threaded over output elements; the per-channel broadcast through a rows kernel if given one.
#pragma once
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "ops/broadcast.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"
#include "ops/quant-families.h"
#include "runtime/op.h"

namespace sparq {

// Params: the kernel's parameter struct (QAddParams, QMulParams). The operation must be commutative in float
// (a + b == b + a and a * b == b * a exactly in IEEE arithmetic), so a run where only A moves swaps the operands
// together with their (scale, zero point).
template <typename Params>
class Qu8BinaryOp final : public Op {
 public:
  // b_stride is 1 (same shape) or 0 (b is one value broadcast over the run).
  using Kernel = void (*)(size_t n, const uint8_t* a, const uint8_t* b, size_t b_stride, const Params& p, uint8_t* y);
  // y[r*channels + c] = op(a[r*channels + c], b[c]) for r < rows.
  using RowsKernel = void (*)(size_t rows, size_t channels, const uint8_t* a, const uint8_t* b, const Params& p,
                              uint8_t* y);

  // rows_fn may be null: the per-channel broadcast then runs one fn call per row.
  Qu8BinaryOp(int32_t a, int32_t b, int32_t y, Params p, BroadcastPlan plan, bool same_shape, Kernel fn,
              Kernel reference, RowsKernel rows_fn, std::string name)
      : a_(a), b_(b), y_(y), p_(p), plan_(std::move(plan)), same_shape_(same_shape), fn_(fn), reference_(reference),
        rows_fn_(rows_fn), name_(std::move(name)) {
    swapped_ = p_;
    std::swap(swapped_.a_scale, swapped_.b_scale);
    std::swap(swapped_.a_zero_point, swapped_.b_zero_point);
    // [rows, C] x [C] or [N, rows, C] x [N, 1, C] (either operand the channel vector): the plan collapsed to
    // (N,) rows, C; one operand walks everything contiguously, the other walks C and (with N) one vector per batch.
    const size_t rank = plan_.dims.size();
    if (rows_fn_ && !same_shape_ && (rank == 2 || rank == 3)) {
      const int64_t c = plan_.dims[rank - 1], rows = plan_.dims[rank - 2];
      auto full = [&](int k) {
        return plan_.strides[k][rank - 1] == 1 && plan_.strides[k][rank - 2] == c &&
               (rank == 2 || plan_.strides[k][0] == rows * c);
      };
      auto channel = [&](int k) {
        return plan_.strides[k][rank - 1] == 1 && plan_.strides[k][rank - 2] == 0 &&
               (rank == 2 || plan_.strides[k][0] == c);
      };
      if (full(0) && channel(1)) per_channel_ = PerChannel::kB;
      else if (full(1) && channel(0)) per_channel_ = PerChannel::kA;
      channels_ = static_cast<size_t>(c);
      rows_per_batch_ = static_cast<size_t>(rows);
      batches_ = rank == 3 ? static_cast<size_t>(plan_.dims[0]) : 1;
    }
  }

  bool per_channel() const { return per_channel_ != PerChannel::kNone; }
  void set_kernel_name(std::string name) { name_ = std::move(name); }

  void run(RunContext& ctx) override {
    const uint8_t* a = ctx.ptr<const uint8_t>(a_);
    const uint8_t* b = ctx.ptr<const uint8_t>(b_);
    uint8_t* y = ctx.ptr<uint8_t>(y_);
    const size_t n = static_cast<size_t>(plan_.numel);
    if (n == 0) return;
    if (same_shape_) {
      for_element_chunks(ctx.pool, n, [&](size_t begin, size_t end) {
        fn_(end - begin, a + begin, b + begin, 1, p_, y + begin);
      });
      return;
    }
    if (per_channel_ != PerChannel::kNone) {
      const bool b_is_vector = per_channel_ == PerChannel::kB;
      const uint8_t* full = b_is_vector ? a : b;
      const uint8_t* vectors = b_is_vector ? b : a;
      const Params& p = b_is_vector ? p_ : swapped_;
      const size_t c = channels_, per_batch = rows_per_batch_;
      for_element_chunks(ctx.pool, batches_ * per_batch, [&](size_t begin, size_t end) {
        for (size_t r = begin; r < end;) {  // split at batch boundaries: each batch has its own vector
          const size_t batch = r / per_batch, stop = std::min(end, (batch + 1) * per_batch);
          rows_fn_(stop - r, c, full + r * c, vectors + batch * c, p, y + r * c);
          r = stop;
        }
      }, std::max<size_t>(1, kParallelElements / c));
      return;
    }
    // Without a rows kernel, the per-channel broadcast arrives here as one run per row of C, both operands moving.
    const bool a_runs = plan_.strides[0].back() != 0, b_runs = plan_.strides[1].back() != 0;
    for_element_chunks(ctx.pool, n, [&](size_t begin, size_t end) {
      for_each_broadcast_run<2>(plan_, static_cast<int64_t>(begin), static_cast<int64_t>(end),
                                [&](const int64_t* off, int64_t out, int64_t count) {
        const size_t c = static_cast<size_t>(count);
        if (a_runs) {
          fn_(c, a + off[0], b + off[1], b_runs ? 1 : 0, p_, y + out);
        } else if (b_runs) {
          fn_(c, b + off[1], a + off[0], 0, swapped_, y + out);
        } else {  // a single-element output: both inputs broadcast
          reference_(1, a + off[0], b + off[1], 0, p_, y + out);
          std::memset(y + out, y[out], c);
        }
      });
    });
  }
  std::string kernel_name() const override { return name_; }

 private:
  int32_t a_, b_, y_;
  Params p_, swapped_;
  BroadcastPlan plan_;
  bool same_shape_;
  Kernel fn_, reference_;
  RowsKernel rows_fn_;
  enum class PerChannel { kNone, kA, kB } per_channel_ = PerChannel::kNone;  // which operand is the channel vector
  size_t channels_ = 0, rows_per_batch_ = 0, batches_ = 0;
  std::string name_;
};

// Checks A, B and Y of a QAdd / QMul descriptor (u8 each, Y the numpy broadcast of A and B) and returns the op's
// broadcast plan; *same_shape tells whether no broadcasting happens.
inline BroadcastPlan qu8_binary_plan(const OpDesc& desc, const BuildContext& ctx, bool* same_shape) {
  expect_arity(desc, 2, 2, 1, 1);
  const TensorDesc& a = required_tensor(desc, ctx, desc.inputs[0], "input A");
  const TensorDesc& b = required_tensor(desc, ctx, desc.inputs[1], "input B");
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output Y");
  expect_dtype(desc, a, {DType::kUInt8}, "input A");
  expect_dtype(desc, b, {DType::kUInt8}, "input B");
  expect_dtype(desc, y, {DType::kUInt8}, "output Y");
  std::vector<int64_t> shape;
  if (!broadcast_shape(a.shape, b.shape, shape))
    plan_fail(desc, "inputs " + shape_string(a.shape) + " and " + shape_string(b.shape) + " do not broadcast");
  expect_shape(desc, y, shape, "output Y");
  if (y.shape.size() > static_cast<size_t>(kMaxBroadcastRank)) plan_fail(desc, "rank too large");
  *same_shape = a.shape == y.shape && b.shape == y.shape;
  return make_broadcast_plan(y.shape, {a.shape, b.shape});
}

// The quantization attributes QAdd and QMul share (scales and u8 zero points of A, B and Y) into a QAddParams or
// QMulParams, with the clamp bounds of Y's range.
template <typename Params>
Params qu8_binary_params(const OpDesc& desc) {
  Params p;
  p.a_scale = quant_scale_attr(desc, "a_scale");
  p.b_scale = quant_scale_attr(desc, "b_scale");
  p.y_scale = quant_scale_attr(desc, "y_scale");
  p.a_zero_point = quant_zero_point_attr(desc, "a_zero_point", 0, 255);
  p.b_zero_point = quant_zero_point_attr(desc, "b_zero_point", 0, 255);
  p.y_zero_point = quant_zero_point_attr(desc, "y_zero_point", 0, 255);
  p.lo = static_cast<float>(-p.y_zero_point);
  p.hi = static_cast<float>(255 - p.y_zero_point);
  return p;
}

}  // namespace sparq

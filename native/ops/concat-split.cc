// Concat and Split along one axis: per outer row, one memcpy per input (Concat) or output (Split).
#include <cstring>
#include <memory>

#include "ops/data-movement-families.h"
#include "ops/op-checks.h"
#include "ops/parallel-elements.h"

namespace sparq {
namespace {

// One side is a single contiguous tensor [outer, total]; the pieces are [outer, piece_bytes[k]] each,
// placed at column piece_offset[k] of the whole. Concat copies pieces -> whole, Split whole -> pieces.
struct AxisPieces {
  size_t outer = 1;
  size_t total_bytes = 0;               // bytes per outer row of the whole
  std::vector<size_t> piece_bytes;      // bytes per outer row of each piece
  std::vector<size_t> piece_offset;     // byte column of each piece in the whole row
};

AxisPieces make_pieces(const OpDesc& desc, const TensorDesc& whole, const std::vector<const TensorDesc*>& pieces,
                       int64_t axis, const char* piece_name) {
  AxisPieces p;
  const size_t rank = whole.shape.size();
  const size_t eb = dtype_size(whole.dtype);
  size_t inner = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (static_cast<int64_t>(d) < axis) p.outer *= static_cast<size_t>(whole.shape[d]);
    if (static_cast<int64_t>(d) > axis) inner *= static_cast<size_t>(whole.shape[d]);
  }
  int64_t sum = 0;
  for (size_t k = 0; k < pieces.size(); ++k) {
    const TensorDesc& t = *pieces[k];
    expect_same_dtype(desc, whole, t, piece_name);
    bool same = t.shape.size() == rank;
    for (size_t d = 0; same && d < rank; ++d) same = static_cast<int64_t>(d) == axis || t.shape[d] == whole.shape[d];
    if (!same)
      plan_fail(desc, std::string("expected ") + piece_name + " " + std::to_string(k) + " to match " +
                          shape_string(whole.shape) + " except on axis " + std::to_string(axis) +
                          " but received " + shape_string(t.shape));
    p.piece_offset.push_back(static_cast<size_t>(sum) * inner * eb);
    p.piece_bytes.push_back(static_cast<size_t>(t.shape[static_cast<size_t>(axis)]) * inner * eb);
    sum += t.shape[static_cast<size_t>(axis)];
  }
  if (sum != whole.shape[static_cast<size_t>(axis)])
    plan_fail(desc, std::string("expected the ") + piece_name + " sizes on axis " + std::to_string(axis) +
                        " to add up to " + std::to_string(whole.shape[static_cast<size_t>(axis)]) +
                        " but they add up to " + std::to_string(sum));
  p.total_bytes = static_cast<size_t>(whole.shape[static_cast<size_t>(axis)]) * inner * eb;
  return p;
}

template <bool kConcat>
class AxisCopyOp final : public Op {
 public:
  AxisCopyOp(int32_t whole, std::vector<int32_t> pieces, AxisPieces layout)
      : whole_(whole), pieces_(std::move(pieces)), layout_(std::move(layout)) {}

  void run(RunContext& ctx) override {
    uint8_t* whole = static_cast<uint8_t*>(ctx.data[static_cast<size_t>(whole_)]);
    const size_t k_count = pieces_.size();
    const AxisPieces& l = layout_;
    auto rows = [&](size_t begin, size_t end) {
      for (size_t k = 0; k < k_count; ++k) {
        uint8_t* piece = static_cast<uint8_t*>(ctx.data[static_cast<size_t>(pieces_[k])]);
        const size_t pb = l.piece_bytes[k];
        if (pb == 0) continue;
        for (size_t o = begin; o < end; ++o) {
          uint8_t* w = whole + o * l.total_bytes + l.piece_offset[k];
          uint8_t* p = piece + o * pb;
          if (kConcat) std::memcpy(w, p, pb);
          else std::memcpy(p, w, pb);
        }
      }
    };
    // Grain in rows so that each chunk moves at least ~64 KiB.
    const size_t grain = l.total_bytes ? std::max<size_t>(1, (size_t{64} << 10) / l.total_bytes) : l.outer;
    if (ctx.pool && l.outer >= 2 * grain && l.outer * l.total_bytes >= (size_t{256} << 10))
      ctx.pool->parallel_for(l.outer, grain, rows);
    else
      rows(0, l.outer);
  }
  std::string kernel_name() const override { return kConcat ? "concat-memcpy" : "split-memcpy"; }

 private:
  int32_t whole_;
  std::vector<int32_t> pieces_;
  AxisPieces layout_;
};

std::unique_ptr<Op> make_concat(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, -1, 1, 1);
  const TensorDesc& y = required_tensor(desc, ctx, desc.outputs[0], "output");
  const int64_t axis = checked_axis(desc, desc.attrs.i("axis", -1), y.shape.size());
  std::vector<const TensorDesc*> pieces;
  for (int32_t id : desc.inputs) pieces.push_back(&required_tensor(desc, ctx, id, "input"));
  AxisPieces layout = make_pieces(desc, y, pieces, axis, "input");
  return std::make_unique<AxisCopyOp<true>>(desc.outputs[0], desc.inputs, std::move(layout));
}

std::unique_ptr<Op> make_split(const OpDesc& desc, const BuildContext& ctx) {
  expect_arity(desc, 1, 1, 1, -1);
  const TensorDesc& x = required_tensor(desc, ctx, desc.inputs[0], "input");
  const int64_t axis = checked_axis(desc, desc.attrs.i("axis", 0), x.shape.size());
  std::vector<const TensorDesc*> pieces;
  for (int32_t id : desc.outputs) pieces.push_back(&required_tensor(desc, ctx, id, "output"));
  AxisPieces layout = make_pieces(desc, x, pieces, axis, "output");
  return std::make_unique<AxisCopyOp<false>>(desc.inputs[0], desc.outputs, std::move(layout));
}

}  // namespace

void register_concat_split_ops(OpRegistry& r) {
  r.add("Concat", &make_concat);
  r.add("Split", &make_split);
}

}  // namespace sparq

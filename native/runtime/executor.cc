// Runs a compiled plan: copy inputs into the arena, run ops in order (stopping at a confident exit), copy outputs out.
#include "runtime/executor.h"

#include <chrono>
#include <cstring>
#include <new>

#include "runtime/op-clock.h"
#include "runtime/plan-validation.h"

namespace sparq {
namespace {

std::string describe_op(const OpDesc& op) { return "'" + op.type + "' (node '" + op.name + "')"; }

// The results of Plan::run's vector overloads.
// Copies each result into its vector and, when given `written`, marks the slot as computed.
class VectorSink final : public ResultSink {
 public:
  explicit VectorSink(std::vector<std::vector<uint8_t>>& buffers, std::vector<bool>* written = nullptr)
      : buffers_(buffers), written_(written) {}
  void write(size_t slot, const uint8_t* data, size_t bytes) override {
    buffers_[slot].assign(data, data + bytes);
    if (written_) (*written_)[slot] = true;
  }

 private:
  std::vector<std::vector<uint8_t>>& buffers_;
  std::vector<bool>* written_;
};

}  // namespace

Plan::Plan(PlanDesc desc, const OpRegistry& registry)
    : desc_(std::move(desc)),
      level_(desc_.isa.empty() ? default_level() : desc_.isa),
      features_(features_for_level(level_)),
      pool_((validate_plan(desc_), desc_.threads)) {
  const size_t n = desc_.tensors.size();
  bytes_.resize(n);
  for (size_t id = 0; id < n; ++id) bytes_[id] = checked_tensor_bytes(desc_.tensors[id], id);

  std::vector<OpFactory> factories;
  for (const OpDesc& op : desc_.ops) {
    OpFactory f = registry.find(op.type);
    if (!f) throw PlanError("Unsupported native op type '" + op.type + "' (node '" + op.name + "')");
    factories.push_back(f);
  }

  producer_.assign(n, -1);
  for (size_t k = 0; k < desc_.ops.size(); ++k)
    for (int32_t id : desc_.ops[k].outputs)
      if (id >= 0) producer_[static_cast<size_t>(id)] = static_cast<int32_t>(k);
  // An op whose outputs are all empty has nothing to write, so it is never run: its loops over the other dims of
  // its operands (a hostile model can make them count to 2^62 around one zero dim) never start.
  idle_.assign(desc_.ops.size(), 0);
  for (size_t k = 0; k < desc_.ops.size(); ++k) {
    bool empty = !desc_.ops[k].outputs.empty();
    for (int32_t id : desc_.ops[k].outputs)
      if (id >= 0 && bytes_[static_cast<size_t>(id)] != 0) empty = false;
    idle_[k] = empty;
  }

  try {
    const size_t size = static_cast<size_t>(desc_.arena_bytes) + kArenaAlignment;
    if (desc_.arena_bytes > SIZE_MAX - kArenaAlignment) throw std::bad_alloc();
    arena_storage_.reset(new uint8_t[size]());
  } catch (const std::bad_alloc&) {
    throw PlanError("Could not allocate the plan arena of " + std::to_string(desc_.arena_bytes) + " bytes");
  }
  const uintptr_t raw = reinterpret_cast<uintptr_t>(arena_storage_.get());
  arena_ = arena_storage_.get() + ((kArenaAlignment - raw % kArenaAlignment) % kArenaAlignment);

  ctx_.pool = &pool_;
  ctx_.data.resize(n);
  for (size_t id = 0; id < n; ++id) {
    TensorDesc& t = desc_.tensors[id];
    ctx_.data[id] = t.kind == TensorKind::kConstant ? static_cast<void*>(t.data.data()) : arena_ + t.offset;
  }

  const BuildContext build{desc_, features_, pool_.threads()};
  for (size_t k = 0; k < desc_.ops.size(); ++k) {
    const OpDesc& op = desc_.ops[k];
    try {
      std::unique_ptr<Op> built = factories[k](op, build);
      if (!built) throw PlanError("the op factory returned nothing");
      ops_.push_back(std::move(built));
    } catch (const PlanError&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw PlanError("Out of memory while building native op " + describe_op(op));
    } catch (const std::exception& e) {
      throw PlanError("Native op " + describe_op(op) + ": " + e.what());
    }
  }
  timings_ms_.assign(ops_.size(), 0.0);
  const std::string problem = exits_problem(desc_.exits, "plan.exits");
  if (!problem.empty()) throw PlanError(problem);
}

Plan::~Plan() = default;

void Plan::check_inputs(const std::vector<size_t>& input_bytes, const std::vector<int32_t>& capture) const {
  check_input_count(input_bytes.size());
  for (size_t i = 0; i < input_bytes.size(); ++i) check_input_bytes(i, input_bytes[i]);
  check_capture(capture);
}

void Plan::check_inputs(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture) const {
  check_input_count(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) check_input_bytes(i, inputs[i].bytes);
  check_capture(capture);
}

void Plan::check_input_count(size_t count) const {
  if (count != desc_.inputs.size())
    throw InputError("Expected " + std::to_string(desc_.inputs.size()) + " inputs for the plan but received " +
                     std::to_string(count));
}

void Plan::check_input_bytes(size_t i, size_t bytes) const {
  const uint64_t want = bytes_[static_cast<size_t>(desc_.inputs[i])];
  if (bytes != want)
    throw InputError("Expected " + std::to_string(want) + " bytes for inputs[" + std::to_string(i) + "] but received " +
                     std::to_string(bytes));
}

void Plan::check_capture(const std::vector<int32_t>& capture) const {
  for (size_t i = 0; i < capture.size(); ++i)
    if (capture[i] < 0 || static_cast<size_t>(capture[i]) >= desc_.tensors.size())
      throw InputError("Expected a tensor id in [0, " + std::to_string(desc_.tensors.size()) + ") for capture[" +
                       std::to_string(i) + "] but received " + std::to_string(capture[i]));
}

std::string Plan::exits_problem(const std::vector<int32_t>& exits, const std::string& what) const {
  int32_t previous = -1;
  for (size_t i = 0; i < exits.size(); ++i) {
    // Checked on every early-exit run: the name is spelled out only for a message.
    const auto name = [&] { return what + "[" + std::to_string(i) + "]"; };
    const int32_t id = exits[i];
    if (id < 0 || static_cast<size_t>(id) >= desc_.tensors.size())
      return "Expected a tensor id in [0, " + std::to_string(desc_.tensors.size()) + ") for " + name() +
             " but received " + std::to_string(id);
    const TensorDesc& t = desc_.tensors[static_cast<size_t>(id)];
    if (t.dtype != DType::kFloat32 || t.shape.empty() || t.shape.back() <= 0)
      return "Expected a float32 tensor with a non-empty last axis for " + name() + " but received tensor " +
             std::to_string(id);
    const int32_t producer = producer_[static_cast<size_t>(id)];
    if (producer < 0)
      return "Expected a tensor written by an op for " + name() + " but received tensor " + std::to_string(id) +
             ", which no op writes";
    if (producer < previous)
      return "Expected exits in the order the plan computes them for " + what + " but received tensor " +
             std::to_string(id) + " (op " + std::to_string(producer) + ") after one written by op " +
             std::to_string(previous);
    previous = producer;
  }
  return "";
}

const std::vector<int32_t>& Plan::exits_of(const ExitRule& rule) const {
  return rule.exits.empty() ? desc_.exits : rule.exits;
}

void Plan::check_exit_rule(const ExitRule& rule) const {
  if (!(rule.confidence >= 0.0 && rule.confidence <= 1.0))
    throw InputError("Expected a number in [0, 1] for the exit confidence but received " + std::to_string(rule.confidence));
  const std::vector<int32_t>& exits = exits_of(rule);
  if (exits.empty()) throw InputError("Expected at least one exit tensor for exits but received none (and the plan has none)");
  const std::string problem = exits_problem(exits, "exits");
  if (!problem.empty()) throw InputError(problem);
}

std::vector<std::vector<uint8_t>> Plan::run(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture) {
  RunResult result;
  VectorSink sink(result.buffers);
  result.buffers.resize(desc_.outputs.size() + capture.size());
  run_ops(inputs, capture, nullptr, sink);
  return std::move(result.buffers);
}

RunResult Plan::run(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture, const ExitRule& rule) {
  RunResult result;
  VectorSink sink(result.buffers, &result.written);
  result.buffers.resize(desc_.outputs.size() + capture.size());
  result.written.assign(result.buffers.size(), false);
  static_cast<RunOutcome&>(result) = run(inputs, capture, &rule, sink);
  return result;
}

RunOutcome Plan::run(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture, const ExitRule* rule,
                     ResultSink& sink) {
  if (rule) check_exit_rule(*rule);
  return run_ops(inputs, capture, rule, sink);
}

// Allocates nothing in the common case (no captures): batch-1 runs of small models take a few microseconds.
RunOutcome Plan::run_ops(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture, const ExitRule* rule,
                         ResultSink& sink) {
  check_inputs(inputs, capture);

  std::lock_guard<std::mutex> lock(run_mutex_);
  const size_t num_outputs = desc_.outputs.size();
  RunOutcome result;
  auto copy_out = [&](size_t slot, int32_t id) {
    sink.write(slot, static_cast<const uint8_t*>(ctx_.data[static_cast<size_t>(id)]), bytes_[static_cast<size_t>(id)]);
  };

  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].bytes) std::memcpy(ctx_.data[static_cast<size_t>(desc_.inputs[i])], inputs[i].data, inputs[i].bytes);

  // Captures of tensors no op writes (inputs, constants) are taken before the first op.
  std::vector<std::vector<size_t>> captures_after;
  if (!capture.empty()) captures_after.resize(ops_.size());
  for (size_t c = 0; c < capture.size(); ++c) {
    const int32_t producer = producer_[static_cast<size_t>(capture[c])];
    if (producer < 0) copy_out(num_outputs + c, capture[c]);
    else captures_after[static_cast<size_t>(producer)].push_back(c);
  }

  // Exits are checked right after their producer, before any later op may reuse their memory.
  static const std::vector<int32_t> kNoExits;
  const std::vector<int32_t>& exits = rule ? exits_of(*rule) : kNoExits;
  size_t next_exit = 0;
  size_t stop = ops_.size();  // ops [0, stop) run

  // Op k's time is the ticks from its start to its end; the work between ops (captures, exit checks) counts for none.
  std::vector<double>& timings = run_timings_;
  timings.resize(ops_.size());
  ctx_.error.clear();
  const OpClock clock;
  uint64_t start = clock.start_ticks();
  for (size_t k = 0; k < stop; ++k) {
    if (!idle_[k]) ops_[k]->run(ctx_);
    const uint64_t end = op_clock_ticks();
    timings[k] = end > start ? static_cast<double>(end - start) : 0.0;  // a counter that stepped back reads 0
    start = end;
    if (!ctx_.error.empty()) {
      const OpDesc& op = desc_.ops[k];
      std::string message = ctx_.error + " (" + op.type + " node '" + op.name + "')";
      ctx_.error.clear();
      throw RunError(message, op.type, op.name);
    }
    bool between = false;
    if (!captures_after.empty() && !captures_after[k].empty()) {
      for (size_t c : captures_after[k]) copy_out(num_outputs + c, capture[c]);
      between = true;
    }
    for (; next_exit < exits.size() && producer_[static_cast<size_t>(exits[next_exit])] == static_cast<int32_t>(k);
         ++next_exit) {
      between = true;
      const int32_t id = exits[next_exit];
      const TensorDesc& t = desc_.tensors[static_cast<size_t>(id)];
      const int64_t classes = t.shape.back();
      const bool confident =
          rows_confident(ctx_.ptr<float>(id), t.numel() / classes, classes, rule->confidence);
      if (confident || next_exit + 1 == exits.size()) {
        result.exit = static_cast<int32_t>(next_exit);
        result.confident = confident;
        stop = k + 1;
        break;
      }
    }
    if (between) start = op_clock_ticks();
  }
  const double ms_per_tick = clock.finish();
  for (size_t k = 0; k < stop; ++k) timings[k] *= ms_per_tick;
  result.ops_run = stop;
  // Outputs written by an op that never ran stay empty; the rest (including inputs and constants) are copied.
  for (size_t i = 0; i < num_outputs; ++i) {
    const int32_t producer = producer_[static_cast<size_t>(desc_.outputs[i])];
    if (producer < static_cast<int32_t>(stop)) copy_out(i, desc_.outputs[i]);
  }

  timings.resize(stop);
  std::lock_guard<std::mutex> timings_lock(timings_mutex_);
  timings_ms_.swap(timings);  // the previous run's vector becomes the next run's, keeping its capacity
  return result;
}

std::vector<std::string> Plan::kernel_names() const {
  std::vector<std::string> out;
  for (const auto& op : ops_) out.push_back(op->kernel_name());
  return out;
}

std::vector<double> Plan::last_timings_ms() const {
  std::lock_guard<std::mutex> lock(timings_mutex_);
  return timings_ms_;
}

}  // namespace sparq

// A compiled plan ready to run: validated descriptor, built ops, a 64-byte aligned arena and a thread pool.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/executor-exit.h"
#include "runtime/op.h"
#include "runtime/plan-desc.h"
#include "runtime/thread-pool.h"

namespace sparq {

// An op reported a data-dependent failure (ctx.fail) during a run.
struct RunError : std::runtime_error {
  RunError(const std::string& message, std::string op_type, std::string node)
      : std::runtime_error(message), op_type(std::move(op_type)), node(std::move(node)) {}
  std::string op_type;
  std::string node;
};

// The caller's inputs do not fit the plan (count or byte size); nothing ran.
struct InputError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// One input's bytes as the caller holds them; the plan copies them into its arena.
struct InputView {
  const void* data;
  size_t bytes;
};

// Where an early-exit run stopped.
struct RunOutcome {
  int32_t exit = -1;       // index into the run's exit list of the exit that answered
  bool confident = false;  // false when only the last exit answered, unconfident
  size_t ops_run = 0;
};

// What an early-exit run produced. Outputs written by ops after the stop are empty (never computed).
struct RunResult : RunOutcome {
  std::vector<std::vector<uint8_t>> buffers;  // as Plan::run: outputs, then captures
  std::vector<bool> written;                  // per slot: false for outputs of ops after the stop (never computed)
};

// Where a run puts its results: slot i < outputs is plan output i, then one slot per capture. The executor calls
// write once per slot it fills, while it holds the plan; `data` is plan memory that later ops (or runs) reuse, so the
// sink copies it before returning. Slots never written are outputs of ops after an early exit.
class ResultSink {
 public:
  virtual void write(size_t slot, const uint8_t* data, size_t bytes) = 0;

 protected:
  ~ResultSink() = default;
};

class Plan {
 public:
  // Validates `desc` and builds every op through `registry` (throws PlanError).
  explicit Plan(PlanDesc desc, const OpRegistry& registry = OpRegistry::instance());
  ~Plan();
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  // Throws InputError unless `input_bytes` has one entry per plan input with exactly its byte size,
  // and `capture` names valid tensor ids.
  void check_inputs(const std::vector<size_t>& input_bytes, const std::vector<int32_t>& capture) const;
  void check_inputs(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture) const;

  // Runs the plan once: returns the bytes of each plan output, then of each captured tensor (in the order
  // given; each copied right after the op that produces it, so later ops may reuse its memory).
  // Throws InputError for bad inputs and RunError when an op fails. Runs of one plan are serialized.
  std::vector<std::vector<uint8_t>> run(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture = {});

  // Runs with early exit: after the op producing each exit tensor (rule.exits, or the plan's exits when that is
  // empty) the executor checks the rule and stops at the first confident exit, or at the last exit. Throws
  // InputError for a bad rule (see check_exit_rule) as well as for bad inputs.
  RunResult run(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture, const ExitRule& rule);

  // Either of the above (with early exit when `rule` is not null), writing the results to `sink` instead of vectors:
  // the addon copies them straight into JS ArrayBuffers. Throws as above, and whatever sink.write throws.
  RunOutcome run(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture, const ExitRule* rule,
                 ResultSink& sink);

  // Throws InputError unless the rule's confidence is in [0, 1] and its exits (or the plan's) are float32 tensors
  // written by ops, with a non-empty last axis, listed in the order the plan computes them.
  void check_exit_rule(const ExitRule& rule) const;

  const PlanDesc& desc() const { return desc_; }
  const std::string& level() const { return level_; }
  int threads() const { return pool_.threads(); }
  // Kernel chosen by each op, in op order.
  std::vector<std::string> kernel_names() const;
  // Milliseconds per op of the last finished run (zeros before the first run); after an early exit only the ops
  // that ran (a prefix).
  std::vector<double> last_timings_ms() const;

 private:
  PlanDesc desc_;
  std::string level_;
  CpuFeatures features_;
  ThreadPool pool_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<uint64_t> bytes_;        // per tensor
  std::vector<int32_t> producer_;      // per tensor: index of the last op writing it, -1 if none
  std::vector<uint8_t> idle_;          // per op: 1 when all its outputs are empty (it is skipped)
  std::unique_ptr<uint8_t[]> arena_storage_;
  uint8_t* arena_ = nullptr;           // arena_storage_ aligned up to 64 bytes
  RunContext ctx_;

  RunOutcome run_ops(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture, const ExitRule* rule,
                     ResultSink& sink);
  const std::vector<int32_t>& exits_of(const ExitRule& rule) const;
  void check_input_count(size_t count) const;
  void check_input_bytes(size_t i, size_t bytes) const;
  void check_capture(const std::vector<int32_t>& capture) const;
  // "" when `exits` are usable exit tensors, else what is wrong with them (named `what`).
  std::string exits_problem(const std::vector<int32_t>& exits, const std::string& what) const;

  std::mutex run_mutex_;
  std::vector<double> run_timings_;  // the running run's timings (guarded by run_mutex_), swapped into timings_ms_
  mutable std::mutex timings_mutex_;
  std::vector<double> timings_ms_;
};

}  // namespace sparq

// A compiled plan ready to run: validated descriptor, built ops, a 64-byte aligned arena and a thread pool.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

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

  // Runs the plan once: returns the bytes of each plan output, then of each captured tensor (in the order
  // given; each copied right after the op that produces it, so later ops may reuse its memory).
  // Throws InputError for bad inputs and RunError when an op fails. Runs of one plan are serialized.
  std::vector<std::vector<uint8_t>> run(const std::vector<InputView>& inputs, const std::vector<int32_t>& capture = {});

  const PlanDesc& desc() const { return desc_; }
  const std::string& level() const { return level_; }
  int threads() const { return pool_.threads(); }
  // Kernel chosen by each op, in op order.
  std::vector<std::string> kernel_names() const;
  // Milliseconds per op of the last finished run (zeros before the first run).
  std::vector<double> last_timings_ms() const;

 private:
  PlanDesc desc_;
  std::string level_;
  CpuFeatures features_;
  ThreadPool pool_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<uint64_t> bytes_;        // per tensor
  std::vector<int32_t> producer_;      // per tensor: index of the last op writing it, -1 if none
  std::unique_ptr<uint8_t[]> arena_storage_;
  uint8_t* arena_ = nullptr;           // arena_storage_ aligned up to 64 bytes
  RunContext ctx_;

  std::mutex run_mutex_;
  mutable std::mutex timings_mutex_;
  std::vector<double> timings_ms_;
};

}  // namespace sparq

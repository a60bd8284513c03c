// Test scaffolding for op tests: a hand-made PlanDesc whose tensors own their bytes, built and run directly.
#pragma once
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/cpu.h"
#include "runtime/op.h"
#include "runtime/thread-pool.h"

namespace sparq_test {

using sparq::DType;

class TestPlan {
 public:
  // A non-constant tensor with its own zero-filled buffer (offsets are unique so nothing aliases).
  int tensor(DType dtype, std::vector<int64_t> shape, sparq::TensorKind kind = sparq::TensorKind::kArena) {
    sparq::TensorDesc t;
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.kind = kind;
    t.offset = next_offset_;
    next_offset_ += (t.bytes() + 63) / 64 * 64 + 64;
    plan_.tensors.push_back(t);
    buffers_.emplace_back(t.bytes() + 64, 0);
    return static_cast<int>(plan_.tensors.size()) - 1;
  }
  template <typename T>
  int tensor(DType dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
    const int id = tensor(dtype, std::move(shape));
    set(id, values);
    return id;
  }
  template <typename T>
  int constant(DType dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
    const int id = tensor(dtype, std::move(shape));
    auto& t = plan_.tensors[static_cast<size_t>(id)];
    t.kind = sparq::TensorKind::kConstant;
    t.data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());
    set(id, values);
    return id;
  }
  // Makes `id` share the arena bytes (offset and buffer) of `other`, as the memory planner does for aliases.
  void alias(int id, int other) {
    plan_.tensors[static_cast<size_t>(id)].offset = plan_.tensors[static_cast<size_t>(other)].offset;
    alias_of_.resize(plan_.tensors.size(), -1);
    alias_of_[static_cast<size_t>(id)] = other;
  }
  template <typename T>
  void set(int id, const std::vector<T>& values) {
    auto& buf = buffers_[static_cast<size_t>(id)];
    if (values.size() * sizeof(T) > buf.size()) buf.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(buf.data(), values.data(), values.size() * sizeof(T));
  }
  template <typename T>
  std::vector<T> get(int id) const {
    const auto& t = plan_.tensors[static_cast<size_t>(id)];
    std::vector<T> out(static_cast<size_t>(t.numel()));
    if (!out.empty()) std::memcpy(out.data(), data_of(id), out.size() * sizeof(T));
    return out;
  }
  const sparq::TensorDesc& desc(int id) const { return plan_.tensors[static_cast<size_t>(id)]; }

  sparq::OpDesc op(const std::string& type, std::vector<int32_t> inputs, std::vector<int32_t> outputs) const {
    sparq::OpDesc d;
    d.type = type;
    d.name = "node_" + type;
    d.inputs = std::move(inputs);
    d.outputs = std::move(outputs);
    return d;
  }

  std::unique_ptr<sparq::Op> build(const sparq::OpDesc& d, int threads = 1) const {
    sparq::OpFactory f = sparq::OpRegistry::instance().find(d.type);
    if (!f) throw std::runtime_error("op type not registered: " + d.type);
    const sparq::CpuFeatures features = sparq::features_for_level(sparq::default_level());
    sparq::BuildContext ctx{plan_, features, threads};
    return f(d, ctx);
  }

  // Builds and runs `d`; returns the run-time error ("" on success).
  std::string run(const sparq::OpDesc& d, int threads = 1) {
    std::unique_ptr<sparq::Op> op = build(d, threads);
    sparq::ThreadPool pool(threads);
    sparq::RunContext ctx;
    ctx.pool = &pool;
    for (size_t i = 0; i < plan_.tensors.size(); ++i) ctx.data.push_back(data_of(static_cast<int>(i)));
    op->run(ctx);
    return ctx.error;
  }

 private:
  void* data_of(int id) const {
    int target = id;
    if (static_cast<size_t>(id) < alias_of_.size() && alias_of_[static_cast<size_t>(id)] >= 0)
      target = alias_of_[static_cast<size_t>(id)];
    return const_cast<uint8_t*>(buffers_[static_cast<size_t>(target)].data());
  }

  sparq::PlanDesc plan_;
  std::vector<std::vector<uint8_t>> buffers_;
  std::vector<int> alias_of_;
  uint64_t next_offset_ = 0;
};

// Deterministic pseudo-random values in [lo, hi) for test inputs.
inline std::vector<float> random_floats(size_t n, float lo, float hi, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 12345u;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = lo + (hi - lo) * static_cast<float>(s >> 8) / 16777216.f;
  }
  return v;
}

}  // namespace sparq_test

// Checks that a run reported no error (CHECK_EQ cannot print strings).
#define CHECK_RUN_OK(expr)                                                                      \
  do {                                                                                          \
    const std::string err_ = (expr);                                                            \
    if (!err_.empty()) ::sparq_test::report_failure(__FILE__, __LINE__, "run failed: " + err_); \
  } while (0)

#define CHECK_STR_EQ(a, b)                                                                             \
  do {                                                                                                 \
    const std::string sa_ = (a), sb_ = (b);                                                            \
    if (sa_ != sb_) ::sparq_test::report_failure(__FILE__, __LINE__, "\"" + sa_ + "\" != \"" + sb_ + "\""); \
  } while (0)

// Builds one-op plans for the fp32 op tests: tensors with their own buffers, the op via OpRegistry, run on a pool.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/cpu.h"
#include "runtime/op.h"
#include "runtime/thread-pool.h"

namespace sparq_test {

// Deterministic values in [-1, 1).
inline std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 12345u;
  for (auto& e : v) {
    s = s * 1664525u + 1013904223u;
    e = static_cast<float>((s >> 8) & 0xFFFF) / 32768.f - 1.f;
  }
  return v;
}

class F32PlanFixture {
 public:
  // A runtime (arena) tensor holding `values`; returns its id.
  int32_t input(const std::vector<int64_t>& shape, const std::vector<float>& values) {
    return add(shape, sparq::TensorKind::kArena, values);
  }
  int32_t constant(const std::vector<int64_t>& shape, const std::vector<float>& values) {
    return add(shape, sparq::TensorKind::kConstant, values);
  }
  int32_t output(const std::vector<int64_t>& shape) {
    size_t n = 1;
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    return add(shape, sparq::TensorKind::kArena, std::vector<float>(n, -777.f));
  }
  // Builds the op through the registry (throws PlanError like the executor would), at the default ISA level
  // unless `features` is given.
  std::unique_ptr<sparq::Op> build(const std::string& type, const std::vector<int32_t>& inputs, int32_t out,
                                   const sparq::OpAttrs& attrs, int threads = 1,
                                   const sparq::CpuFeatures* features = nullptr) {
    sparq::OpDesc desc;
    desc.type = type;
    desc.name = "node_" + type;
    desc.inputs = inputs;
    desc.outputs = {out};
    desc.attrs = attrs;
    plan_.ops = {desc};
    features_ = features ? *features : sparq::features_for_level(sparq::default_level());
    sparq::BuildContext ctx{plan_, features_, threads};
    auto factory = sparq::OpRegistry::instance().find(type);
    if (!factory) throw sparq::PlanError("no op " + type);
    return factory(plan_.ops[0], ctx);
  }
  // Runs the op on a pool of `threads` and returns the output's values.
  std::vector<float> run(sparq::Op& op, int32_t out, int threads) {
    sparq::ThreadPool pool(threads);
    sparq::RunContext ctx;
    ctx.pool = &pool;
    for (size_t i = 0; i < plan_.tensors.size(); ++i) {
      auto& t = plan_.tensors[i];
      if (t.kind == sparq::TensorKind::kConstant) ctx.data.push_back(t.data.data());
      else ctx.data.push_back(buffers_[i].data());
    }
    std::fill(buffers_[static_cast<size_t>(out)].begin(), buffers_[static_cast<size_t>(out)].end(), -777.f);
    op.run(ctx);
    error_ = ctx.error;
    return buffers_[static_cast<size_t>(out)];
  }
  const std::string& error() const { return error_; }
  // The bytes a RunContext would point at for tensor `id` (benchmarks run the op without refilling outputs).
  void* data_of(int32_t id) {
    auto& t = plan_.tensors[static_cast<size_t>(id)];
    return t.kind == sparq::TensorKind::kConstant ? static_cast<void*>(t.data.data())
                                                  : static_cast<void*>(buffers_[static_cast<size_t>(id)].data());
  }

 private:
  int32_t add(const std::vector<int64_t>& shape, sparq::TensorKind kind, const std::vector<float>& values) {
    sparq::TensorDesc t;
    t.dtype = sparq::DType::kFloat32;
    t.shape = shape;
    t.kind = kind;
    if (kind == sparq::TensorKind::kConstant) {
      t.data.resize(values.size() * sizeof(float));
      if (!values.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());
    }
    plan_.tensors.push_back(t);
    buffers_.push_back(values);
    return static_cast<int32_t>(plan_.tensors.size() - 1);
  }

  sparq::PlanDesc plan_;
  sparq::CpuFeatures features_;
  std::vector<std::vector<float>> buffers_;
  std::string error_;
};

}  // namespace sparq_test

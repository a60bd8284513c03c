// The interface between the executor and an op: built once per plan, run once per inference.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/cpu.h"
#include "runtime/plan-desc.h"
#include "runtime/thread-pool.h"

namespace sparq {

// What an op factory sees at plan-compile time: every tensor's dtype/shape/kind, constant bytes
// (for packing weights), the CPU features of the plan's ISA level, and the thread count.
struct BuildContext {
  const PlanDesc& plan;
  const CpuFeatures& features;
  int threads;

  const TensorDesc& tensor(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= plan.tensors.size()) throw PlanError("tensor id out of range");
    return plan.tensors[static_cast<size_t>(id)];
  }
};

// What an op sees at run time: pointers to every tensor's bytes and the pool.
struct RunContext {
  std::vector<void*> data;  // indexed by tensor id; constants point at their bytes
  ThreadPool* pool = nullptr;
  std::string error;  // set through fail(); the executor stops the plan and the run rejects with it

  void fail(const std::string& message) {
    if (error.empty()) error = message;
  }

  template <typename T>
  T* ptr(int32_t id) const { return id < 0 ? nullptr : static_cast<T*>(data[static_cast<size_t>(id)]); }
};

class Op {
 public:
  virtual ~Op() = default;
  // Must not throw for valid plans: all validation happens in the factory.
  virtual void run(RunContext& ctx) = 0;
  // Short description of the algorithm / kernel chosen, e.g. "f32-gemm-14x32-avx512 im2col".
  virtual std::string kernel_name() const { return ""; }
};

// Validates the descriptor against tensor shapes (throwing PlanError with a clear message),
// packs constant weights, and returns the op.
using OpFactory = std::unique_ptr<Op> (*)(const OpDesc& desc, const BuildContext& ctx);

class OpRegistry {
 public:
  void add(const std::string& type, OpFactory factory);
  OpFactory find(const std::string& type) const;  // nullptr when unknown
  std::vector<std::string> types() const;
  static const OpRegistry& instance();

 private:
  std::vector<std::pair<std::string, OpFactory>> entries_;
};

// One registration function per op family file in native/ops/ (see op-registry.cc).
void register_conv_ops(OpRegistry& r);         // ops/conv.cc, ops/conv-transpose.cc
void register_gemm_ops(OpRegistry& r);         // ops/gemm.cc (Gemm, MatMul)
void register_elementwise_ops(OpRegistry& r);  // ops/elementwise.cc (unary, binary, Where, Cast ...)
void register_pool_ops(OpRegistry& r);         // ops/pool.cc
void register_shape_ops(OpRegistry& r);        // ops/data-movement.cc (Reshape, Transpose, Concat ...)
void register_reduce_ops(OpRegistry& r);       // ops/reduce.cc (Reduce*, ArgMax, Softmax ...)
void register_norm_ops(OpRegistry& r);         // ops/normalization.cc (BatchNorm affine, LayerNorm)
void register_resize_ops(OpRegistry& r);       // ops/resize.cc
void register_quant_ops(OpRegistry& r);        // ops/quantize.cc (int8 issue; may register nothing yet)
void register_qconv_ops(OpRegistry& r);        // ops/qconv.cc (QConv), ops/qgemm-op.cc (QGemm)

}  // namespace sparq

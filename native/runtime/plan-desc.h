// Plain C++ form of a compiled plan, as the addon decodes it from JS (see lib/plan/plan-desc.ts).
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/dtype.h"

namespace sparq {

// Thrown for any malformed plan or op descriptor; the addon turns it into a JS Error.
struct PlanError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Attribute numbers come from untrusted models as doubles; casting one outside the target's range is undefined
// behaviour, so integers saturate (NaN -> 0) and floats go to +-infinity (found by native/fuzz/plan-fuzz.cc).
inline int64_t attr_to_int64(double v) {
  if (v != v) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(v);
}
inline float attr_to_float(double v) {
  if (v > 3.4028234663852886e38) return __builtin_huge_valf();
  if (v < -3.4028234663852886e38) return -__builtin_huge_valf();
  return static_cast<float>(v);
}

// Op attributes: every value is a list of numbers (a scalar is a list of one) or a string.
class OpAttrs {
 public:
  std::map<std::string, std::vector<double>> numbers;
  std::map<std::string, std::string> strings;

  bool has(const std::string& name) const { return numbers.count(name) || strings.count(name); }
  int64_t i(const std::string& name, int64_t fallback) const {
    auto it = numbers.find(name);
    return (it == numbers.end() || it->second.empty()) ? fallback : attr_to_int64(it->second[0]);
  }
  int64_t i(const std::string& name) const { return attr_to_int64(required(name)[0]); }
  float f(const std::string& name, float fallback) const {
    auto it = numbers.find(name);
    return (it == numbers.end() || it->second.empty()) ? fallback : attr_to_float(it->second[0]);
  }
  std::vector<int64_t> ints(const std::string& name) const {
    auto it = numbers.find(name);
    std::vector<int64_t> out;
    if (it != numbers.end()) for (double v : it->second) out.push_back(attr_to_int64(v));
    return out;
  }
  std::vector<float> floats(const std::string& name) const {
    auto it = numbers.find(name);
    std::vector<float> out;
    if (it != numbers.end()) for (double v : it->second) out.push_back(attr_to_float(v));
    return out;
  }
  std::string s(const std::string& name, const std::string& fallback) const {
    auto it = strings.find(name);
    return it == strings.end() ? fallback : it->second;
  }

 private:
  const std::vector<double>& required(const std::string& name) const {
    auto it = numbers.find(name);
    if (it == numbers.end() || it->second.empty()) throw PlanError("missing attribute '" + name + "'");
    return it->second;
  }
};

// Where a tensor's bytes live for the duration of a run.
enum class TensorKind : int32_t {
  kArena = 0,     // intermediate: bytes at `offset` in the plan's arena
  kConstant = 1,  // weights and other constants: bytes in `data`
  kInput = 2,     // graph input: copied into the arena at `offset` before the run
  kOutput = 3,    // graph output: lives in the arena at `offset`, copied out after the run
};

struct TensorDesc {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;  // concrete; every plan is compiled for one input-shape signature
  TensorKind kind = TensorKind::kArena;
  uint64_t offset = 0;         // byte offset in the arena (64-byte aligned) for non-constants
  std::vector<uint8_t> data;   // constants only; little-endian element bytes

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  uint64_t bytes() const { return static_cast<uint64_t>(numel()) * dtype_size(dtype); }
};

struct OpDesc {
  std::string type;             // native op name, see native/ops/README.md
  std::string name;             // ONNX node name, for error messages and profiles
  std::vector<int32_t> inputs;  // tensor ids; -1 marks an absent optional input
  std::vector<int32_t> outputs;
  OpAttrs attrs;
};

struct PlanDesc {
  int32_t threads = 1;
  std::string isa;              // "" = the process default; otherwise a level name, see cpu.h
  uint64_t arena_bytes = 0;
  std::vector<TensorDesc> tensors;
  std::vector<OpDesc> ops;
  std::vector<int32_t> inputs;   // graph inputs in feed order
  std::vector<int32_t> outputs;  // graph outputs in result order
  // Optional: early-exit tensors (float32 class scores), in execution order, used by runs that give a confidence
  // threshold but no exits of their own (see runtime/executor-exit.h). Empty = none.
  std::vector<int32_t> exits;
};

}  // namespace sparq

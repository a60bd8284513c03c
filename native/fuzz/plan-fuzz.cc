// libFuzzer harness: fuzz bytes → a small PlanDesc of real op types with fuzzed dtypes, shapes, kinds and attrs;
// the executor must either refuse it (PlanError from validation or an op factory) or run it memory-safely.
// Built and run by scripts/fuzz.js with -fsanitize=fuzzer,address,undefined.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "runtime/executor.h"
#include "runtime/op.h"
#include "runtime/plan-desc.h"

namespace {

using sparq::DType;
using sparq::OpDesc;
using sparq::PlanDesc;
using sparq::TensorDesc;
using sparq::TensorKind;

// Plans whose tensors would need more than this are given a too-small arena, so only validation is exercised
// (the fuzzer must not spend its time in allocation, nor trip libFuzzer's RSS limit).
constexpr uint64_t kMaxArenaBytes = 8u << 20;
constexpr uint64_t kMaxConstantBytes = 1u << 20;

const DType kDTypes[] = {DType::kFloat32, DType::kFloat32, DType::kFloat32, DType::kInt64,
                         DType::kInt32,   DType::kUInt8,   DType::kInt8,    DType::kBool};

const char* const kNumberAttrs[] = {
    "axis",   "axes",     "perm",          "starts",     "steps",  "pads",   "kernel_shape",     "strides",
    "dilations", "group", "keepdims",      "to",         "alpha",  "beta",   "epsilon",          "min",
    "max",    "scales",   "transA",        "transB",     "alpha_act", "beta_act", "count_include_pad",
    "select_last_index", "value"};
const char* const kStringAttrs[] = {"activation", "mode", "approximate", "coordinate_transformation_mode",
                                    "nearest_mode"};
const char* const kStringValues[] = {"none",      "relu",          "clip",       "leaky_relu",   "sigmoid",
                                     "hard_sigmoid", "hard_swish", "silu",       "tanh",         "gelu",
                                     "constant",  "reflect",       "edge",       "nearest",      "linear",
                                     "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                     "tf_half_pixel_for_nn", "round_prefer_floor", "round_prefer_ceil", "floor",
                                     "ceil",      "bogus",         ""};

int64_t fuzz_dim(FuzzedDataProvider& fdp) {
  // Mostly small dims so shapes can agree; now and then the values validation must refuse.
  switch (fdp.ConsumeIntegralInRange<int>(0, 15)) {
    case 0: return -1;
    case 1: return int64_t{1} << fdp.ConsumeIntegralInRange<int>(20, 62);
    default: return fdp.ConsumeIntegralInRange<int64_t>(0, 6);
  }
}

double fuzz_number(FuzzedDataProvider& fdp) {
  switch (fdp.ConsumeIntegralInRange<int>(0, 11)) {
    case 0: return -1;
    case 1: return 1e300;
    case 2: return -9.3e18;
    case 3: return fdp.ConsumeFloatingPoint<double>();
    case 4: return fdp.ConsumeProbability<double>();
    default: return fdp.ConsumeIntegralInRange<int>(0, 4);
  }
}

// Saturating product so absurd shapes are recognized without overflow in the harness itself.
uint64_t bytes_of(const TensorDesc& t) {
  uint64_t n = sparq::dtype_size(t.dtype);
  for (int64_t d : t.shape) {
    if (d < 0) return UINT64_MAX;
    if (d != 0 && n > UINT64_MAX / static_cast<uint64_t>(d)) return UINT64_MAX;
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

PlanDesc build_plan(FuzzedDataProvider& fdp, const std::vector<std::string>& types) {
  PlanDesc plan;
  plan.threads = fdp.ConsumeIntegralInRange<int32_t>(1, 2);
  plan.isa = "";
  const int tensor_count = fdp.ConsumeIntegralInRange<int>(1, 7);
  uint64_t offset = 0;
  bool oversized = false;
  for (int i = 0; i < tensor_count; ++i) {
    TensorDesc t;
    t.dtype = kDTypes[fdp.ConsumeIntegralInRange<size_t>(0, sizeof(kDTypes) / sizeof(kDTypes[0]) - 1)];
    const int rank = fdp.ConsumeIntegralInRange<int>(0, 4);
    for (int d = 0; d < rank; ++d) t.shape.push_back(fuzz_dim(fdp));
    t.kind = static_cast<TensorKind>(fdp.ConsumeIntegralInRange<int32_t>(0, 3));
    const uint64_t bytes = bytes_of(t);
    if (t.kind == TensorKind::kConstant) {
      const size_t n = bytes <= kMaxConstantBytes ? static_cast<size_t>(bytes) : 16;
      t.data.resize(n);
      const std::vector<uint8_t> raw = fdp.ConsumeBytes<uint8_t>(n);
      if (!raw.empty()) std::memcpy(t.data.data(), raw.data(), raw.size());
    } else {
      if (bytes > kMaxArenaBytes) oversized = true;
      t.offset = offset;
      if (!oversized) offset += (bytes + 63) / 64 * 64;
      if (fdp.ConsumeIntegralInRange<int>(0, 31) == 0) t.offset = fdp.ConsumeIntegral<uint32_t>();
    }
    plan.tensors.push_back(std::move(t));
  }
  plan.arena_bytes = oversized ? 64 : offset;
  if (fdp.ConsumeIntegralInRange<int>(0, 31) == 0) plan.arena_bytes = fdp.ConsumeIntegralInRange<uint64_t>(0, offset);

  for (size_t id = 0; id < plan.tensors.size(); ++id) {
    if (plan.tensors[id].kind == TensorKind::kInput) plan.inputs.push_back(static_cast<int32_t>(id));
    if (plan.tensors[id].kind == TensorKind::kOutput) plan.outputs.push_back(static_cast<int32_t>(id));
  }

  const int op_count = fdp.ConsumeIntegralInRange<int>(1, 3);
  for (int k = 0; k < op_count; ++k) {
    OpDesc op;
    op.type = types[fdp.ConsumeIntegralInRange<size_t>(0, types.size() - 1)];
    op.name = "fuzz_" + std::to_string(k);
    const int n_in = fdp.ConsumeIntegralInRange<int>(0, 4);
    for (int i = 0; i < n_in; ++i) op.inputs.push_back(fdp.ConsumeIntegralInRange<int32_t>(-1, tensor_count - 1));
    const int n_out = fdp.ConsumeIntegralInRange<int>(1, 3);
    for (int i = 0; i < n_out; ++i) op.outputs.push_back(fdp.ConsumeIntegralInRange<int32_t>(0, tensor_count - 1));
    const int n_attrs = fdp.ConsumeIntegralInRange<int>(0, 6);
    for (int a = 0; a < n_attrs; ++a) {
      if (fdp.ConsumeBool()) {
        const char* name = kNumberAttrs[fdp.ConsumeIntegralInRange<size_t>(0, sizeof(kNumberAttrs) / sizeof(kNumberAttrs[0]) - 1)];
        std::vector<double> values;
        const int n = fdp.ConsumeIntegralInRange<int>(0, 5);
        for (int v = 0; v < n; ++v) values.push_back(fuzz_number(fdp));
        op.attrs.numbers[name] = values;
      } else {
        const char* name = kStringAttrs[fdp.ConsumeIntegralInRange<size_t>(0, sizeof(kStringAttrs) / sizeof(kStringAttrs[0]) - 1)];
        op.attrs.strings[name] =
            kStringValues[fdp.ConsumeIntegralInRange<size_t>(0, sizeof(kStringValues) / sizeof(kStringValues[0]) - 1)];
      }
    }
    plan.ops.push_back(std::move(op));
  }
  return plan;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> types = sparq::OpRegistry::instance().types();
  FuzzedDataProvider fdp(data, size);
  PlanDesc desc = build_plan(fdp, types);

  // Input bytes of exactly the sizes the plan wants, filled from what is left of the fuzz data.
  std::vector<std::vector<uint8_t>> inputs;
  for (int32_t id : desc.inputs) {
    const uint64_t bytes = bytes_of(desc.tensors[static_cast<size_t>(id)]);
    if (bytes > kMaxArenaBytes) return 0;  // validation already refuses these; no input to build
    std::vector<uint8_t> in(static_cast<size_t>(bytes));
    const std::vector<uint8_t> raw = fdp.ConsumeBytes<uint8_t>(in.size());
    if (!raw.empty()) std::memcpy(in.data(), raw.data(), raw.size());
    inputs.push_back(std::move(in));
  }

  try {
    sparq::Plan plan(std::move(desc));
    std::vector<sparq::InputView> views;
    for (const auto& in : inputs) views.push_back({in.data(), in.size()});
    plan.run(views);
    plan.run(views);  // a second run reuses the arena and any per-op scratch
  } catch (const sparq::PlanError&) {
  } catch (const sparq::RunError&) {
  } catch (const sparq::InputError&) {
  }
  // Anything else escaping (std::bad_alloc, std::out_of_range, ...) is a bug: libFuzzer reports it as a crash.
  return 0;
}

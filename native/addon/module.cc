// Module init: a flat exports list (Plan, capabilities, stats, opTypes); per-environment, so worker_threads work.
#include <napi.h>

#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

#include "addon/addon-stats.h"
#include "addon/kernel-bench-sparse.h"
#include "addon/kernel-bench.h"
#include "addon/plan-object.h"
#include "addon/xxh64-export.h"
#include "runtime/cpu.h"
#include "runtime/op.h"

namespace sparq_addon {
namespace {

Napi::Array string_array(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array out = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) out.Set(static_cast<uint32_t>(i), items[i]);
  return out;
}

// Threads this process may run on (the affinity mask, so containers and taskset are honoured).
int usable_threads() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

class SparqAddon : public Napi::Addon<SparqAddon> {
 public:
  SparqAddon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("Plan", PlanObject::define_class(env), napi_enumerable),
                             InstanceMethod("capabilities", &SparqAddon::capabilities, napi_enumerable),
                             InstanceMethod("stats", &SparqAddon::stats, napi_enumerable),
                             InstanceMethod("opTypes", &SparqAddon::op_types, napi_enumerable),
                         });
  }

 private:
  Napi::Value capabilities(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("levels", string_array(env, sparq::available_levels()));
    out.Set("detected", string_array(env, sparq::detected_feature_names()));
    out.Set("selected", sparq::default_level());
    out.Set("threads", usable_threads());
    out.Set("cpu", sparq::cpu_brand());
#if defined(__x86_64__) || defined(_M_X64)
    out.Set("arch", "x64");
#elif defined(__aarch64__)
    out.Set("arch", "arm64");
#else
    out.Set("arch", "unknown");
#endif
    return out;
  }

  Napi::Value stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("runCalls", static_cast<double>(run_calls.load()));
    out.Set("plansAlive", static_cast<double>(plans_alive.load()));
    return out;
  }

  Napi::Value op_types(const Napi::CallbackInfo& info) {
    return string_array(info.Env(), sparq::OpRegistry::instance().types());
  }
};

}  // namespace
}  // namespace sparq_addon

// Global scope: NODE_API_MODULE pastes the function name into a symbol.
static Napi::Object InitSparq(Napi::Env env, Napi::Object exports) {
  Napi::Object out = sparq_addon::SparqAddon::Init(env, exports);
  // Kernel benchmarks (bench/suites/int8.js, winograd.js, sparse.js): timed in C++, outside any plan.
  AddKernelBenchExports(env, out);
  AddSparseBenchExports(env, out);
  // The .sparq payload checksum (lib/format/sparq-checksum.ts).
  AddXxh64Export(env, out);
  return out;
}
NODE_API_MODULE(sparq, InitSparq)

// The JS `Plan` class: owns a shared sparq::Plan so that dispose() during an async run frees memory only when the run ends.
#pragma once
#include <napi.h>

#include <memory>

#include "runtime/executor.h"

namespace sparq_addon {

// Property names read and written on every early-exit run, made once per plan object and kept in a JS array (N-API
// before version 10 has no references to strings): napi_*_named_property would make a string from a C string and
// look it up in V8's string table on every call, ~100 ns apiece.
class RunKeys {
 public:
  enum Key : uint32_t { kConfidence, kExits, kOutputs, kExit, kConfident, kOpsRun };
  explicit RunKeys(Napi::Env env);
  // The names as JS strings, indexed by Key; valid while the caller's handle scope is.
  Napi::Array names() const { return names_.Value(); }

 private:
  Napi::Reference<Napi::Array> names_;
};

class PlanObject : public Napi::ObjectWrap<PlanObject> {
 public:
  static Napi::Function define_class(Napi::Env env);

  explicit PlanObject(const Napi::CallbackInfo& info);
  ~PlanObject() override;

 private:
  Napi::Value run_sync(const Napi::CallbackInfo& info);
  Napi::Value run(const Napi::CallbackInfo& info);
  Napi::Value kernels(const Napi::CallbackInfo& info);
  Napi::Value last_timings(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);

  // The live plan, or throws "Plan was disposed".
  std::shared_ptr<sparq::Plan> live(const Napi::Env& env) const;

  std::shared_ptr<sparq::Plan> plan_;
  RunKeys keys_;
};

}  // namespace sparq_addon

// The JS `Plan` class: owns a shared sparq::Plan so that dispose() during an async run frees memory only when the run ends.
#pragma once
#include <napi.h>

#include <memory>

#include "runtime/executor.h"

namespace sparq_addon {

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
};

}  // namespace sparq_addon

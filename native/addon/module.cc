// STUB (replaced by the runtime work): module init with capabilities only.
#include <napi.h>

#include "runtime/cpu.h"

namespace {

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("selected", sparq::default_level());
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("capabilities", Napi::Function::New(env, Capabilities));
  return exports;
}

}  // namespace

NODE_API_MODULE(sparq, Init)

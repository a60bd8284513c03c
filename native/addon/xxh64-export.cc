// xxh64(view) for JavaScript: hashes the view's bytes in place (no copy), on the calling thread (~0.1 ms per MB).
#include "addon/xxh64-export.h"

#include "addon/array-buffer-view.h"
#include "runtime/xxh64.h"

namespace {

Napi::Value Xxh64(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sparq_addon::ByteView view;
  if (info.Length() < 1 || !sparq_addon::array_buffer_view_bytes(info[0], view)) {
    throw Napi::TypeError::New(env, "Expected a Uint8Array, Buffer or other ArrayBufferView for bytes but received another value");
  }
  return Napi::BigInt::New(env, sparq::xxh64(view.data, view.bytes));
}

}  // namespace

void AddXxh64Export(Napi::Env env, Napi::Object exports) { exports.Set("xxh64", Napi::Function::New(env, Xxh64, "xxh64")); }

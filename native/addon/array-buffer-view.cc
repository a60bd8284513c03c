// Reads ArrayBufferView bytes through the raw N-API calls, which (unlike Napi::ArrayBuffer) accept SharedArrayBuffers.
#include "addon/array-buffer-view.h"

namespace sparq_addon {

bool array_buffer_view_bytes(const Napi::Value& value, ByteView& out) {
  napi_env env = value.Env();
  void* data = nullptr;
  size_t bytes = 0;
  if (value.IsTypedArray()) {
    napi_typedarray_type type;
    size_t length = 0;
    napi_value buffer;
    size_t offset = 0;
    if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) return false;
    bytes = value.As<Napi::TypedArray>().ByteLength();
  } else if (value.IsDataView()) {
    napi_value buffer;
    size_t offset = 0;
    if (napi_get_dataview_info(env, value, &bytes, &data, &buffer, &offset) != napi_ok) return false;
  } else {
    return false;
  }
  out.data = static_cast<const uint8_t*>(data);
  out.bytes = data ? bytes : 0;
  return true;
}

}  // namespace sparq_addon

// Reads ArrayBufferView bytes through the raw N-API calls, which (unlike Napi::ArrayBuffer) accept SharedArrayBuffers.
#include "addon/array-buffer-view.h"

namespace sparq_addon {
namespace {

size_t element_bytes(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      return 8;
    default:  // a type newer than this list: ask node-addon-api
      return 0;
  }
}

}  // namespace

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
    const size_t element = element_bytes(type);
    bytes = element ? length * element : value.As<Napi::TypedArray>().ByteLength();
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

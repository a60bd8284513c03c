// The bytes behind a typed array, Buffer or DataView, including views of SharedArrayBuffers.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace sparq_addon {

struct ByteView {
  const uint8_t* data = nullptr;
  size_t bytes = 0;
};

// Returns false when `value` is not an ArrayBufferView. A detached buffer gives {nullptr, 0}.
bool array_buffer_view_bytes(const Napi::Value& value, ByteView& out);

}  // namespace sparq_addon

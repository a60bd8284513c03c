// Export of the .sparq payload checksum (lib/format/sparq-checksum.ts): XXH64 over a typed array's bytes.
#pragma once
#include <napi.h>

// Adds to `exports`:
//   xxh64(view: ArrayBufferView) -> bigint   (XXH64 with seed 0 of the view's bytes)
void AddXxh64Export(Napi::Env env, Napi::Object exports);

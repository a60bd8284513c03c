// XXH64, the 64-bit xxHash: the payload checksum of .sparq files (format version 3), ~10x faster than CRC32 here.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

// XXH64 of `bytes` bytes at `data` with `seed`, as the xxHash specification defines it (little-endian lanes on
// every host), so files hash the same everywhere.
uint64_t xxh64(const uint8_t* data, size_t bytes, uint64_t seed = 0);

}  // namespace sparq

// Element types the executor knows, with their sizes; codes match lib/plan/plan-desc.ts.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sparq {

enum class DType : int32_t {
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
};

inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32: return 4;
    case DType::kUInt8: return 1;
    case DType::kInt8: return 1;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kBool: return 1;
  }
  return 0;
}

inline bool dtype_valid(int32_t code) {
  return code == 1 || code == 2 || code == 3 || code == 6 || code == 7 || code == 9;
}

}  // namespace sparq

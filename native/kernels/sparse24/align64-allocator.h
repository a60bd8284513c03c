// std::allocator replacement aligning to 64 bytes, so packed weight panels start on a cache line (no split loads).
#pragma once
#include <cstddef>
#include <new>
#include <vector>

namespace sparq {

template <typename T>
struct Align64Allocator {
  using value_type = T;
  Align64Allocator() = default;
  template <typename U>
  Align64Allocator(const Align64Allocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t{64}); }
  template <typename U>
  bool operator==(const Align64Allocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const Align64Allocator<U>&) const { return false; }
};

template <typename T>
using Aligned64Vector = std::vector<T, Align64Allocator<T>>;

}  // namespace sparq

// A 64-byte aligned, uninitialised float buffer: packed weights and scratch that SIMD kernels read by whole cache lines.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace sparq {

class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(size_t n) { resize(n); }
  // Grows (never shrinks); contents are not preserved.
  void resize(size_t n) {
    if (n <= size_) return;
    const size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    ptr_.reset(static_cast<float*>(p));
    size_ = n;
  }
  float* data() { return ptr_.get(); }
  const float* data() const { return ptr_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> ptr_;
  size_t size_ = 0;
};

}  // namespace sparq

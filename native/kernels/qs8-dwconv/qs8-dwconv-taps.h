// Where each tap of an int8 depthwise output pixel reads: the input pixel, or the zero-point row outside the input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/qs8-dwconv/qs8-dwconv.h"

namespace sparq {
namespace {  // internal linkage: included by kernels compiled under different ISA flags

// Pointers for the taps of one output pixel, rounded up to whole pairs (a missing last tap reads the zero row; its
// packed weight is 0). Up to 64 taps live on the stack; larger windows allocate once per output row.
class Qs8DwconvTaps {
 public:
  explicit Qs8DwconvTaps(const Qs8DwconvParams& p) : p_(p), count_((p.kernel_h * p.kernel_w + 1) / 2 * 2) {
    if (count_ > kStack) heap_.resize(count_);
    ptr_ = count_ > kStack ? heap_.data() : stack_;
    ptr_[count_ - 1] = p.zero_row;
  }
  size_t pairs() const { return count_ / 2; }
  const uint8_t* const* pointers() const { return ptr_; }

  void fill(size_t oh, size_t ow, const uint8_t* x) {
    const long ih0 = static_cast<long>(oh * p_.stride_h) - static_cast<long>(p_.pad_top);
    const long iw0 = static_cast<long>(ow * p_.stride_w) - static_cast<long>(p_.pad_left);
    size_t t = 0;
    for (size_t ki = 0; ki < p_.kernel_h; ++ki) {
      const long ih = ih0 + static_cast<long>(ki * p_.dilation_h);
      const bool row_inside = ih >= 0 && ih < static_cast<long>(p_.in_h);
      for (size_t kj = 0; kj < p_.kernel_w; ++kj, ++t) {
        const long iw = iw0 + static_cast<long>(kj * p_.dilation_w);
        ptr_[t] = row_inside && iw >= 0 && iw < static_cast<long>(p_.in_w)
                      ? x + (static_cast<size_t>(ih) * p_.in_w + static_cast<size_t>(iw)) * p_.channels
                      : p_.zero_row;
      }
    }
  }

 private:
  static constexpr size_t kStack = 64;
  const Qs8DwconvParams& p_;
  size_t count_;
  const uint8_t* stack_[kStack];
  std::vector<const uint8_t*> heap_;
  const uint8_t** ptr_;
};

}  // namespace
}  // namespace sparq

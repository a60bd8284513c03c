// Validation, compression and decompression of 2:4 structured-sparse weights (fp32 and int8).
#include "kernels/sparse24/sparse24-format.h"

#include <algorithm>

#include "runtime/plan-desc.h"

namespace sparq {

namespace {

template <typename T>
bool find_violation(const T* dense, size_t rows, size_t cols, size_t* bad_row, size_t* bad_group, int* count) {
  const size_t groups = (cols + 3) / 4;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t g = 0; g < groups; ++g) {
      int nz = 0;
      for (size_t k = 4 * g; k < cols && k < 4 * g + 4; ++k) nz += dense[r * cols + k] != T(0);
      if (nz > 2) {
        *bad_row = r;
        *bad_group = g;
        *count = nz;
        return true;
      }
    }
  }
  return false;
}

}  // namespace

template <typename T>
void sparse24_validate(const T* dense, size_t rows, size_t cols, const std::string& what) {
  size_t r = 0, g = 0;
  int nz = 0;
  if (find_violation(dense, rows, cols, &r, &g, &nz)) {
    throw PlanError("Expected 2:4 structured sparsity along K for " + what + " but received " + std::to_string(nz) +
                    " non-zeros in output channel " + std::to_string(r) + ", K " + std::to_string(4 * g) + ".." +
                    std::to_string(std::min(4 * g + 3, cols - 1)));
  }
}

template <typename T>
bool sparse24_is_valid(const T* dense, size_t rows, size_t cols) {
  size_t r = 0, g = 0;
  int nz = 0;
  return !find_violation(dense, rows, cols, &r, &g, &nz);
}

template <typename T>
Sparse24Matrix<T> sparse24_compress(const T* dense, size_t rows, size_t cols, const std::string& what) {
  sparse24_validate(dense, rows, cols, what);
  Sparse24Matrix<T> s;
  s.rows = rows;
  s.cols = cols;
  s.groups = (cols + 3) / 4;
  s.values.assign(rows * s.groups * 2, T(0));
  s.indices.assign(rows * s.index_row_bytes(), 0);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t g = 0; g < s.groups; ++g) {
      const size_t valid = std::min<size_t>(4, cols - 4 * g);
      unsigned pick[2];
      int kept = 0;
      for (unsigned i = 0; i < valid && kept < 2; ++i) {
        if (dense[r * cols + 4 * g + i] != T(0)) pick[kept++] = i;
      }
      // Fill the free slots with zero-valued positions that are still inside K, distinct and ascending.
      for (unsigned i = 0; kept < 2; ++i) {
        const unsigned cand = i % valid;
        if (kept == 1 && cand == pick[0] && valid > 1) continue;
        pick[kept++] = cand;
      }
      if (pick[0] > pick[1]) std::swap(pick[0], pick[1]);
      for (size_t slot = 0; slot < 2; ++slot) {
        const size_t e = 2 * g + slot;
        s.values[(r * s.groups + g) * 2 + slot] = dense[r * cols + 4 * g + pick[slot]];
        s.indices[r * s.index_row_bytes() + e / 4] |= static_cast<uint8_t>(pick[slot] << (2 * (e % 4)));
      }
      // When valid == 1 both slots name position 0: keep its value once.
      if (pick[0] == pick[1]) s.values[(r * s.groups + g) * 2 + 1] = T(0);
    }
  }
  return s;
}

template <typename T>
std::vector<T> sparse24_decompress(const Sparse24Matrix<T>& s) {
  std::vector<T> dense(s.rows * s.cols, T(0));
  for (size_t r = 0; r < s.rows; ++r) {
    for (size_t g = 0; g < s.groups; ++g) {
      for (size_t slot = 0; slot < 2; ++slot) {
        const T v = s.value(r, g, slot);
        if (v != T(0)) dense[r * s.cols + 4 * g + s.index(r, g, slot)] = v;
      }
    }
  }
  return dense;
}

template void sparse24_validate<float>(const float*, size_t, size_t, const std::string&);
template void sparse24_validate<int8_t>(const int8_t*, size_t, size_t, const std::string&);
template bool sparse24_is_valid<float>(const float*, size_t, size_t);
template bool sparse24_is_valid<int8_t>(const int8_t*, size_t, size_t);
template Sparse24Matrix<float> sparse24_compress<float>(const float*, size_t, size_t, const std::string&);
template Sparse24Matrix<int8_t> sparse24_compress<int8_t>(const int8_t*, size_t, size_t, const std::string&);
template std::vector<float> sparse24_decompress<float>(const Sparse24Matrix<float>&);
template std::vector<int8_t> sparse24_decompress<int8_t>(const Sparse24Matrix<int8_t>&);

}  // namespace sparq

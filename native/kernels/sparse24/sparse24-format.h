// The 2:4 structured-sparse weight format: per output channel, at most two non-zeros in every group of 4 consecutive
// K; stored as the kept values (half the dense count) and a 2-bit index per kept value.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sparq {

// rows = output channels (N), cols = K. groups = ceil(K / 4); a partial last group counts the missing K as zeros.
// values  = rows x groups x 2, kept values in increasing K order (a group with fewer non-zeros keeps zeros);
// indices = rows x ceil(groups / 2) bytes: kept value e of a row (e = 2 * group + slot) has its position within the
//           group in bits [2 * (e % 4), 2 * (e % 4) + 2) of byte e / 4. Every index points inside K.
template <typename T>
struct Sparse24Matrix {
  size_t rows = 0, cols = 0, groups = 0;
  std::vector<T> values;
  std::vector<uint8_t> indices;

  size_t index_row_bytes() const { return (groups + 1) / 2; }
  unsigned index(size_t row, size_t group, size_t slot) const {
    const size_t e = 2 * group + slot;
    return (indices[row * index_row_bytes() + e / 4] >> (2 * (e % 4))) & 3u;
  }
  const T& value(size_t row, size_t group, size_t slot) const { return values[(row * groups + group) * 2 + slot]; }
};

// Throws PlanError naming `what` and the first offending output channel and K group when a dense row-major
// rows x cols tensor (row = output channel) has more than two non-zeros in a group of 4 along K.
template <typename T>
void sparse24_validate(const T* dense, size_t rows, size_t cols, const std::string& what);

// True when the tensor is 2:4 along K (no exception).
template <typename T>
bool sparse24_is_valid(const T* dense, size_t rows, size_t cols);

// Validates (throwing like sparse24_validate) and compresses.
template <typename T>
Sparse24Matrix<T> sparse24_compress(const T* dense, size_t rows, size_t cols, const std::string& what);

// Back to dense rows x cols (zeros where nothing is kept).
template <typename T>
std::vector<T> sparse24_decompress(const Sparse24Matrix<T>& s);

}  // namespace sparq

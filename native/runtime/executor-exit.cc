// Early exit confidence: top softmax probability per row, all rows must reach the threshold.
#include "runtime/executor-exit.h"

#include <cmath>

namespace sparq {

double top_softmax_probability(const float* row, int64_t n) {
  if (n <= 0) return 0.0;
  double max = row[0];
  for (int64_t j = 0; j < n; ++j) {
    if (std::isnan(row[j])) return std::nan("");
    if (row[j] > max) max = row[j];
  }
  if (std::isinf(max)) {
    // +inf logits: the probability mass is split between the infinite entries.
    int64_t infinite = 0;
    for (int64_t j = 0; j < n; ++j) infinite += row[j] == max;
    return max > 0 ? 1.0 / static_cast<double>(infinite) : 1.0 / static_cast<double>(n);
  }
  double sum = 0.0;
  for (int64_t j = 0; j < n; ++j) sum += std::exp(static_cast<double>(row[j]) - max);
  return 1.0 / sum;
}

bool rows_confident(const float* data, int64_t rows, int64_t classes, double confidence) {
  for (int64_t r = 0; r < rows; ++r) {
    const double p = top_softmax_probability(data + r * classes, classes);
    if (!(p >= confidence)) return false;
  }
  return true;
}

}  // namespace sparq

// Early exit: the confidence rule the executor applies after an exit tensor is produced (top softmax probability).
#pragma once
#include <cstdint>
#include <vector>

namespace sparq {

// What a run asks for: stop at the first of `exits` (tensor ids, in execution order) whose rows are all confident.
// The last exit always answers: the run stops after it whether or not it is confident, so later ops never run.
struct ExitRule {
  std::vector<int32_t> exits;
  double confidence = 0.0;  // in [0, 1]; a row is confident when its top softmax probability is >= this
};

// Top softmax probability of one row, computed stably in double: 1 / sum_j exp(x_j - max). NaN anywhere -> NaN.
double top_softmax_probability(const float* row, int64_t n);

// A float32 tensor of `rows` x `classes` (softmax over the last axis) passes when EVERY row's top probability is
// >= confidence: one batch stops only when no row needs the later exits. NaN rows never pass.
bool rows_confident(const float* data, int64_t rows, int64_t classes, double confidence);

}  // namespace sparq

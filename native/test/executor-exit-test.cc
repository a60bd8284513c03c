// Early exit in the executor: which exit fires (top softmax probability, every row), that later ops never run,
// outputs never computed come back empty and unmarked, and bad exit rules / plan exits are refused.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/executor.h"
#include "test/plan-desc-builders.h"
#include "test/test-harness.h"

namespace {

using sparq::DType;
using sparq::PlanDesc;
using sparq::TensorDesc;
using sparq::TensorKind;

using sparq_test::constant;
using sparq_test::tensor;

sparq::OpDesc add(const std::string& name, int32_t a, int32_t b, int32_t y) { return sparq_test::op("Add", name, {a, b}, {y}); }

// x [2, 3] (input) -> e1 = x + c1 -> e2 = e1 + c2 -> y = e2 + c3; e1, e2, y are outputs (tensors 4, 5, 6).
// Each op adds a larger margin to class 0, so later exits are more confident.
PlanDesc three_exit_plan() {
  PlanDesc p;
  p.threads = 1;
  p.arena_bytes = 256;
  p.tensors.push_back(tensor({2, 3}, TensorKind::kInput, 0));
  p.tensors.push_back(constant({1, 0, 0}, {3}));
  p.tensors.push_back(constant({2, 0, 0}, {3}));
  p.tensors.push_back(constant({4, 0, 0}, {3}));
  p.tensors.push_back(tensor({2, 3}, TensorKind::kOutput, 64));
  p.tensors.push_back(tensor({2, 3}, TensorKind::kOutput, 128));
  p.tensors.push_back(tensor({2, 3}, TensorKind::kOutput, 192));
  p.ops.push_back(add("first", 0, 1, 4));
  p.ops.push_back(add("second", 4, 2, 5));
  p.ops.push_back(add("third", 5, 3, 6));
  p.inputs = {0};
  p.outputs = {4, 5, 6};
  return p;
}

double top_probability(const std::vector<float>& row) {
  double sum = 0;
  for (float v : row) sum += std::exp(static_cast<double>(v));
  double best = 0;
  for (float v : row) best = std::max(best, std::exp(static_cast<double>(v)) / sum);
  return best;
}

std::string input_error(sparq::Plan& plan, const std::vector<float>& x, const sparq::ExitRule& rule) {
  try {
    plan.run({{x.data(), x.size() * 4}}, {}, rule);
  } catch (const sparq::InputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

SPARQ_TEST(exit_top_softmax_probability) {
  const float uniform[4] = {0.5f, 0.5f, 0.5f, 0.5f};
  CHECK_NEAR(sparq::top_softmax_probability(uniform, 4), 0.25, 1e-15);
  const float r[2] = {0.0f, std::log(3.0f)};
  CHECK_NEAR(sparq::top_softmax_probability(r, 2), 0.75, 1e-7);
  const float big[3] = {1000.0f, 0.0f, -1000.0f};  // exp overflow without the max shift
  CHECK_EQ(sparq::top_softmax_probability(big, 3), 1.0);
  const float with_nan[2] = {1.0f, NAN};
  CHECK(std::isnan(sparq::top_softmax_probability(with_nan, 2)));
  const float infinite[3] = {INFINITY, INFINITY, 0.0f};
  CHECK_EQ(sparq::top_softmax_probability(infinite, 3), 0.5);
  const float rows[4] = {5.0f, 0.0f, 0.0f, 0.0f};  // row 0 confident, row 1 uniform
  CHECK(sparq::rows_confident(rows, 1, 2, 0.99));
  CHECK(!sparq::rows_confident(rows, 2, 2, 0.99));
  CHECK(sparq::rows_confident(rows, 2, 2, 0.5));
  CHECK(!sparq::rows_confident(with_nan, 1, 2, 0.0));
}

SPARQ_TEST(exit_fires_where_the_probabilities_say) {
  sparq::Plan plan(three_exit_plan());
  // Row logits after each op: exit k adds margins 1, 3, 7 to class 0 of x's rows.
  const std::vector<float> x = {0, 0, 0, 0.5f, 0, 0};
  const std::vector<std::vector<float>> margins = {{1, 1.5f}, {3, 3.5f}, {7, 7.5f}};
  // Expected exit for a threshold: the first exit where both rows reach it, else the last.
  for (double t : {0.0, 0.3, 0.6, 0.7, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    int want = 2;
    for (int k = 0; k < 3; ++k) {
      const bool all = top_probability({margins[k][0], 0, 0}) >= t && top_probability({margins[k][1], 0, 0}) >= t;
      if (all) {
        want = k;
        break;
      }
    }
    const sparq::RunResult r = plan.run({{x.data(), 24}}, {}, sparq::ExitRule{{4, 5, 6}, t});
    CHECK_EQ(r.exit, want);
    CHECK_EQ(r.ops_run, size_t(want + 1));
    CHECK_EQ(plan.last_timings_ms().size(), size_t(want + 1));
    CHECK_EQ(r.confident, want < 2 || top_probability({7, 0, 0}) >= t);
    for (int k = 0; k < 3; ++k) {
      // Outputs of ops that ran hold their values; later ones are empty.
      const auto& buf = r.buffers[static_cast<size_t>(k)];
      CHECK_EQ(r.written[static_cast<size_t>(k)], k <= want);
      if (k > want) {
        CHECK(buf.empty());
        continue;
      }
      CHECK_EQ(buf.size(), size_t(24));
      float v[6];
      std::memcpy(v, buf.data(), 24);
      CHECK_EQ(v[0], margins[k][0]);
      CHECK_EQ(v[3], margins[k][1]);
    }
  }
  // One unconfident row keeps the whole batch going: row 1 uniform at exits 1 and 2.
  const std::vector<float> mixed = {10, 0, 0, -1, 0, 0};  // row 1: -1+1=0 / +3=2 / +7=... class 0 wins late
  const sparq::RunResult r = plan.run({{mixed.data(), 24}}, {}, sparq::ExitRule{{4, 5, 6}, 0.8});
  CHECK_EQ(r.exit, top_probability({2, 0, 0}) >= 0.8 ? 1 : 2);
  // A plain run still runs everything.
  CHECK_EQ(plan.run({{x.data(), 24}}).size(), size_t(3));
  CHECK_EQ(plan.last_timings_ms().size(), size_t(3));
}

SPARQ_TEST(exit_last_listed_exit_always_answers) {
  sparq::Plan plan(three_exit_plan());
  const std::vector<float> x = {0, 0, 0, 0, 0, 0};
  // Only exit 2 (e2) listed and unconfident at t = 1: the run still stops there, the third op never runs.
  const sparq::RunResult r = plan.run({{x.data(), 24}}, {}, sparq::ExitRule{{5}, 1.0});
  CHECK_EQ(r.exit, 0);
  CHECK(!r.confident);
  CHECK_EQ(r.ops_run, size_t(2));
  CHECK(r.buffers[2].empty());
  CHECK(!r.written[2]);
  CHECK_EQ(r.buffers[1].size(), size_t(24));
  CHECK(r.written[1]);
}

SPARQ_TEST(exit_plan_exits_are_the_default) {
  PlanDesc p = three_exit_plan();
  p.exits = {4, 6};
  sparq::Plan plan(p);
  const std::vector<float> x = {0, 0, 0, 0, 0, 0};
  CHECK_EQ(plan.run({{x.data(), 24}}, {}, sparq::ExitRule{{}, 0.0}).exit, 0);
  CHECK_EQ(plan.run({{x.data(), 24}}, {}, sparq::ExitRule{{}, 0.99}).exit, 1);  // e1 at 0.58: falls to y
  CHECK_EQ(plan.last_timings_ms().size(), size_t(3));
  // Captures after the stop are empty, those before hold values.
  const sparq::RunResult r = plan.run({{x.data(), 24}}, {4, 5}, sparq::ExitRule{{4}, 0.0});
  CHECK_EQ(r.buffers[3].size(), size_t(24));
  CHECK(r.buffers[4].empty());
  CHECK_EQ(r.written.size(), size_t(5));
  CHECK(r.written[3] && !r.written[4]);
}

SPARQ_TEST(exit_bad_rules_are_input_errors) {
  sparq::Plan plan(three_exit_plan());
  const std::vector<float> x(6, 0.0f);
  CHECK(contains(input_error(plan, x, {{4}, -0.1}), "Expected a number in [0, 1] for the exit confidence"));
  CHECK(contains(input_error(plan, x, {{4}, 1.5}), "[0, 1]"));
  CHECK(contains(input_error(plan, x, {{4}, NAN}), "[0, 1]"));
  CHECK(contains(input_error(plan, x, {{}, 0.5}), "Expected at least one exit tensor"));
  CHECK(contains(input_error(plan, x, {{9}, 0.5}), "Expected a tensor id in [0, 7) for exits[0] but received 9"));
  CHECK(contains(input_error(plan, x, {{4, 0}, 0.5}), "Expected a tensor written by an op for exits[1]"));
  CHECK(contains(input_error(plan, x, {{5, 4}, 0.5}), "Expected exits in the order the plan computes them"));
  // A failed rule runs nothing.
  CHECK_EQ(plan.last_timings_ms().size(), size_t(3));
  for (double t : plan.last_timings_ms()) CHECK_EQ(t, 0.0);
}

SPARQ_TEST(exit_bad_plan_exits_are_plan_errors) {
  PlanDesc p = three_exit_plan();
  p.tensors.push_back(tensor({2, 3}, TensorKind::kArena, 0, DType::kInt32));
  p.exits = {7};
  std::string message;
  try {
    sparq::Plan plan(p);
  } catch (const sparq::PlanError& e) {
    message = e.what();
  }
  CHECK(contains(message, "Expected a float32 tensor with a non-empty last axis for plan.exits[0]"));
}

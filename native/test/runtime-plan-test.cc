// Plan validation (offsets, sizes, ids, op types, constants) and execution order, captures, failures, timings.
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
using sparq_test::op;
using sparq_test::tensor;

// Y = A + B (same shape, f32), in parallel chunks; B may be a constant.
class TestAdd : public sparq::Op {
 public:
  TestAdd(int32_t a, int32_t b, int32_t y, size_t n) : a_(a), b_(b), y_(y), n_(n) {}
  void run(sparq::RunContext& ctx) override {
    const float* a = ctx.ptr<float>(a_);
    const float* b = ctx.ptr<float>(b_);
    float* y = ctx.ptr<float>(y_);
    ctx.pool->parallel_for(n_, 4, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) y[i] = a[i] + b[i];
    });
  }
  std::string kernel_name() const override { return "test-add"; }

 private:
  int32_t a_, b_, y_;
  size_t n_;
};

std::unique_ptr<sparq::Op> make_test_add(const sparq::OpDesc& d, const sparq::BuildContext& ctx) {
  if (d.inputs.size() != 2 || d.outputs.size() != 1) throw sparq::PlanError("TestAdd '" + d.name + "' needs 2 inputs");
  const auto& y = ctx.tensor(d.outputs[0]);
  return std::make_unique<TestAdd>(d.inputs[0], d.inputs[1], d.outputs[0], static_cast<size_t>(y.numel()));
}

class TestFail : public sparq::Op {
 public:
  void run(sparq::RunContext& ctx) override { ctx.fail("index 7 is out of range"); }
};

std::unique_ptr<sparq::Op> make_test_fail(const sparq::OpDesc&, const sparq::BuildContext&) {
  return std::make_unique<TestFail>();
}

std::unique_ptr<sparq::Op> make_test_throw(const sparq::OpDesc&, const sparq::BuildContext&) {
  throw std::runtime_error("weights do not fit");
}

const sparq::OpRegistry& test_registry() {
  static const sparq::OpRegistry r = [] {
    sparq::OpRegistry reg;
    reg.add("TestAdd", make_test_add);
    reg.add("TestFail", make_test_fail);
    reg.add("TestThrow", make_test_throw);
    return reg;
  }();
  return r;
}

// x (input, 4 floats at 0) -> t = x + c (arena at 64) -> y = t + t (output at 128)
PlanDesc add_chain_plan() {
  PlanDesc p;
  p.threads = 2;
  p.arena_bytes = 192;
  p.tensors.push_back(tensor({4}, TensorKind::kInput, 0));
  p.tensors.push_back(constant({1, 2, 3, 4}, {4}));
  p.tensors.push_back(tensor({4}, TensorKind::kArena, 64));
  p.tensors.push_back(tensor({4}, TensorKind::kOutput, 128));
  p.ops.push_back(op("TestAdd", "first", {0, 1}, {2}));
  p.ops.push_back(op("TestAdd", "second", {2, 2}, {3}));
  p.inputs = {0};
  p.outputs = {3};
  return p;
}

std::vector<float> floats(const std::vector<uint8_t>& bytes) {
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

// The message of the PlanError thrown while building `p`, or "" when none was thrown.
std::string plan_error(const PlanDesc& p) {
  try {
    sparq::Plan plan(p, test_registry());
  } catch (const sparq::PlanError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

SPARQ_TEST(plan_runs_ops_in_order) {
  sparq::Plan plan(add_chain_plan(), test_registry());
  const std::vector<float> x = {10, 20, 30, 40};
  auto out = plan.run({{x.data(), 16}});
  CHECK_EQ(out.size(), size_t(1));
  const auto y = floats(out[0]);
  CHECK_EQ(y.size(), size_t(4));
  for (size_t i = 0; i < 4; ++i) CHECK_EQ(y[i], 2 * (x[i] + float(i + 1)));
  CHECK_EQ(plan.kernel_names().size(), size_t(2));
  CHECK_EQ(plan.kernel_names()[0], std::string("test-add"));
  CHECK_EQ(plan.last_timings_ms().size(), size_t(2));
  for (double t : plan.last_timings_ms()) CHECK(t >= 0);
}

SPARQ_TEST(plan_repeated_runs_do_not_leak_state) {
  sparq::Plan plan(add_chain_plan(), test_registry());
  for (int iter = 0; iter < 100; ++iter) {
    const std::vector<float> x = {float(iter), 0, -1, 2};
    const auto y = floats(plan.run({{x.data(), 16}})[0]);
    CHECK_EQ(y[0], 2 * (float(iter) + 1));
    CHECK_EQ(y[3], 2 * (2.0f + 4));
  }
}

SPARQ_TEST(plan_captures_intermediates_and_inputs) {
  sparq::Plan plan(add_chain_plan(), test_registry());
  const std::vector<float> x = {1, 1, 1, 1};
  auto out = plan.run({{x.data(), 16}}, {2, 0, 1});
  CHECK_EQ(out.size(), size_t(4));
  const auto t = floats(out[1]), in = floats(out[2]), c = floats(out[3]);
  for (size_t i = 0; i < 4; ++i) {
    CHECK_EQ(t[i], 1 + float(i + 1));
    CHECK_EQ(in[i], 1.0f);
    CHECK_EQ(c[i], float(i + 1));
  }
}

SPARQ_TEST(plan_capture_is_taken_before_memory_is_reused) {
  // t (at 0) is produced by op 0, consumed by op 1 whose output reuses t's memory in place.
  PlanDesc p;
  p.threads = 1;
  p.arena_bytes = 128;
  p.tensors.push_back(tensor({4}, TensorKind::kInput, 64));
  p.tensors.push_back(constant({1, 1, 1, 1}, {4}));
  p.tensors.push_back(tensor({4}, TensorKind::kArena, 0));
  p.tensors.push_back(tensor({4}, TensorKind::kOutput, 0));
  p.ops.push_back(op("TestAdd", "a", {0, 1}, {2}));
  p.ops.push_back(op("TestAdd", "b", {2, 1}, {3}));
  p.inputs = {0};
  p.outputs = {3};
  sparq::Plan plan(p, test_registry());
  const std::vector<float> x = {0, 10, 20, 30};
  auto out = plan.run({{x.data(), 16}}, {2});
  const auto y = floats(out[0]), t = floats(out[1]);
  for (size_t i = 0; i < 4; ++i) {
    CHECK_EQ(t[i], x[i] + 1);
    CHECK_EQ(y[i], x[i] + 2);
  }
}

SPARQ_TEST(plan_without_ops_returns_input_and_constant) {
  PlanDesc p;
  p.arena_bytes = 64;
  p.tensors.push_back(tensor({2, 3}, TensorKind::kInput, 0, DType::kInt8));
  p.tensors.push_back(constant({5.5f}, {}));
  p.inputs = {0};
  p.outputs = {0, 1};
  sparq::Plan plan(p, test_registry());
  const int8_t x[6] = {1, -2, 3, -4, 5, -6};
  auto out = plan.run({{x, 6}});
  CHECK_EQ(out.size(), size_t(2));
  CHECK(out[0].size() == 6 && std::memcmp(out[0].data(), x, 6) == 0);
  CHECK_EQ(floats(out[1])[0], 5.5f);
}

SPARQ_TEST(plan_zero_sized_tensors) {
  PlanDesc p;
  p.arena_bytes = 0;
  p.tensors.push_back(tensor({0, 3}, TensorKind::kInput, 0));
  p.inputs = {0};
  p.outputs = {0};
  sparq::Plan plan(p, test_registry());
  auto out = plan.run({{nullptr, 0}});
  CHECK_EQ(out[0].size(), size_t(0));
}

SPARQ_TEST(plan_skips_ops_whose_outputs_are_all_empty) {
  // Nothing to write, nothing to run: a TestFail writing an empty tensor is never called...
  PlanDesc p;
  p.arena_bytes = 0;
  p.tensors.push_back(tensor({0, 3}, TensorKind::kInput, 0));
  p.tensors.push_back(tensor({0, 3}, TensorKind::kOutput, 0));
  p.ops.push_back(op("TestFail", "never", {0}, {1}));
  p.inputs = {0};
  p.outputs = {1};
  sparq::Plan plan(p, test_registry());
  CHECK_EQ(plan.run({{nullptr, 0}})[0].size(), size_t(0));
  // ...and a real Softmax over 2^40 empty rows returns at once instead of looping over the rows.
  PlanDesc q;
  q.arena_bytes = 0;
  q.tensors.push_back(tensor({int64_t{1} << 40, 0}, TensorKind::kInput, 0));
  q.tensors.push_back(tensor({int64_t{1} << 40, 0}, TensorKind::kOutput, 0));
  q.ops.push_back(op("Softmax", "softmax", {0}, {1}));
  q.ops[0].attrs.numbers["axis"] = {1};
  q.inputs = {0};
  q.outputs = {1};
  sparq::Plan softmax(q);
  CHECK_EQ(softmax.run({{nullptr, 0}})[0].size(), size_t(0));
  // A failing op with a non-empty output still runs (and fails).
  PlanDesc r = p;
  r.arena_bytes = 64;
  r.tensors[0].shape = {1, 3};
  r.tensors[1] = tensor({1, 3}, TensorKind::kOutput, 0);
  sparq::Plan failing(r, test_registry());
  const std::vector<float> x(3, 1.f);
  CHECK_THROWS(failing.run({{x.data(), 12}}));
}

SPARQ_TEST(plan_rejects_wrong_inputs) {
  sparq::Plan plan(add_chain_plan(), test_registry());
  const std::vector<float> x = {1, 2, 3, 4};
  CHECK_THROWS(plan.run({}));
  CHECK_THROWS(plan.run({{x.data(), 12}}));
  CHECK_THROWS(plan.run({{x.data(), 16}, {x.data(), 16}}));
  CHECK_THROWS(plan.run({{x.data(), 16}}, {4}));
  CHECK_THROWS(plan.run({{x.data(), 16}}, {-1}));
  std::string message;
  try {
    plan.run({{x.data(), 12}});
  } catch (const sparq::InputError& e) {
    message = e.what();
  }
  CHECK_EQ(message, std::string("Expected 16 bytes for inputs[0] but received 12"));
}

SPARQ_TEST(plan_op_failure_names_the_node) {
  PlanDesc p = add_chain_plan();
  p.ops.insert(p.ops.begin() + 1, op("TestFail", "gather_7", {2}, {}));
  sparq::Plan plan(p, test_registry());
  const std::vector<float> x = {1, 2, 3, 4};
  std::string message, node;
  try {
    plan.run({{x.data(), 16}});
  } catch (const sparq::RunError& e) {
    message = e.what();
    node = e.node;
  }
  CHECK_EQ(node, std::string("gather_7"));
  CHECK(contains(message, "index 7 is out of range"));
  CHECK(contains(message, "gather_7"));
  // The plan stays usable after a failed run (and fails the same way again).
  CHECK_THROWS(plan.run({{x.data(), 16}}));
}

SPARQ_TEST(plan_rejects_unknown_op_type) {
  PlanDesc p = add_chain_plan();
  p.ops[1].type = "Frobnicate";
  CHECK_EQ(plan_error(p), std::string("Unsupported native op type 'Frobnicate' (node 'second')"));
}

SPARQ_TEST(plan_factory_exception_becomes_plan_error) {
  PlanDesc p = add_chain_plan();
  p.ops[0].type = "TestThrow";
  const std::string e = plan_error(p);
  CHECK(contains(e, "TestThrow") && contains(e, "first") && contains(e, "weights do not fit"));
}

SPARQ_TEST(plan_rejects_misaligned_or_out_of_arena_offsets) {
  PlanDesc p = add_chain_plan();
  p.tensors[2].offset = 32;
  CHECK(contains(plan_error(p), "64-byte aligned arena offset for plan.tensors[2].offset"));
  p = add_chain_plan();
  p.tensors[3].offset = 192;
  CHECK(contains(plan_error(p), "plan.tensors[3] (16 bytes at offset 192) to lie inside the arena of 192 bytes"));
  p = add_chain_plan();
  p.tensors[3].offset = UINT64_MAX - 63;
  CHECK(contains(plan_error(p), "inside the arena"));
  p = add_chain_plan();
  p.arena_bytes = 100;
  CHECK(contains(plan_error(p), "plan.tensors[3]"));
}

SPARQ_TEST(plan_rejects_bad_shapes_and_sizes) {
  PlanDesc p = add_chain_plan();
  p.tensors[2].shape = {4, -1};
  CHECK(contains(plan_error(p), "non-negative dimension for plan.tensors[2].shape[1]"));
  p = add_chain_plan();
  p.tensors[2].shape = {INT64_C(1) << 40, INT64_C(1) << 40};
  CHECK(contains(plan_error(p), "fits in memory for plan.tensors[2].shape"));
  p = add_chain_plan();
  p.tensors[2].shape = {INT64_C(1) << 62};  // count fits, bytes (x4) do not
  CHECK(contains(plan_error(p), "fits in memory for plan.tensors[2].shape"));
  p = add_chain_plan();
  p.tensors[2].dtype = static_cast<DType>(5);
  CHECK(contains(plan_error(p), "dtype code"));
  p = add_chain_plan();
  p.tensors[2].kind = static_cast<TensorKind>(9);
  CHECK(contains(plan_error(p), "tensor kind"));
}

SPARQ_TEST(plan_rejects_wrong_constant_size) {
  PlanDesc p = add_chain_plan();
  p.tensors[1].data.resize(12);
  CHECK_EQ(plan_error(p), std::string("Expected 16 bytes of data for constant plan.tensors[1] but received 12"));
}

SPARQ_TEST(plan_rejects_bad_ids) {
  PlanDesc p = add_chain_plan();
  p.ops[0].inputs[1] = 9;
  CHECK(contains(plan_error(p), "tensor id in [0, 4) or -1 for plan.ops[0] (TestAdd 'first').inputs[1] but received 9"));
  p = add_chain_plan();
  p.ops[0].outputs[0] = 1;
  CHECK(contains(plan_error(p), "is a constant"));
  p = add_chain_plan();
  p.outputs = {4};
  CHECK(contains(plan_error(p), "plan.outputs[0]"));
  p = add_chain_plan();
  p.inputs = {2};
  CHECK(contains(plan_error(p), "kind input"));
  p = add_chain_plan();
  p.inputs = {};
  CHECK(contains(plan_error(p), "plan.tensors[0] to be listed in plan.inputs"));
  p = add_chain_plan();
  p.inputs = {0, 0};
  CHECK(contains(plan_error(p), "listed twice"));
}

SPARQ_TEST(plan_rejects_bad_threads_and_isa) {
  PlanDesc p = add_chain_plan();
  p.threads = 0;
  CHECK(contains(plan_error(p), "plan.threads"));
  p = add_chain_plan();
  p.isa = "z80";
  CHECK(contains(plan_error(p), "z80"));
}

SPARQ_TEST(plan_uses_requested_level) {
  PlanDesc p = add_chain_plan();
  p.isa = "scalar";
  sparq::Plan plan(p, test_registry());
  CHECK_EQ(plan.level(), std::string("scalar"));
  sparq::Plan def(add_chain_plan(), test_registry());
  CHECK_EQ(def.level(), sparq::default_level());
}

SPARQ_TEST(plan_unknown_type_in_default_registry) {
  PlanDesc p = add_chain_plan();
  p.ops[0].type = "NoSuchOp";
  bool threw = false;
  try {
    sparq::Plan plan(p);
  } catch (const sparq::PlanError& e) {
    threw = contains(e.what(), "Unsupported native op type 'NoSuchOp' (node 'first')");
  }
  CHECK(threw);
}

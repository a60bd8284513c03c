// JS `Plan`: runSync on the calling thread, run on a libuv worker (inputs copied first), optional early exit, kernels, timings, dispose.
#include "addon/plan-object.h"

#include <cstring>
#include <string>
#include <vector>

#include "addon/addon-stats.h"
#include "addon/array-buffer-view.h"
#include "addon/plan-decode.h"
#include "addon/value-description.h"

namespace sparq_addon {
namespace {

// Frees the plan and keeps plansAlive honest, whichever owner (JS object or in-flight run) lets go last.
std::shared_ptr<sparq::Plan> share_plan(std::unique_ptr<sparq::Plan> plan) {
  plans_alive.fetch_add(1);
  return std::shared_ptr<sparq::Plan>(plan.release(), [](sparq::Plan* p) {
    delete p;
    plans_alive.fetch_sub(1);
  });
}

// Views of the caller's input bytes; valid only while the JS values are (i.e. during a synchronous call).
std::vector<sparq::InputView> input_views(const Napi::Value& value) {
  Napi::Env env = value.Env();
  const char* what = "an array of ArrayBufferViews (typed arrays, Buffers or DataViews)";
  if (!value.IsArray()) throw expected_type(env, what, "inputs", value);
  Napi::Array a = value.As<Napi::Array>();
  std::vector<sparq::InputView> views;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    ByteView view;
    if (!array_buffer_view_bytes(v, view))
      throw expected_type(env, "an ArrayBufferView", "inputs[" + std::to_string(i) + "]", v);
    views.push_back({view.data, view.bytes});
  }
  return views;
}

std::vector<int32_t> capture_ids(const Napi::Value& value, const std::string& name = "capture") {
  std::vector<int32_t> ids;
  if (value.IsUndefined() || value.IsNull()) return ids;
  const char* what = "an array of tensor ids";
  if (!value.IsArray()) throw expected_type(value.Env(), what, name, value);
  Napi::Array a = value.As<Napi::Array>();
  ids.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.5;
    if (d != static_cast<double>(static_cast<int32_t>(d)))
      throw expected_type(value.Env(), "an integer tensor id", name + "[" + std::to_string(i) + "]", v);
    ids.push_back(static_cast<int32_t>(d));
  }
  return ids;
}

// The optional early-exit argument: a Float64Array laid out as kExitRule* says (lib/native.ts NativeExitRule):
// [confidence, exit, confident, opsRun, exit ids...]. The first slot and the ids are read here; the run writes its
// outcome into slots 1-3 (write_exit_outcome). One typed array instead of an object: reading an object's fields
// and building a result object took ~30 N-API calls, over a microsecond of every early-exit run.
enum ExitRuleSlot : size_t { kExitRuleConfidence, kExitRuleExit, kExitRuleConfident, kExitRuleOpsRun, kExitRuleIds };

// False when `value` is undefined or null (no early exit).
bool exit_rule(const Napi::Value& value, sparq::ExitRule& rule) {
  if (value.IsUndefined() || value.IsNull()) return false;
  Napi::Env env = value.Env();
  const char* what = "a Float64Array [confidence, exit, confident, opsRun, exit ids...]";
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw expected_type(env, what, "exit", value);
  Napi::Float64Array a = value.As<Napi::Float64Array>();
  if (a.ElementLength() < kExitRuleIds) throw expected_type(env, what, "exit", value);
  const double* d = a.Data();
  rule.confidence = d[kExitRuleConfidence];
  rule.exits.clear();
  for (size_t i = kExitRuleIds; i < a.ElementLength(); ++i) {
    if (d[i] != static_cast<double>(static_cast<int32_t>(d[i])))
      throw Napi::TypeError::New(env, "Expected an integer tensor id for exit[" + std::to_string(i) + "] but received " +
                                          std::to_string(d[i]));
    rule.exits.push_back(static_cast<int32_t>(d[i]));
  }
  return true;
}

void write_exit_outcome(Napi::Float64Array rule, const sparq::RunOutcome& outcome) {
  if (rule.ElementLength() < kExitRuleIds) return;  // checked before the run; the caller cannot shrink it
  double* d = rule.Data();
  d[kExitRuleExit] = outcome.exit;
  d[kExitRuleConfident] = outcome.confident ? 1 : 0;
  d[kExitRuleOpsRun] = static_cast<double>(outcome.ops_run);
}

// One ArrayBuffer per result; slots not `written` (when given) stay holes, read as undefined.
Napi::Array to_array_buffers(Napi::Env env, const std::vector<std::vector<uint8_t>>& results,
                             const std::vector<bool>* written = nullptr) {
  Napi::Array out = Napi::Array::New(env, results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    if (written && !(*written)[i]) continue;
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, results[i].size());
    if (!results[i].empty()) std::memcpy(buffer.Data(), results[i].data(), results[i].size());
    out.Set(static_cast<uint32_t>(i), buffer);
  }
  return out;
}

// A synchronous run's results, copied by the executor straight into new ArrayBuffers (the run is on the JS thread,
// so N-API is usable), without the intermediate vectors of Plan::run.
class ArrayBufferSink final : public sparq::ResultSink {
 public:
  ArrayBufferSink(Napi::Env env, size_t slots) : env_(env), out_(Napi::Array::New(env, slots)) {}

  void write(size_t slot, const uint8_t* data, size_t bytes) override {
    void* dst = nullptr;
    napi_value buffer;
    NAPI_THROW_IF_FAILED_VOID(env_, napi_create_arraybuffer(env_, bytes, &dst, &buffer));
    if (bytes) std::memcpy(dst, data, bytes);
    out_.Set(static_cast<uint32_t>(slot), Napi::Value(env_, buffer));
  }

  // The results; slots never written (outputs of ops after an early exit) are holes, read as undefined.
  Napi::Array finish() { return out_; }

 private:
  Napi::Env env_;
  Napi::Array out_;
};

// A RunError carries the failing op; JS gets it as err.opType / err.node.
Napi::Error run_error(Napi::Env env, const std::string& message, const std::string& op_type, const std::string& node) {
  Napi::Error e = Napi::Error::New(env, message);
  if (!op_type.empty()) {
    e.Set("opType", Napi::String::New(env, op_type));
    e.Set("node", Napi::String::New(env, node));
  }
  return e;
}

// Runs a plan on a libuv worker. Everything it needs is plain C++ owned here; N-API is touched only in OnOK/OnError.
class RunWorker : public Napi::AsyncWorker {
 public:
  // `exit_array` is the caller's exit-rule Float64Array (empty without a rule): the outcome is written into it just
  // before the callback runs, and the callback reads it at once.
  RunWorker(Napi::Object receiver, Napi::Function callback, std::shared_ptr<sparq::Plan> plan,
            std::vector<std::vector<uint8_t>> inputs, std::vector<int32_t> capture, bool has_rule, sparq::ExitRule rule,
            Napi::Value exit_array)
      : Napi::AsyncWorker(receiver, callback, "sparq.Plan.run"),
        plan_(std::move(plan)),
        inputs_(std::move(inputs)),
        capture_(std::move(capture)),
        has_rule_(has_rule),
        rule_(std::move(rule)) {
    if (has_rule_) exit_array_ = Napi::Persistent(exit_array.As<Napi::Float64Array>());
  }

  void Execute() override {
    try {
      std::vector<sparq::InputView> views;
      for (const auto& in : inputs_) views.push_back({in.data(), in.size()});
      if (has_rule_) results_ = plan_->run(views, capture_, rule_);
      else results_.buffers = plan_->run(views, capture_);
    } catch (const sparq::RunError& e) {
      op_type_ = e.op_type;
      node_ = e.node;
      SetError(e.what());
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("Unknown native error while running the plan");
    }
    inputs_.clear();
    plan_.reset();  // a disposed plan is freed here, on the worker, rather than on the JS thread
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array outputs = to_array_buffers(env, results_.buffers, has_rule_ ? &results_.written : nullptr);
    if (has_rule_) write_exit_outcome(exit_array_.Value(), results_);
    results_ = sparq::RunResult();
    Callback().Call(Receiver().Value(), {env.Null(), outputs});
  }

  void OnError(const Napi::Error& e) override {
    Napi::Env env = Env();
    Callback().Call(Receiver().Value(), {run_error(env, e.Message(), op_type_, node_).Value()});
  }

 private:
  std::shared_ptr<sparq::Plan> plan_;
  std::vector<std::vector<uint8_t>> inputs_;
  std::vector<int32_t> capture_;
  bool has_rule_;
  sparq::ExitRule rule_;
  Napi::Reference<Napi::Float64Array> exit_array_;
  sparq::RunResult results_;
  std::string op_type_, node_;
};

}  // namespace

Napi::Function PlanObject::define_class(Napi::Env env) {
  return DefineClass(env, "Plan",
                     {
                         InstanceMethod("runSync", &PlanObject::run_sync),
                         InstanceMethod("run", &PlanObject::run),
                         InstanceMethod("kernels", &PlanObject::kernels),
                         InstanceMethod("lastTimings", &PlanObject::last_timings),
                         InstanceMethod("dispose", &PlanObject::dispose),
                     });
}

PlanObject::PlanObject(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<PlanObject>(info) {
  Napi::Env env = info.Env();
  sparq::PlanDesc desc = decode_plan(info[0]);
  try {
    plan_ = share_plan(std::make_unique<sparq::Plan>(std::move(desc)));
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "Out of memory while building the plan");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

PlanObject::~PlanObject() = default;

std::shared_ptr<sparq::Plan> PlanObject::live(const Napi::Env& env) const {
  if (!plan_) throw Napi::Error::New(env, "Plan was disposed");
  return plan_;
}

Napi::Value PlanObject::run_sync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  run_calls.fetch_add(1);
  std::shared_ptr<sparq::Plan> plan = live(env);
  const std::vector<sparq::InputView> inputs = input_views(info[0]);
  const std::vector<int32_t> capture = capture_ids(info[1]);
  sparq::ExitRule rule;
  const bool has_rule = exit_rule(info[2], rule);
  ArrayBufferSink sink(env, plan->desc().outputs.size() + capture.size());
  sparq::RunOutcome outcome;
  try {
    outcome = plan->run(inputs, capture, has_rule ? &rule : nullptr, sink);
  } catch (const Napi::Error&) {
    throw;  // from the sink: the JS exception is already pending
  } catch (const sparq::InputError& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const sparq::RunError& e) {
    throw run_error(env, e.what(), e.op_type, e.node);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  if (has_rule) write_exit_outcome(info[2].As<Napi::Float64Array>(), outcome);
  return sink.finish();
}

Napi::Value PlanObject::run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  run_calls.fetch_add(1);
  std::shared_ptr<sparq::Plan> plan = live(env);
  if (!info[1].IsFunction()) throw expected_type(env, "a callback function", "callback", info[1]);
  const std::vector<sparq::InputView> views = input_views(info[0]);
  std::vector<int32_t> capture = capture_ids(info[2]);
  sparq::ExitRule rule;
  const bool has_rule = exit_rule(info[3], rule);
  std::vector<size_t> sizes;
  for (const auto& v : views) sizes.push_back(v.bytes);
  try {
    plan->check_inputs(sizes, capture);
    if (has_rule) plan->check_exit_rule(rule);
  } catch (const sparq::InputError& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  // Copy now: the caller may reuse or detach its buffers as soon as run() returns.
  std::vector<std::vector<uint8_t>> inputs;
  inputs.reserve(views.size());
  for (const auto& v : views) {
    const uint8_t* p = static_cast<const uint8_t*>(v.data);
    inputs.emplace_back(p, p + v.bytes);
  }
  auto* worker = new RunWorker(info.This().As<Napi::Object>(), info[1].As<Napi::Function>(), std::move(plan),
                               std::move(inputs), std::move(capture), has_rule, std::move(rule), info[3]);
  worker->Queue();
  return env.Undefined();
}

Napi::Value PlanObject::kernels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<std::string> names = live(env)->kernel_names();
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) out.Set(static_cast<uint32_t>(i), names[i]);
  return out;
}

Napi::Value PlanObject::last_timings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<double> ms = live(env)->last_timings_ms();
  Napi::Array out = Napi::Array::New(env, ms.size());
  for (size_t i = 0; i < ms.size(); ++i) out.Set(static_cast<uint32_t>(i), ms[i]);
  return out;
}

Napi::Value PlanObject::dispose(const Napi::CallbackInfo& info) {
  plan_.reset();
  return info.Env().Undefined();
}

}  // namespace sparq_addon

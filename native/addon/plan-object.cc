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

// The optional early-exit argument { confidence: number, exits?: number[] }; false when absent.
bool exit_rule(const Napi::Value& value, const RunKeys& keys, sparq::ExitRule& rule) {
  if (value.IsUndefined() || value.IsNull()) return false;
  Napi::Env env = value.Env();
  if (!value.IsObject() || value.IsArray()) throw expected_type(env, "an object { confidence, exits? }", "exit", value);
  Napi::Object o = value.As<Napi::Object>();
  const Napi::Array names = keys.names();
  Napi::Value confidence = o.Get(names.Get(RunKeys::kConfidence));
  if (!confidence.IsNumber()) throw expected_type(env, "a number in [0, 1]", "exit.confidence", confidence);
  rule.confidence = confidence.As<Napi::Number>().DoubleValue();
  Napi::Value exits = o.Get(names.Get(RunKeys::kExits));
  if (!exits.IsUndefined() && !exits.IsNull()) rule.exits = capture_ids(exits, "exit.exits");
  return true;
}

Napi::Array to_array_buffers(Napi::Env env, const std::vector<std::vector<uint8_t>>& results) {
  Napi::Array out = Napi::Array::New(env, results.size());
  for (size_t i = 0; i < results.size(); ++i) {
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
  ArrayBufferSink(Napi::Env env, size_t slots) : env_(env), slots_(slots), out_(Napi::Array::New(env, slots)) {}

  void write(size_t slot, const uint8_t* data, size_t bytes) override {
    void* dst = nullptr;
    napi_value buffer;
    NAPI_THROW_IF_FAILED_VOID(env_, napi_create_arraybuffer(env_, bytes, &dst, &buffer));
    if (bytes) std::memcpy(dst, data, bytes);
    out_.Set(static_cast<uint32_t>(slot), Napi::Value(env_, buffer));
    ++written_;
  }

  // The results; slots never written (outputs of ops after an early exit) share one empty ArrayBuffer, which the
  // facade never hands out (it tells them from computed outputs by their empty bytes).
  Napi::Array finish() {
    if (written_ < slots_) {
      Napi::ArrayBuffer empty = Napi::ArrayBuffer::New(env_, 0);
      for (uint32_t i = 0; i < slots_; ++i)
        if (!out_.Has(i)) out_.Set(i, empty);
    }
    return out_;
  }

 private:
  Napi::Env env_;
  size_t slots_;
  Napi::Array out_;
  size_t written_ = 0;
};

// An early-exit run's result: { outputs, exit, confident, opsRun }; outputs never computed are empty ArrayBuffers.
Napi::Object to_exit_result(Napi::Env env, const RunKeys& keys, Napi::Array outputs, const sparq::RunOutcome& result) {
  const Napi::Array names = keys.names();
  Napi::Object out = Napi::Object::New(env);
  out.Set(names.Get(RunKeys::kOutputs), outputs);
  out.Set(names.Get(RunKeys::kExit), Napi::Number::New(env, result.exit));
  out.Set(names.Get(RunKeys::kConfident), Napi::Boolean::New(env, result.confident));
  out.Set(names.Get(RunKeys::kOpsRun), Napi::Number::New(env, static_cast<double>(result.ops_run)));
  return out;
}

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
  // `keys` belong to the receiver, which the worker keeps alive until its callback has run.
  RunWorker(Napi::Object receiver, Napi::Function callback, std::shared_ptr<sparq::Plan> plan,
            std::vector<std::vector<uint8_t>> inputs, std::vector<int32_t> capture, bool has_rule, sparq::ExitRule rule,
            const RunKeys& keys)
      : Napi::AsyncWorker(receiver, callback, "sparq.Plan.run"),
        keys_(keys),
        plan_(std::move(plan)),
        inputs_(std::move(inputs)),
        capture_(std::move(capture)),
        has_rule_(has_rule),
        rule_(std::move(rule)) {}

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
    Napi::Value outputs = has_rule_ ? Napi::Value(to_exit_result(env, keys_, to_array_buffers(env, results_.buffers), results_))
                                    : to_array_buffers(env, results_.buffers);
    results_ = sparq::RunResult();
    Callback().Call(Receiver().Value(), {env.Null(), outputs});
  }

  void OnError(const Napi::Error& e) override {
    Napi::Env env = Env();
    Callback().Call(Receiver().Value(), {run_error(env, e.Message(), op_type_, node_).Value()});
  }

 private:
  const RunKeys& keys_;
  std::shared_ptr<sparq::Plan> plan_;
  std::vector<std::vector<uint8_t>> inputs_;
  std::vector<int32_t> capture_;
  bool has_rule_;
  sparq::ExitRule rule_;
  sparq::RunResult results_;
  std::string op_type_, node_;
};

}  // namespace

RunKeys::RunKeys(Napi::Env env) {
  Napi::Array names = Napi::Array::New(env, 6);
  const char* const spelled[] = {"confidence", "exits", "outputs", "exit", "confident", "opsRun"};
  for (uint32_t i = 0; i < 6; ++i) names.Set(i, Napi::String::New(env, spelled[i]));
  names_ = Napi::Persistent(names);
}

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
    : Napi::ObjectWrap<PlanObject>(info), keys_(info.Env()) {
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
  const bool has_rule = exit_rule(info[2], keys_, rule);
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
  if (has_rule) return to_exit_result(env, keys_, sink.finish(), outcome);
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
  const bool has_rule = exit_rule(info[3], keys_, rule);
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
                               std::move(inputs), std::move(capture), has_rule, std::move(rule), keys_);
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

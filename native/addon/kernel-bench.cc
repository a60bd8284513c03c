// int8 kernel exports for benchmarks and addon-level tests: kernel list, peak probes, one GEMM, a timed GEMM loop.
#include "addon/kernel-bench.h"

#include <chrono>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/qs8-epilogue/qs8-requantization.h"
#include "ops/qgemm.h"
#include "runtime/cpu.h"
#include "runtime/dispatch-qs8.h"
#include "runtime/plan-desc.h"
#include "runtime/thread-pool.h"

namespace {

using sparq::Qs8GemmKernel;

[[noreturn]] void throw_type(Napi::Env env, const std::string& what, const std::string& name,
                             const std::string& received) {
  throw Napi::TypeError::New(env, "Expected " + what + " for " + name + " but received " + received);
}

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return std::to_string(v.As<Napi::Number>().DoubleValue());
  if (v.IsString()) return "'" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsTypedArray()) return "a typed array of " + std::to_string(v.As<Napi::TypedArray>().ElementLength());
  return v.IsObject() ? "an object" : "a value";
}

double number(const Napi::Object& o, const char* key, double fallback, bool required = false) {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined() && !required) return fallback;
  if (!v.IsNumber()) throw_type(o.Env(), "a number", key, describe(v));
  return v.As<Napi::Number>().DoubleValue();
}

size_t dimension(const Napi::Object& o, const char* key, size_t minimum) {
  const double v = number(o, key, 0, true);
  if (!(v >= static_cast<double>(minimum)) || v != static_cast<double>(static_cast<size_t>(v)) || v > 1e9)
    throw_type(o.Env(), "an integer of at least " + std::to_string(minimum), key, describe(o.Get(key)));
  return static_cast<size_t>(v);
}

template <typename Array>
Array typed(const Napi::Object& o, const char* key, napi_typedarray_type type, const char* type_name, size_t length,
            bool optional = false) {
  const Napi::Value v = o.Get(key);
  if (optional && (v.IsUndefined() || v.IsNull())) return Array();
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type ||
      v.As<Napi::TypedArray>().ElementLength() != length)
    throw_type(o.Env(), std::string("a ") + type_name + " of " + std::to_string(length), key, describe(v));
  return v.As<Array>();
}

// `kernel` (a name from qs8GemmKernels, usable here) or `level` (an ISA level; default: the default level).
const Qs8GemmKernel& choose_kernel(const Napi::Object& o) {
  const Napi::Value name = o.Get("kernel");
  if (!name.IsUndefined()) {
    if (!name.IsString()) throw_type(o.Env(), "a kernel name", "kernel", describe(name));
    const std::string wanted = name.As<Napi::String>().Utf8Value();
    for (const Qs8GemmKernel* k : sparq::qs8_gemm_kernels(sparq::detected_features()))
      if (wanted == k->name) return *k;
    throw_type(o.Env(), "an int8 GEMM kernel this CPU can run", "kernel", describe(name));
  }
  const Napi::Value level = o.Get("level");
  std::string chosen = sparq::default_level();
  if (!level.IsUndefined()) {
    if (!level.IsString()) throw_type(o.Env(), "an ISA level name", "level", describe(level));
    chosen = level.As<Napi::String>().Utf8Value();
  }
  try {
    return sparq::select_qs8_gemm_kernel(sparq::features_for_level(chosen));
  } catch (const sparq::PlanError& e) {
    throw Napi::Error::New(o.Env(), e.what());
  }
}

sparq::Qs8Activation activation(const Napi::Object& o) {
  const Napi::Value v = o.Get("activation");
  if (v.IsUndefined()) return sparq::Qs8Activation::kNone;
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "none") return sparq::Qs8Activation::kNone;
  if (s == "relu") return sparq::Qs8Activation::kRelu;
  if (s == "clip") return sparq::Qs8Activation::kClip;
  if (s == "leaky_relu") return sparq::Qs8Activation::kLeakyRelu;
  if (s == "hard_swish") return sparq::Qs8Activation::kHardSwish;
  throw_type(o.Env(), "one of none, relu, clip, leaky_relu, hard_swish", "activation", describe(v));
}

sparq::Qs8Output output_kind(const Napi::Object& o) {
  const Napi::Value v = o.Get("output");
  const std::string s = v.IsUndefined() ? "u8" : v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "u8") return sparq::Qs8Output::kUint8;
  if (s == "f32") return sparq::Qs8Output::kFloat;
  if (s == "s32") return sparq::Qs8Output::kInt32;
  throw_type(o.Env(), "one of u8, f32, s32", "output", describe(v));
}

double process_cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Napi::Object options_arg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) throw_type(info.Env(), "an options object", "options",
                                                          info.Length() ? describe(info[0]) : "nothing");
  return info[0].As<Napi::Object>();
}

Napi::Value Kernels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto usable = sparq::qs8_gemm_kernels(sparq::detected_features());
  const auto& all = sparq::all_qs8_gemm_kernels();
  Napi::Array out = Napi::Array::New(env, all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const Qs8GemmKernel& k = all[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", k.name);
    o.Set("isa", k.isa);
    o.Set("mr", k.mr);
    o.Set("nr", k.pack.nr);
    o.Set("kr", k.pack.kr);
    bool ok = false;
    for (const Qs8GemmKernel* u : usable) ok |= u == &k;
    o.Set("usable", ok);
    o.Set("peakInstruction", k.peak_probe ? k.peak_instruction : "");
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value KernelForLevel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString())
    throw_type(env, "an ISA level name", "level", info.Length() ? describe(info[0]) : "nothing");
  Napi::Object o = Napi::Object::New(env);
  o.Set("level", info[0]);
  return Napi::String::New(env, choose_kernel(o).name);
}

Napi::Value PeakProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("kernel", info.Length() > 0 ? info[0] : env.Undefined());
  const Qs8GemmKernel& k = choose_kernel(o);
  if (!k.peak_probe) throw Napi::Error::New(env, std::string("kernel ") + k.name + " has no peak probe");
  const double iterations = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  if (!(iterations >= 1 && iterations <= 1e10)) throw_type(env, "an iteration count of at least 1", "iterations",
                                                          info.Length() > 1 ? describe(info[1]) : "nothing");
  const double w0 = wall_seconds(), c0 = process_cpu_seconds();
  const sparq::Qs8PeakProbeResult r = k.peak_probe(static_cast<size_t>(iterations), 1);
  const double c1 = process_cpu_seconds(), w1 = wall_seconds();
  Napi::Object out = Napi::Object::New(env);
  out.Set("instruction", k.peak_instruction);
  out.Set("macs", static_cast<double>(r.macs));
  out.Set("wallSeconds", w1 - w0);
  out.Set("cpuSeconds", c1 - c0);
  out.Set("sink", static_cast<double>(r.sink & 1));
  return out;
}

sparq::Qs8QuantizedOutput quantization(const Napi::Object& o, size_t n) {
  sparq::Qs8QuantizedOutput q;
  q.output = output_kind(o);
  q.a_scale = static_cast<float>(number(o, "aScale", 1.0));
  const Napi::Value ws = o.Get("wScale");
  if (ws.IsUndefined() || ws.IsNumber()) {
    q.w_scale = {static_cast<float>(ws.IsNumber() ? ws.As<Napi::Number>().DoubleValue() : 1.0)};
  } else {
    Napi::Float32Array s = typed<Napi::Float32Array>(o, "wScale", napi_float32_array, "Float32Array", n);
    q.w_scale.assign(s.Data(), s.Data() + n);
  }
  q.y_scale = static_cast<float>(number(o, "yScale", 1.0));
  q.y_zero_point = static_cast<int32_t>(number(o, "yZeroPoint", 0));
  q.activation = activation(o);
  q.alpha = static_cast<float>(number(o, "alpha", q.activation == sparq::Qs8Activation::kClip ? -3.4028235e38 : 0.0));
  q.beta = static_cast<float>(number(o, "beta", q.activation == sparq::Qs8Activation::kClip ? 3.4028235e38 : 0.0));
  q.residual = !o.Get("residual").IsUndefined() && !o.Get("residual").IsNull();
  q.residual_scale = static_cast<float>(number(o, "residualScale", 1.0));
  q.residual_zero_point = static_cast<int32_t>(number(o, "residualZeroPoint", 0));
  return q;
}

int thread_count(const Napi::Object& o) {
  const double t = number(o, "threads", 1);
  if (!(t >= 1 && t <= 256) || t != static_cast<int>(t)) throw_type(o.Env(), "a thread count of 1..256", "threads",
                                                                    describe(o.Get("threads")));
  return static_cast<int>(t);
}

// qs8GemmRun({ kernel | level, m, n, k, a: Uint8Array(m*k), aZeroPoint, w: Int8Array(k*n, K x N row-major),
//              bias?: Int32Array(n), output: 'u8'|'f32'|'s32', aScale, wScale: number | Float32Array(n),
//              yScale, yZeroPoint, activation, alpha, beta, residual?: Uint8Array(m*n), residualScale,
//              residualZeroPoint, threads })
Napi::Value GemmRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = options_arg(info);
  const Qs8GemmKernel& kernel = choose_kernel(o);
  const size_t m = dimension(o, "m", 0), n = dimension(o, "n", 0), k = dimension(o, "k", 0);
  Napi::Uint8Array a = typed<Napi::Uint8Array>(o, "a", napi_uint8_array, "Uint8Array", m * k);
  Napi::Int8Array w = typed<Napi::Int8Array>(o, "w", napi_int8_array, "Int8Array", k * n);
  Napi::Int32Array bias = typed<Napi::Int32Array>(o, "bias", napi_int32_array, "Int32Array", n, true);
  const int32_t a_zero_point = static_cast<int32_t>(number(o, "aZeroPoint", 0));
  const int threads = thread_count(o);
  try {
    sparq::Qs8PackedGemm gemm(kernel, k, n, w.Data(), n, 1, bias.IsEmpty() ? nullptr : bias.Data(), a_zero_point);
    const sparq::Qs8QuantizedOutput q = quantization(o, n);
    Napi::Uint8Array residual;
    if (q.residual) residual = typed<Napi::Uint8Array>(o, "residual", napi_uint8_array, "Uint8Array", m * n);
    const sparq::Qs8Requantization rq(q, n);
    sparq::ThreadPool pool(threads);
    Napi::Value out;
    void* dst = nullptr;
    if (q.output == sparq::Qs8Output::kUint8) {
      auto t = Napi::Uint8Array::New(env, m * n);
      dst = t.Data();
      out = t;
    } else if (q.output == sparq::Qs8Output::kFloat) {
      auto t = Napi::Float32Array::New(env, m * n);
      dst = t.Data();
      out = t;
    } else {
      auto t = Napi::Int32Array::New(env, m * n);
      dst = t.Data();
      out = t;
    }
    gemm.compute(m, a.Data(), k, rq.params(), q.residual ? residual.Data() : nullptr, n, dst, n, &pool);
    return out;
  } catch (const sparq::PlanError& e) {
    throw Napi::Error::New(env, e.what());
  }
}

// What a benchmark object keeps between run() calls: `sets` independently packed random weight sets (so
// weights stream like a network's layers do), one random input, one output, the pool.
struct BenchState {
  std::vector<std::unique_ptr<sparq::Qs8PackedGemm>> sets;
  std::vector<uint8_t> a, out;
  std::unique_ptr<sparq::Qs8Requantization> rq;
  std::unique_ptr<sparq::ThreadPool> pool;
  size_t m = 0, k = 0, n = 0;
};

// qs8GemmBenchmark({ kernel | level, m, n, k, sets = 1, threads = 1, output = 'u8' })
Napi::Value GemmBenchmark(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = options_arg(info);
  const Qs8GemmKernel& kernel = choose_kernel(o);
  auto state = std::make_shared<BenchState>();
  state->m = dimension(o, "m", 1);
  state->n = dimension(o, "n", 1);
  state->k = dimension(o, "k", 1);
  const size_t sets = Napi::Value(o.Get("sets")).IsUndefined() ? 1 : dimension(o, "sets", 1);
  std::mt19937 rng(12345);
  state->a.resize(state->m * state->k);
  for (auto& v : state->a) v = static_cast<uint8_t>(rng());
  std::vector<int8_t> w(state->k * state->n);
  std::vector<int32_t> bias(state->n);
  sparq::Qs8QuantizedOutput q;
  q.output = output_kind(o);
  q.a_scale = 0.02f;
  q.w_scale.resize(state->n);
  for (auto& s : q.w_scale) s = 0.001f * static_cast<float>(1 + rng() % 16);
  q.y_scale = 0.5f;
  q.y_zero_point = 128;
  try {
    for (size_t s = 0; s < sets; ++s) {
      for (auto& v : w) v = static_cast<int8_t>(rng());
      for (auto& v : bias) v = static_cast<int32_t>(rng() % 2001) - 1000;
      state->sets.push_back(std::make_unique<sparq::Qs8PackedGemm>(kernel, state->k, state->n, w.data(), state->n, 1,
                                                                   bias.data(), 128));
    }
    state->rq = std::make_unique<sparq::Qs8Requantization>(q, state->n);
  } catch (const sparq::PlanError& e) {
    throw Napi::Error::New(env, e.what());
  }
  state->out.resize(state->m * state->n * (q.output == sparq::Qs8Output::kUint8 ? 1 : 4));
  state->pool = std::make_unique<sparq::ThreadPool>(thread_count(o));

  Napi::Object out = Napi::Object::New(env);
  out.Set("kernel", kernel.name);
  out.Set("run", Napi::Function::New(env, [state](const Napi::CallbackInfo& call) -> Napi::Value {
            Napi::Env e = call.Env();
            const double passes = call.Length() > 0 && call[0].IsNumber() ? call[0].As<Napi::Number>().DoubleValue() : 1;
            if (!(passes >= 1 && passes <= 1e6)) throw_type(e, "a pass count of at least 1", "passes",
                                                           call.Length() ? describe(call[0]) : "nothing");
            const double w0 = wall_seconds(), c0 = process_cpu_seconds();
            for (size_t p = 0; p < static_cast<size_t>(passes); ++p)
              for (const auto& g : state->sets)
                g->compute(state->m, state->a.data(), state->k, state->rq->params(), nullptr, 0, state->out.data(),
                           state->n, state->pool.get());
            const double c1 = process_cpu_seconds(), w1 = wall_seconds();
            Napi::Object r = Napi::Object::New(e);
            r.Set("wallSeconds", w1 - w0);
            r.Set("cpuSeconds", c1 - c0);
            return r;
          }));
  return out;
}

}  // namespace

void AddKernelBenchExports(Napi::Env env, Napi::Object exports) {
  exports.Set("qs8GemmKernels", Napi::Function::New(env, Kernels, "qs8GemmKernels"));
  exports.Set("qs8GemmKernel", Napi::Function::New(env, KernelForLevel, "qs8GemmKernel"));
  exports.Set("qs8PeakProbe", Napi::Function::New(env, PeakProbe, "qs8PeakProbe"));
  exports.Set("qs8GemmRun", Napi::Function::New(env, GemmRun, "qs8GemmRun"));
  exports.Set("qs8GemmBenchmark", Napi::Function::New(env, GemmBenchmark, "qs8GemmBenchmark"));
}

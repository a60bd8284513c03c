// Benchmark exports for the Winograd, 2:4 sparse and few-channel (stem) conv kernels: each call times ours and the
// baseline in the same run on the same data (median of many runs after warm-up, inputs rotated) and returns both,
// one thread.
#include "addon/kernel-bench-sparse.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/qs8-peak/qs8-peak-probe.h"
#include "kernels/sparse24/sparse24-gemm.h"
#include "kernels/winograd/winograd-f23.h"
#include "ops/aligned-buffer.h"
#include "runtime/cpu.h"
#include "runtime/dispatch-qs8.h"
#include "runtime/dispatch-sparse24.h"
#include "runtime/dispatch-winograd.h"
#include "runtime/op.h"

namespace {

using namespace sparq;

constexpr size_t kRotations = 3;  // distinct inputs cycled so small problems are not flattered by a hot cache

// CPU time of this thread: on a shared machine, time slices given to other processes do not count (one thread only).
double thread_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

// Ours and the baseline alternate run by run, so load from other processes on a shared machine hits both alike;
// returns the two medians of thread CPU time (ms).
template <typename A, typename B>
std::pair<double, double> paired_median_ms(size_t reps, A&& ours, B&& baseline) {
  for (size_t i = 0; i < 2; ++i) {
    ours(i % kRotations);
    baseline(i % kRotations);
  }
  std::vector<double> ta, tb;
  for (size_t i = 0; i < reps; ++i) {
    const double t0 = thread_ms();
    ours(i % kRotations);
    const double t1 = thread_ms();
    baseline(i % kRotations);
    const double t2 = thread_ms();
    ta.push_back(t1 - t0);
    tb.push_back(t2 - t1);
  }
  std::sort(ta.begin(), ta.end());
  std::sort(tb.begin(), tb.end());
  return {ta[ta.size() / 2], tb[tb.size() / 2]};
}

// The record every export returns: our kernel and time, the baseline's, the ISA level; the caller adds how the two
// outputs differ (mismatches for int8, maxAbsDiff for fp32).
Napi::Object timing_record(Napi::Env env, const std::string& kernel, double ms, const std::string& baseline_kernel,
                           double baseline_ms) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("kernel", kernel);
  out.Set("ms", ms);
  out.Set("baselineKernel", baseline_kernel);
  out.Set("baselineMs", baseline_ms);
  out.Set("isa", default_level());
  return out;
}

// Elements that differ between two int8 outputs that must be bit-identical.
size_t count_mismatches(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return n;
}

size_t get_size(const Napi::Object& o, const char* key, size_t fallback) {
  if (!o.Has(key)) return fallback;
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 1) {
    throw Napi::TypeError::New(o.Env(), std::string("Expected a positive integer for ") + key + " but received " +
                                            v.ToString().Utf8Value());
  }
  return static_cast<size_t>(v.As<Napi::Number>().DoubleValue());
}

// One fp32 op built through the registry on its own tensors, as a plan would run it (1 thread, no pool): the fp32
// benchmarks compare the ops' algorithms (attr `algorithm`) exactly as models get them.
class F32OpBench {
 public:
  int32_t tensor(const std::vector<int64_t>& shape, TensorKind kind, const float* values) {
    TensorDesc t;
    t.shape = shape;
    t.kind = kind;
    size_t n = 1;
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    if (kind == TensorKind::kConstant) {
      t.data.resize(n * sizeof(float));
      std::memcpy(t.data.data(), values, n * sizeof(float));
      buffers_.emplace_back();
    } else {
      buffers_.emplace_back(n);
      if (values) std::memcpy(buffers_.back().data(), values, n * sizeof(float));
    }
    plan_.tensors.push_back(std::move(t));
    return static_cast<int32_t>(plan_.tensors.size() - 1);
  }
  float* data(int32_t id) { return buffers_[static_cast<size_t>(id)].data(); }
  std::unique_ptr<Op> build(const std::string& type, const std::vector<int32_t>& inputs, int32_t out, OpAttrs attrs,
                            const CpuFeatures& features) {
    OpDesc desc;
    desc.type = type;
    desc.name = "bench";
    desc.inputs = inputs;
    desc.outputs = {out};
    desc.attrs = std::move(attrs);
    plan_.ops = {desc};
    BuildContext ctx{plan_, features, 1};
    return OpRegistry::instance().find(type)(plan_.ops[0], ctx);
  }
  void run(Op& op) {
    RunContext ctx;
    for (size_t i = 0; i < plan_.tensors.size(); ++i) {
      auto& t = plan_.tensors[i];
      ctx.data.push_back(t.kind == TensorKind::kConstant ? static_cast<void*>(t.data.data())
                                                          : static_cast<void*>(buffers_[i].data()));
    }
    op.run(ctx);
  }

 private:
  PlanDesc plan_;
  std::vector<Aligned64Vector<float>> buffers_;
};

// Times the op built with algorithm `ours` against the same op with algorithm "gemm" (one op pair per rotated
// input x_ids[r], the other inputs shared), paired, and returns { kernel, ms, baselineKernel, baselineMs,
// maxAbsDiff, isa } with the outputs (y_count floats each) compared after the timing.
Napi::Object compare_with_gemm(Napi::Env env, F32OpBench& bench, const std::string& type,
                               const std::vector<int32_t>& x_ids, const std::vector<int32_t>& rest, int32_t y_ours,
                               int32_t y_base, size_t y_count, OpAttrs at, const char* ours, size_t reps,
                               const CpuFeatures& features) {
  std::vector<std::unique_ptr<Op>> ours_ops, base_ops;
  for (int32_t x : x_ids) {
    std::vector<int32_t> inputs = {x};
    inputs.insert(inputs.end(), rest.begin(), rest.end());
    at.strings["algorithm"] = ours;
    ours_ops.push_back(bench.build(type, inputs, y_ours, at, features));
    at.strings["algorithm"] = "gemm";
    base_ops.push_back(bench.build(type, inputs, y_base, at, features));
  }
  const auto [ours_ms, base_ms] = paired_median_ms(
      reps, [&](size_t r) { bench.run(*ours_ops[r]); }, [&](size_t r) { bench.run(*base_ops[r]); });
  bench.run(*ours_ops[0]);
  bench.run(*base_ops[0]);
  double max_diff = 0;
  for (size_t i = 0; i < y_count; ++i)
    max_diff = std::max(max_diff, double(std::fabs(bench.data(y_ours)[i] - bench.data(y_base)[i])));
  Napi::Object out = timing_record(env, ours_ops[0]->kernel_name(), ours_ms, base_ops[0]->kernel_name(), base_ms);
  out.Set("maxAbsDiff", max_diff);
  return out;
}

// The dense int8 baseline: our int8 GEMM microkernels (dispatch-qs8, best for the CPU) with their packing and fused
// epilogue (fast u8 form: the same float math and rounding as ours), driven over MR x NR tiles.
struct DenseQu8 {
  const Qs8GemmKernel* kernel;
  size_t k = 0, n = 0;
  std::vector<uint8_t> packed_storage;
  uint8_t* packed = nullptr;
  Qs8EpilogueParams params;
  mutable std::vector<uint16_t> widened;
  mutable std::vector<int32_t> acc;

  // w_nk = N x K s8; the bias gets the zero-point correction inside the packing.
  DenseQu8(const CpuFeatures& features, size_t k_, size_t n_, const int8_t* w_nk, const int32_t* bias, int32_t zp,
           const Requant8& rq)
      : kernel(&select_qs8_gemm_kernel(features)), k(k_), n(n_) {
    packed_storage.resize(qs8_packed_weights_bytes(kernel->pack, k, n) + 64);
    packed = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(packed_storage.data()) + 63) & ~uintptr_t{63});
    qs8_pack_gemm_weights(kernel->pack, k, n, w_nk, 1, k, bias, zp, packed);
    params.output = Qs8Output::kUint8;
    params.fast = true;
    params.scale = rq.scale;
    params.zero_point = rq.output_zero_point;
    params.lo = static_cast<float>(rq.qmin - rq.output_zero_point);
    params.hi = static_cast<float>(rq.qmax - rq.output_zero_point);
    acc.resize(kernel->mr * kernel->pack.nr);
  }
  void run(size_t m, const uint8_t* a, size_t lda, uint8_t* y) const {
    const size_t mr = kernel->mr, nr = kernel->pack.nr, panel = qs8_panel_bytes(kernel->pack, k);
    const size_t depth = (k + 1) / 2 * 2;
    if (kernel->begin) kernel->begin();  // AMX: configure the tiles on this thread
    for (size_t m0 = 0; m0 < m; m0 += mr) {
      const size_t rows = std::min(mr, m - m0);
      const void* arows = a + m0 * lda;
      size_t astride = lda;
      if (kernel->widen_a) {
        widened.resize(mr * depth);
        qs8_pack_a_u16(rows, k, a + m0 * lda, lda, widened.data(), depth);
        arows = widened.data();
        astride = depth * sizeof(uint16_t);
      }
      const Qs8GemmUkernelFn uk = rows == 1 ? kernel->ukernel_1 : kernel->ukernel;
      for (size_t n0 = 0; n0 < n; n0 += nr) {
        uk(rows, k, arows, astride, packed + (n0 / nr) * panel, acc.data());
        kernel->epilogue(rows, std::min(nr, n - n0), n0, acc.data(), nr, params, nullptr, 0, y + m0 * n + n0, n);
      }
    }
    if (kernel->end) kernel->end();
  }
};

std::vector<float> random_scales(size_t count, std::mt19937& rng) {
  std::vector<float> s(count);
  for (auto& v : s) v = 1.f / static_cast<float>(2000 + rng() % 30000);
  return s;
}

Aligned64Vector<float> random_floats(size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  Aligned64Vector<float> v(count);
  for (auto& x : v) x = dist(rng);
  return v;
}

// { h, w, c, m, stride, reps } -> { kernel, ms, baselineKernel, baselineMs, maxAbsDiff }: the Conv op (3x3 pad 1,
// stride 1 or 2, batch 1, bias + ReLU) with algorithm "winograd" (F(2,3), or its polyphase form at stride 2) vs
// algorithm "gemm" (our best non-Winograd conv: direct conv or im2col).
Napi::Value BenchWinogradF32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  const size_t h = get_size(o, "h", 56), wd = get_size(o, "w", h), c = get_size(o, "c", 64),
               m = get_size(o, "m", 64), stride = get_size(o, "stride", 1), reps = get_size(o, "reps", 20);
  if (stride > 2) throw Napi::TypeError::New(env, "Expected 1 or 2 for stride but received " + std::to_string(stride));
  const size_t oh = (h - 1) / stride + 1, ow = (wd - 1) / stride + 1;  // pad 1 on each side
  const CpuFeatures features = features_for_level(default_level());
  std::mt19937 rng(42);
  std::vector<Aligned64Vector<float>> xs;
  for (size_t r = 0; r < kRotations; ++r) xs.push_back(random_floats(h * wd * c, rng));
  const auto weights = random_floats(m * c * 9, rng);
  const auto bias = random_floats(m, rng);
  const auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
  F32OpBench bench;
  // Rotated inputs live in the plan as separate tensors so nothing is copied inside the timed region.
  std::vector<int32_t> ix;
  for (size_t r = 0; r < kRotations; ++r)
    ix.push_back(bench.tensor({1, i64(h), i64(wd), i64(c)}, TensorKind::kArena, xs[r].data()));
  const int32_t iw = bench.tensor({i64(m), i64(c), 3, 3}, TensorKind::kConstant, weights.data());
  const int32_t ib = bench.tensor({i64(m)}, TensorKind::kConstant, bias.data());
  const int32_t iy_wino = bench.tensor({1, i64(oh), i64(ow), i64(m)}, TensorKind::kArena, nullptr);
  const int32_t iy_base = bench.tensor({1, i64(oh), i64(ow), i64(m)}, TensorKind::kArena, nullptr);
  OpAttrs at;
  at.numbers["kernel_shape"] = {3, 3};
  at.numbers["pads"] = {1, 1, 1, 1};
  at.numbers["strides"] = {double(stride), double(stride)};
  at.strings["activation"] = "relu";
  return compare_with_gemm(env, bench, "Conv", ix, {iw, ib}, iy_wino, iy_base, oh * ow * m, at, "winograd", reps,
                           features);
}

// { h, w, c, m, k, stride, activation, reps } -> { kernel, ms, baselineKernel, baselineMs, maxAbsDiff }: a stem
// (batch 1, k x k, pad k / 2, bias + activation) through the Conv op with algorithm "auto" (the few-channel kernels
// where ops/conv-few-channels.cc picks them) vs algorithm "gemm" (the direct-conv or im2col paths).
Napi::Value BenchConvFewChannelsF32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  const size_t h = get_size(o, "h", 28), wd = get_size(o, "w", h), c = get_size(o, "c", 1), m = get_size(o, "m", 24),
               k = get_size(o, "k", 3), stride = get_size(o, "stride", 1), reps = get_size(o, "reps", 200);
  const std::string activation = o.Has("activation") ? o.Get("activation").As<Napi::String>().Utf8Value() : "relu";
  const CpuFeatures features = features_for_level(default_level());
  const size_t pad = k / 2, oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
  std::mt19937 rng(44);
  std::vector<Aligned64Vector<float>> xs;
  for (size_t r = 0; r < kRotations; ++r) xs.push_back(random_floats(h * wd * c, rng));
  const auto weights = random_floats(m * c * k * k, rng);
  const auto bias = random_floats(m, rng);
  const auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
  F32OpBench bench;
  std::vector<int32_t> ix;
  for (size_t r = 0; r < kRotations; ++r)
    ix.push_back(bench.tensor({1, i64(h), i64(wd), i64(c)}, TensorKind::kArena, xs[r].data()));
  const int32_t iw = bench.tensor({i64(m), i64(c), i64(k), i64(k)}, TensorKind::kConstant, weights.data());
  const int32_t ib = bench.tensor({i64(m)}, TensorKind::kConstant, bias.data());
  const int32_t iy_ours = bench.tensor({1, i64(oh), i64(ow), i64(m)}, TensorKind::kArena, nullptr);
  const int32_t iy_base = bench.tensor({1, i64(oh), i64(ow), i64(m)}, TensorKind::kArena, nullptr);
  OpAttrs at;
  at.numbers["kernel_shape"] = {double(k), double(k)};
  at.numbers["pads"] = {double(pad), double(pad), double(pad), double(pad)};
  at.numbers["strides"] = {double(stride), double(stride)};
  at.strings["activation"] = activation;
  return compare_with_gemm(env, bench, "Conv", ix, {iw, ib}, iy_ours, iy_base, oh * ow * m, at, "auto", reps,
                           features);
}

// { m, n, k, reps } -> { kernel, ms, baselineKernel, baselineMs, maxAbsDiff }: the Gemm op Y = X * Wᵀ + bias, ReLU,
// with W [N x K] 2:4 along K, algorithm "sparse24" vs algorithm "gemm" on the same (zero-filled) weights.
Napi::Value BenchSparse24F32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  const size_t m = get_size(o, "m", 196), n = get_size(o, "n", 256), k = get_size(o, "k", 2304),
               reps = get_size(o, "reps", 20);
  const CpuFeatures features = features_for_level(default_level());
  std::mt19937 rng(7);
  std::vector<Aligned64Vector<float>> xs;
  for (size_t r = 0; r < kRotations; ++r) xs.push_back(random_floats(m * k, rng));
  // Exactly two non-zeros in every group of 4: the pattern magnitude pruning produces.
  Aligned64Vector<float> w = random_floats(n * k, rng);
  for (size_t j = 0; j < n; ++j) {
    for (size_t g = 0; g + 4 <= k; g += 4) {
      const size_t a = rng() % 4, b = (a + 1 + rng() % 3) % 4;
      for (size_t i = 0; i < 4; ++i)
        if (i != a && i != b) w[j * k + g + i] = 0.f;
    }
  }
  const auto bias = random_floats(n, rng);
  const auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
  F32OpBench bench;
  // Rotated inputs live in the plan as separate tensors so nothing is copied inside the timed region.
  std::vector<int32_t> ix;
  for (size_t r = 0; r < kRotations; ++r) ix.push_back(bench.tensor({i64(m), i64(k)}, TensorKind::kArena, xs[r].data()));
  const int32_t iw = bench.tensor({i64(n), i64(k)}, TensorKind::kConstant, w.data());
  const int32_t ib = bench.tensor({i64(n)}, TensorKind::kConstant, bias.data());
  const int32_t iy_sparse = bench.tensor({i64(m), i64(n)}, TensorKind::kArena, nullptr);
  const int32_t iy_dense = bench.tensor({i64(m), i64(n)}, TensorKind::kArena, nullptr);
  OpAttrs at;
  at.numbers["transB"] = {1};
  at.strings["activation"] = "relu";
  return compare_with_gemm(env, bench, "Gemm", ix, {iw, ib}, iy_sparse, iy_dense, m * n, at, "sparse24", reps,
                           features);
}

// { h, w, c, m, reps } -> int8 Winograd vs explicit im2col + our dense int8 GEMM, 3x3 pad-1, batch 1, ReLU range.
Napi::Value BenchWinogradQu8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  const size_t h = get_size(o, "h", 56), wd = get_size(o, "w", h), c = get_size(o, "c", 64),
               m = get_size(o, "m", 64), reps = get_size(o, "reps", 20);
  const CpuFeatures features = features_for_level(default_level());
  const WinogradQU8Kernel kernel = winograd_qu8_kernel(features);
  std::mt19937 rng(43);
  const int32_t zp = 3;
  std::vector<std::vector<uint8_t>> xs(kRotations, std::vector<uint8_t>(h * wd * c));
  for (auto& x : xs)
    for (auto& v : x) v = static_cast<uint8_t>(rng());
  std::vector<int8_t> weights(m * c * 9);
  for (auto& v : weights) v = static_cast<int8_t>(rng());
  std::vector<int32_t> bias(m);
  for (auto& b : bias) b = static_cast<int32_t>(rng() % 20001) - 10000;
  const auto scale = random_scales(m, rng);
  Requant8 rq;
  rq.scale = scale.data();
  rq.output_zero_point = 0;
  WinogradF23Problem p;
  p.in_h = h;
  p.in_w = wd;
  p.channels = c;
  p.out_channels = m;
  p.pad_top = p.pad_left = 1;
  p.out_h = h;
  p.out_w = wd;
  const auto packed = winograd_f23_qu8_pack(weights.data(), bias.data(), c, m, kernel.nr);
  std::vector<uint8_t> ws(winograd_f23_qu8_workspace_bytes(c, packed.out_channels_padded, kernel.mr));
  std::vector<uint8_t> y_wino(h * wd * m), y_base(h * wd * m);
  // Dense: B(n, k) with k = (tap, channel), matching the im2col order.
  const size_t K = 9 * c;
  std::vector<int8_t> w_nk(m * K);
  for (size_t j = 0; j < m; ++j)
    for (size_t ch = 0; ch < c; ++ch)
      for (size_t tap = 0; tap < 9; ++tap) w_nk[j * K + tap * c + ch] = weights[(j * c + ch) * 9 + tap];
  const DenseQu8 dense(features, K, m, w_nk.data(), bias.data(), zp, rq);
  std::vector<uint8_t> cols(h * wd * K);
  const auto run_wino = [&](size_t r) {
    kernel.conv(p, xs[r].data(), zp, packed, rq, y_wino.data(), ws.data(), 0, p.tiles());
  };
  const auto run_base = [&](size_t r) {
    const uint8_t* x = xs[r].data();
    for (size_t oy = 0; oy < h; ++oy) {
      for (size_t ox = 0; ox < wd; ++ox) {
        uint8_t* dst = cols.data() + (oy * wd + ox) * K;
        for (size_t ky = 0; ky < 3; ++ky) {
          for (size_t kx = 0; kx < 3; ++kx, dst += c) {
            const ptrdiff_t iy = static_cast<ptrdiff_t>(oy + ky) - 1, ix = static_cast<ptrdiff_t>(ox + kx) - 1;
            if (iy < 0 || ix < 0 || iy >= static_cast<ptrdiff_t>(h) || ix >= static_cast<ptrdiff_t>(wd)) {
              std::memset(dst, zp, c);
            } else {
              std::memcpy(dst, x + (static_cast<size_t>(iy) * wd + static_cast<size_t>(ix)) * c, c);
            }
          }
        }
      }
    }
    dense.run(h * wd, cols.data(), K, y_base.data());
  };
  const auto [wino_ms, base_ms] = paired_median_ms(reps, run_wino, run_base);
  run_wino(0);
  run_base(0);
  Napi::Object out = timing_record(env, kernel.name, wino_ms, std::string(dense.kernel->name) + " im2col", base_ms);
  out.Set("mismatches", static_cast<double>(count_mismatches(y_wino, y_base)));
  return out;
}

// { m, n, k, reps } -> int8 2:4 sparse GEMM vs our dense int8 GEMM on the zero-filled weights.
Napi::Value BenchSparse24Qu8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  const size_t m = get_size(o, "m", 196), n = get_size(o, "n", 256), k = get_size(o, "k", 2304),
               reps = get_size(o, "reps", 20);
  const CpuFeatures features = features_for_level(default_level());
  const QU8Sparse24Kernel kernel = qu8_sparse24_kernel(features);
  std::mt19937 rng(8);
  const int32_t zp = 5;
  std::vector<Aligned64Vector<uint8_t>> xs(kRotations, Aligned64Vector<uint8_t>(m * k));
  for (auto& x : xs)
    for (auto& v : x) v = static_cast<uint8_t>(rng());
  std::vector<int8_t> w(n * k, 0);
  for (size_t j = 0; j < n; ++j) {
    for (size_t g = 0; g + 4 <= k; g += 4) {
      const size_t a = rng() % 4, b = (a + 1 + rng() % 3) % 4;
      w[j * k + g + a] = static_cast<int8_t>(rng() | 1);
      w[j * k + g + b] = static_cast<int8_t>(rng() | 1);
    }
  }
  std::vector<int32_t> bias(n);
  for (auto& b : bias) b = static_cast<int32_t>(rng() % 20001) - 10000;
  const auto scale = random_scales(n, rng);
  Requant8 rq;
  rq.scale = scale.data();
  rq.output_zero_point = 0;
  const auto packed = qu8_sparse24_pack(sparse24_compress(w.data(), n, k, "bench weights"), bias.data(), zp);
  const DenseQu8 dense(features, k, n, w.data(), bias.data(), zp, rq);
  std::vector<uint8_t> y_sparse(m * n), y_dense(m * n);
  const auto run_sparse = [&](size_t r) {
    kernel.gemm(xs[r].data(), k, packed, rq, y_sparse.data(), n, 0, m, nullptr);
  };
  const auto run_dense = [&](size_t r) { dense.run(m, xs[r].data(), k, y_dense.data()); };
  const auto [sparse_ms, dense_ms] = paired_median_ms(reps, run_sparse, run_dense);
  run_sparse(0);
  run_dense(0);
  Napi::Object out = timing_record(env, kernel.name, sparse_ms, std::string(dense.kernel->name) + " dense", dense_ms);
  out.Set("mismatches", static_cast<double>(count_mismatches(y_sparse, y_dense)));
  return out;
}

// (iterations, shuffle = 'vpermb' | 'vpshufb') -> { macs, cpuSeconds (this thread), instruction } of the shuffle +
// vpdpbusd pair probe (the 2:4 int8 kernel's step), or null where the CPU lacks AVX-512 VBMI + VNNI. See
// qs8-peak-probe-avx512vbmi.cc.
Napi::Value Sparse24PairProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#if defined(__x86_64__) || defined(_M_X64)
  const CpuFeatures features = features_for_level(default_level());
  if (!features.avx512vbmi || !features.avx512vnni) return env.Null();
  const double iterations = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  if (!(iterations >= 1 && iterations <= 1e10))
    throw Napi::TypeError::New(env, "Expected an iteration count of at least 1 for sparse24PairProbe");
  const std::string shuffle =
      info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : std::string("vpermb");
  if (shuffle != "vpermb" && shuffle != "vpshufb") {
    throw Napi::TypeError::New(
        env, "Expected 'vpermb' or 'vpshufb' for sparse24PairProbe's shuffle but received '" + shuffle + "'");
  }
  const Qs8PeakProbeFn probe =
      shuffle == "vpermb" ? qs8_peak_probe__vpermb_dpbusd_avx512vbmi : qs8_peak_probe__vpshufb_dpbusd_avx512vbmi;
  const double t0 = thread_ms();
  const Qs8PeakProbeResult r = probe(static_cast<size_t>(iterations), 1);
  const double t1 = thread_ms();
  Napi::Object out = Napi::Object::New(env);
  out.Set("instruction", shuffle + "+vpdpbusd zmm");
  out.Set("macs", static_cast<double>(r.macs));
  out.Set("cpuSeconds", (t1 - t0) / 1e3);
  out.Set("sink", static_cast<double>(r.sink & 1));
  return out;
#else
  (void)info;
  return env.Null();
#endif
}

}  // namespace

void AddSparseBenchExports(Napi::Env env, Napi::Object exports) {
  exports.Set("sparse24PairProbe", Napi::Function::New(env, Sparse24PairProbe));
  exports.Set("benchWinogradF32", Napi::Function::New(env, BenchWinogradF32));
  exports.Set("benchSparse24F32", Napi::Function::New(env, BenchSparse24F32));
  exports.Set("benchConvFewChannelsF32", Napi::Function::New(env, BenchConvFewChannelsF32));
  exports.Set("benchWinogradQu8", Napi::Function::New(env, BenchWinogradQu8));
  exports.Set("benchSparse24Qu8", Napi::Function::New(env, BenchSparse24Qu8));
}

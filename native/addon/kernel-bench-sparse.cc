// Benchmark exports for the Winograd and 2:4 sparse kernels: each call times ours and the baseline in the same run
// on the same data (median of many runs after warm-up, inputs rotated) and returns both, one thread.
#include "addon/kernel-bench-sparse.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/sparse24/sparse24-gemm.h"
#include "kernels/winograd/winograd-f23.h"
#include "ops/aligned-buffer.h"
#include "ops/f32-gemm-driver.h"
#include "ops/im2col.h"
#include "runtime/cpu.h"
#include "runtime/dispatch-f32.h"
#include "runtime/dispatch-qs8.h"
#include "runtime/dispatch-sparse24.h"
#include "runtime/dispatch-winograd.h"

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

size_t get_size(const Napi::Object& o, const char* key, size_t fallback) {
  if (!o.Has(key)) return fallback;
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 1) {
    throw Napi::TypeError::New(o.Env(), std::string("Expected a positive integer for ") + key + " but received " +
                                            v.ToString().Utf8Value());
  }
  return static_cast<size_t>(v.As<Napi::Number>().DoubleValue());
}

// The dense fp32 baseline is our production GEMM (ops/f32-gemm-driver, the Conv/Gemm ops' path): B (K x N) packed
// once into the chosen kernel's panels; A read directly (Gemm) or through im2col blocks (Conv); bias + ReLU fused.
struct DenseF32 {
  const F32GemmKernelInfo* kernel;
  size_t k = 0, n = 0;
  AlignedFloats packed, bias;
  ActivationParams relu{Activation::kRelu, 0.f, 0.f};

  // b_kn = K x N row-major.
  DenseF32(const CpuFeatures& features, size_t k_, size_t n_, const float* b_kn, const float* bias_)
      : kernel(&f32_gemm_kernel_for(features)), k(k_), n(n_) {
    packed.resize(f32_gemm_packed_size(k, n, kernel->nr));
    f32_gemm_pack_b(b_kn, k, n, n, 1, kernel->nr, 1.f, packed.data());
    const size_t np = (n + kernel->nr - 1) / kernel->nr * kernel->nr;
    bias.resize(np);
    for (size_t j = 0; j < np; ++j) bias.data()[j] = j < n ? bias_[j] : 0.f;
  }
  void run(size_t m, F32GemmRows& a, float* y) const {
    F32GemmOutput out;
    out.c = y;
    out.c_stride = n;
    out.bias = bias.data();
    out.activation = &relu;
    f32_gemm_compute(*kernel, packed.data(), k, n, a, 0, m, 0, n, out);
  }
};

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

// { h, w, c, m, reps } -> { kernel, ms, baselineKernel, baselineMs, maxAbsDiff }: 3x3 pad-1 conv, batch 1, ReLU.
Napi::Value BenchWinogradF32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  const size_t h = get_size(o, "h", 56), wd = get_size(o, "w", h), c = get_size(o, "c", 64),
               m = get_size(o, "m", 64), reps = get_size(o, "reps", 20);
  const CpuFeatures features = features_for_level(default_level());
  const WinogradF32Kernel kernel = winograd_f32_kernel(features);
  std::mt19937 rng(42);
  std::vector<Aligned64Vector<float>> xs;
  for (size_t r = 0; r < kRotations; ++r) xs.push_back(random_floats(h * wd * c, rng));
  const auto weights = random_floats(m * c * 9, rng);
  const auto bias = random_floats(m, rng);
  WinogradF23Problem p;
  p.in_h = h;
  p.in_w = wd;
  p.channels = c;
  p.out_channels = m;
  p.pad_top = p.pad_left = 1;
  p.out_h = h;
  p.out_w = wd;
  const ActivationParams relu{Activation::kRelu, 0.f, 0.f};
  const auto packed = winograd_f23_f32_pack(weights.data(), bias.data(), c, m, kernel.nr);
  std::vector<float> ws(winograd_f23_f32_workspace_floats(c, packed.out_channels_padded, kernel.mr));
  std::vector<float> y_wino(h * wd * m), y_base(h * wd * m);
  // Baseline: our im2col conv path (K order ky, kx, c) on the production fp32 GEMM.
  const size_t K = 9 * c;
  std::vector<float> b_kn(K * m);
  for (size_t j = 0; j < m; ++j)
    for (size_t ch = 0; ch < c; ++ch)
      for (size_t tap = 0; tap < 9; ++tap) b_kn[(tap * c + ch) * m + j] = weights[(j * c + ch) * 9 + tap];
  const DenseF32 dense(features, K, m, b_kn.data(), bias.data());
  ConvGeometry g;
  g.in_h = h;
  g.in_w = wd;
  g.in_c = c;
  g.out_h = h;
  g.out_w = wd;
  g.out_c = m;
  g.kernel_h = g.kernel_w = 3;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = 1;
  const auto run_wino = [&](size_t r) {
    kernel.conv(p, xs[r].data(), packed, relu, y_wino.data(), ws.data(), 0, p.tiles());
  };
  const auto run_base = [&](size_t r) {
    F32Im2colRows a(g, xs[r].data(), 0);
    dense.run(h * wd, a, y_base.data());
  };
  const auto [wino_ms, base_ms] = paired_median_ms(reps, run_wino, run_base);
  run_wino(0);
  run_base(0);
  double max_diff = 0;
  for (size_t i = 0; i < y_wino.size(); ++i) max_diff = std::max(max_diff, double(std::fabs(y_wino[i] - y_base[i])));
  Napi::Object out = Napi::Object::New(env);
  out.Set("kernel", kernel.name);
  out.Set("ms", wino_ms);
  out.Set("baselineKernel", std::string(dense.kernel->name) + " im2col");
  out.Set("baselineMs", base_ms);
  out.Set("maxAbsDiff", max_diff);
  out.Set("isa", default_level());
  return out;
}

// { m, n, k, reps } -> { kernel, ms, baselineKernel, baselineMs, maxAbsDiff }: Y = X * Wᵀ + bias, ReLU.
Napi::Value BenchSparse24F32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  const size_t m = get_size(o, "m", 196), n = get_size(o, "n", 256), k = get_size(o, "k", 2304),
               reps = get_size(o, "reps", 20);
  const CpuFeatures features = features_for_level(default_level());
  const F32Sparse24Kernel kernel = f32_sparse24_kernel(features);
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
  const ActivationParams relu{Activation::kRelu, 0.f, 0.f};
  const auto packed = f32_sparse24_pack(sparse24_compress(w.data(), n, k, "bench weights"), bias.data(), kernel.nr);
  std::vector<float> ws(f32_sparse24_workspace_floats(packed, kernel.block_rows));
  std::vector<float> y_sparse(m * n), y_dense(m * n);
  std::vector<float> b_kn(k * n);
  for (size_t j = 0; j < n; ++j)
    for (size_t kk = 0; kk < k; ++kk) b_kn[kk * n + j] = w[j * k + kk];
  const DenseF32 dense(features, k, n, b_kn.data(), bias.data());
  const auto [sparse_ms, dense_ms] = paired_median_ms(
      reps, [&](size_t r) { kernel.gemm(m, xs[r].data(), k, packed, relu, y_sparse.data(), n, ws.data(), 0, m); },
      [&](size_t r) {
        F32DirectRows a(xs[r].data(), k);
        dense.run(m, a, y_dense.data());
      });
  kernel.gemm(m, xs[0].data(), k, packed, relu, y_sparse.data(), n, ws.data(), 0, m);
  {
    F32DirectRows a(xs[0].data(), k);
    dense.run(m, a, y_dense.data());
  }
  double max_diff = 0;
  for (size_t i = 0; i < y_sparse.size(); ++i)
    max_diff = std::max(max_diff, double(std::fabs(y_sparse[i] - y_dense[i])));
  Napi::Object out = Napi::Object::New(env);
  out.Set("kernel", kernel.name);
  out.Set("ms", sparse_ms);
  out.Set("baselineKernel", std::string(dense.kernel->name) + " dense");
  out.Set("baselineMs", dense_ms);
  out.Set("maxAbsDiff", max_diff);
  out.Set("isa", default_level());
  return out;
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
  size_t mismatches = 0;
  for (size_t i = 0; i < y_wino.size(); ++i) mismatches += y_wino[i] != y_base[i];
  Napi::Object out = Napi::Object::New(env);
  out.Set("kernel", kernel.name);
  out.Set("ms", wino_ms);
  out.Set("baselineKernel", std::string(dense.kernel->name) + " im2col");
  out.Set("baselineMs", base_ms);
  out.Set("mismatches", static_cast<double>(mismatches));
  out.Set("isa", default_level());
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
  size_t mismatches = 0;
  for (size_t i = 0; i < y_sparse.size(); ++i) mismatches += y_sparse[i] != y_dense[i];
  Napi::Object out = Napi::Object::New(env);
  out.Set("kernel", kernel.name);
  out.Set("ms", sparse_ms);
  out.Set("baselineKernel", std::string(dense.kernel->name) + " dense");
  out.Set("baselineMs", dense_ms);
  out.Set("mismatches", static_cast<double>(mismatches));
  out.Set("isa", default_level());
  return out;
}

}  // namespace

void AddSparseBenchExports(Napi::Env env, Napi::Object exports) {
  exports.Set("benchWinogradF32", Napi::Function::New(env, BenchWinogradF32));
  exports.Set("benchSparse24F32", Napi::Function::New(env, BenchSparse24F32));
  exports.Set("benchWinogradQu8", Napi::Function::New(env, BenchWinogradQu8));
  exports.Set("benchSparse24Qu8", Napi::Function::New(env, BenchSparse24Qu8));
}

// int8 GEMM at the ISA level of this run (SPARQ_ISA): microkernels, epilogues and the threaded driver are
// bit-exact to the scalar reference over random shapes, tile edges, ragged depths and extreme data.
#include <cmath>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "kernels/qs8-epilogue/qs8-requantization.h"
#include "ops/qgemm.h"
#include "reference/qs8-gemm-reference.h"
#include "runtime/cpu.h"
#include "runtime/dispatch-qs8.h"
#include "runtime/plan-desc.h"
#include "test/test-harness.h"

using namespace sparq;

namespace {

const CpuFeatures& level_features() {
  static const CpuFeatures features = features_for_level(default_level());
  return features;
}

// Every kernel usable at this level (the selected one first), so each one is tested on every level that has it.
std::vector<const Qs8GemmKernel*> kernels_under_test() { return qs8_gemm_kernels(level_features()); }

struct Problem {
  size_t m, n, k;
  int32_t a_zero_point;
  std::vector<uint8_t> a;     // m x k, row stride k + a_pad
  size_t a_stride;
  std::vector<int8_t> w;      // k x n row-major
  std::vector<int32_t> bias;  // n
};

Problem random_problem(std::mt19937& rng, size_t m, size_t n, size_t k, int32_t a_zero_point, size_t a_pad = 0) {
  Problem p{m, n, k, a_zero_point, {}, k + a_pad, {}, {}};
  std::uniform_int_distribution<int> u8(0, 255), s8(-128, 127), b(-100000, 100000);
  p.a.resize(m * p.a_stride);
  for (auto& v : p.a) v = static_cast<uint8_t>(u8(rng));
  p.w.resize(k * n);
  for (auto& v : p.w) v = static_cast<int8_t>(s8(rng));
  p.bias.resize(n);
  for (auto& v : p.bias) v = b(rng);
  return p;
}

std::vector<int32_t> reference_acc(const Problem& p) {
  std::vector<int32_t> acc(p.m * p.n);
  qs8_gemm_reference(p.m, p.n, p.k, p.a.data(), p.a_stride, p.a_zero_point, p.w.data(), p.n, 1, p.bias.data(),
                     acc.data(), p.n);
  return acc;
}

// Runs the driver with s32 output and compares every accumulator; returns the number of mismatches.
size_t check_s32(const Qs8GemmKernel& kernel, const Problem& p, ThreadPool* pool) {
  Qs8PackedGemm g(kernel, p.k, p.n, p.w.data(), p.n, 1, p.bias.data(), p.a_zero_point);
  Qs8QuantizedOutput q;
  q.output = Qs8Output::kInt32;
  q.w_scale = {1.f};
  Qs8Requantization rq(q, p.n);
  std::vector<int32_t> got(p.m * p.n, 0x5a5a5a5a);
  g.compute(p.m, p.a.data(), p.a_stride, rq.params(), nullptr, 0, got.data(), p.n, pool);
  const std::vector<int32_t> want = reference_acc(p);
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i) bad += got[i] != want[i];
  return bad;
}

Qs8QuantizedOutput random_output(std::mt19937& rng, size_t n, Qs8Output kind, Qs8Activation act, bool residual,
                                 size_t k) {
  std::uniform_real_distribution<float> unit(0.5f, 2.f);
  std::uniform_int_distribution<int> zp(0, 255);
  Qs8QuantizedOutput q;
  q.output = kind;
  q.a_scale = 0.02f * unit(rng);
  q.w_scale.resize(n);
  for (auto& s : q.w_scale) s = 0.01f * unit(rng);
  // an output scale that spreads typical accumulators over the u8 range
  q.y_scale = q.a_scale * 0.01f * 40.f * static_cast<float>(std::sqrt(static_cast<double>(k)) + 1.0) * unit(rng);
  q.y_zero_point = zp(rng);
  q.activation = act;
  if (act == Qs8Activation::kClip) {
    q.alpha = -2.f * q.y_scale * 30.f;
    q.beta = 6.f * q.y_scale * 10.f;
  } else if (act == Qs8Activation::kLeakyRelu) {
    q.alpha = 0.1f;
  }
  q.residual = residual;
  q.residual_scale = q.y_scale * unit(rng);
  q.residual_zero_point = zp(rng);
  return q;
}

// Runs the driver with an epilogue and compares every output byte/float with the reference epilogue applied to
// the reference accumulators; returns the number of mismatches.
size_t check_epilogue(const Qs8GemmKernel& kernel, const Problem& p, const Qs8QuantizedOutput& q, ThreadPool* pool,
                      std::mt19937& rng) {
  Qs8PackedGemm g(kernel, p.k, p.n, p.w.data(), p.n, 1, p.bias.data(), p.a_zero_point);
  Qs8Requantization rq(q, p.n);
  const Qs8EpilogueParams& params = rq.params();
  const size_t out_bytes = q.output == Qs8Output::kUint8 ? 1 : 4;
  const size_t out_stride = p.n + 3;  // row padding must stay untouched
  std::vector<uint8_t> residual;
  const size_t residual_stride = p.n + 5;
  if (q.residual) {
    std::uniform_int_distribution<int> u8(0, 255);
    residual.resize(p.m * residual_stride);
    for (auto& v : residual) v = static_cast<uint8_t>(u8(rng));
  }
  std::vector<uint8_t> got(p.m * out_stride * out_bytes, 0xA5);
  g.compute(p.m, p.a.data(), p.a_stride, params, q.residual ? residual.data() : nullptr, residual_stride,
            got.data(), out_stride, pool);
  const std::vector<int32_t> acc = reference_acc(p);
  size_t bad = 0;
  for (size_t i = 0; i < p.m; ++i) {
    for (size_t j = 0; j < out_stride; ++j) {
      const uint8_t* g_bytes = got.data() + (i * out_stride + j) * out_bytes;
      if (j >= p.n) {
        for (size_t b = 0; b < out_bytes; ++b) bad += g_bytes[b] != 0xA5;
        continue;
      }
      uint8_t want[4] = {0, 0, 0, 0};
      qs8_epilogue_reference_value(acc[i * p.n + j], j, q.residual ? residual[i * residual_stride + j] : 0, params,
                                   want);
      if (q.output == Qs8Output::kFloat) {
        float gf, wf;
        std::memcpy(&gf, g_bytes, 4);
        std::memcpy(&wf, want, 4);
        bad += !(gf == wf);
      } else {
        bad += std::memcmp(g_bytes, want, out_bytes) != 0;
      }
    }
  }
  return bad;
}

std::vector<size_t> edges_around(size_t tile) {
  std::vector<size_t> v = {1, 2, tile - 1, tile, tile + 1, 2 * tile - 1, 2 * tile + 1};
  std::vector<size_t> out;
  for (size_t x : v)
    if (x >= 1) out.push_back(x);
  return out;
}

}  // namespace

SPARQ_TEST(qs8_gemm_selected_kernel_matches_level) {
  const std::string level = default_level();
  const std::string name = select_qs8_gemm_kernel(level_features()).name;
  std::cout << "  [" << level << "] int8 GEMM kernel: " << name << "\n";
  if (level == "scalar") CHECK(name == "qs8-gemm-4x8c4-scalar");
  if (level == "avx2") CHECK(name == "qs8-gemm-6x16c2-avx2");
  if (level == "avxvnni") CHECK(name == "qs8-gemm-6x16c4-avxvnni");
  if (level == "avx512vnni")
    CHECK(name == std::string(qs8_amx_available() ? "qs8-gemm-32x32c4-amx" : "qs8-gemm-8x32c4-avx512vnni"));
  if (level == "neon") CHECK(name == "qs8-gemm-4x16-neon");
  if (level == "neondot") CHECK(name == "qs8-gemm-4x16c4-neondot");
  if (level == "i8mm") CHECK(name == "qs8-gemm-4x16c4-neoni8mm");
  // At most 16 columns: the narrow AVX-512 VNNI variant where there is one; elsewhere the best kernel.
  for (size_t n : {1, 15, 16, 17, 64}) {
    const std::string for_n = select_qs8_gemm_kernel(level_features(), n).name;
    if (level == "avx512vnni" && n <= 16) CHECK_EQ(for_n, std::string("qs8-gemm-14x16c4-avx512vnni"));
    else CHECK_EQ(for_n, name);
  }
}

// Every row count 1..MR (both the MR and the 1-row kernel) and ragged depths, on one full and one partial panel.
SPARQ_TEST(qs8_gemm_microkernel_tiles_are_exact) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    std::mt19937 rng(1);
    const size_t nr = kernel.pack.nr, mr = kernel.mr;
    for (size_t k : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127, 129, 257}) {
      for (size_t n : {nr, nr - 3}) {
        for (int32_t zp : {0, 131, 255}) {
          Problem p = random_problem(rng, mr, n, k, zp, 3);
          Qs8PackedGemm g(kernel, k, n, p.w.data(), n, 1, p.bias.data(), zp);
          const std::vector<int32_t> want = reference_acc(p);
          std::vector<uint16_t> wide(mr * ((k + 1) & ~size_t(1)));
          const void* a = p.a.data();
          size_t a_stride = p.a_stride;
          if (kernel.widen_a) {
            qs8_pack_a_u16(mr, k, p.a.data(), p.a_stride, wide.data(), (k + 1) & ~size_t(1));
            a = wide.data();
            a_stride = ((k + 1) & ~size_t(1)) * 2;
          }
          if (kernel.begin) kernel.begin();  // e.g. the AMX tile configuration
          for (size_t rows = 1; rows <= mr; ++rows) {
            std::vector<int32_t> acc(mr * nr, 0x11111111);
            kernel.ukernel(rows, k, a, a_stride, g.panel(0), acc.data());
            for (size_t i = 0; i < rows; ++i)
              for (size_t j = 0; j < n; ++j) CHECK_EQ(acc[i * nr + j], want[i * n + j]);
            // rows past mr repeat the last real row
            for (size_t i = rows; i < mr; ++i)
              for (size_t j = 0; j < n; ++j) CHECK_EQ(acc[i * nr + j], want[(rows - 1) * n + j]);
          }
          std::vector<int32_t> acc1(nr, 0x22222222);
          kernel.ukernel_1(1, k, a, a_stride, g.panel(0), acc1.data());
          if (kernel.end) kernel.end();
          for (size_t j = 0; j < n; ++j) CHECK_EQ(acc1[j], want[j]);
        }
      }
    }
  }
}

// Segmented rows (implicit im2col) holding p's rows cut into `segs` runs of seg_len bytes: row i, run s lives at
// buffer + i * row_gap + s * seg_stride, so runs of different rows interleave, with filler bytes between them.
struct ScatteredRows {
  std::vector<uint8_t> buffer;
  std::vector<const uint8_t*> rows;
  size_t seg_stride;
};

ScatteredRows scatter_rows(const Problem& p, size_t segs, size_t seg_len) {
  const size_t row_gap = seg_len + 3;
  ScatteredRows s;
  s.seg_stride = p.m * row_gap + 9;
  s.buffer.assign(segs * s.seg_stride + p.m * row_gap + 64, 0x77);
  for (size_t i = 0; i < p.m; ++i) {
    s.rows.push_back(s.buffer.data() + i * row_gap);
    for (size_t sg = 0; sg < segs; ++sg)
      std::memcpy(s.buffer.data() + i * row_gap + sg * s.seg_stride, p.a.data() + i * p.a_stride + sg * seg_len,
                  seg_len);
  }
  return s;
}

// The segmented-row kernels (implicit im2col): each row gathered from `segs` runs scattered through a buffer equals
// the reference on the concatenated rows, for every row count, run count and run length, extreme data included.
SPARQ_TEST(qs8_gemm_segmented_microkernels_are_exact) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    if (!kernel.ukernel_seg) continue;
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> u8(0, 255);
    const size_t nr = kernel.pack.nr, mr = kernel.mr;
    for (size_t segs : {1, 2, 3, 7})
      for (size_t seg_len : {4, 12, 48, 64, 196})
        for (int extreme = 0; extreme < 2; ++extreme) {
          const size_t k = segs * seg_len, n = nr - 5;
          Problem p = random_problem(rng, mr, n, k, extreme ? 0 : u8(rng));
          if (extreme) {
            for (auto& v : p.a) v = 255;
            for (auto& v : p.w) v = -128;
          }
          const ScatteredRows a = scatter_rows(p, segs, seg_len);
          Qs8PackedGemm g(kernel, k, n, p.w.data(), n, 1, p.bias.data(), p.a_zero_point);
          const std::vector<int32_t> want = reference_acc(p);
          for (size_t count = 1; count <= mr; ++count) {
            std::vector<int32_t> acc(mr * nr, 0x33333333);
            kernel.ukernel_seg(count, segs, seg_len, a.seg_stride, a.rows.data(), g.panel(0), acc.data());
            for (size_t i = 0; i < count; ++i)
              for (size_t j = 0; j < n; ++j) CHECK_EQ(acc[i * nr + j], want[i * n + j]);
          }
        }
  }
}

// The cases of the fused-u8 kernel tests: 0 random data; 1 relu with output zero point 0; 2 extreme data (x 255,
// w -128, activation zero point 0); 3 huge scales (results far outside 0..255); 4 activation and output zero
// points 255 (the clamp's upper bound at 0); 5 relu and a residual added after requantization with relu; 6 a
// residual added after requantization with extreme zero points and scales (sums far outside 0..255).
constexpr int kFusedU8Variants = 7;

Problem fused_u8_problem(std::mt19937& rng, int variant, size_t m, size_t n, size_t k) {
  Problem p = random_problem(rng, m, n, k, variant == 2 ? 0 : variant == 4 ? 255 : 77);
  if (variant == 2) {
    for (auto& v : p.a) v = 255;
    for (auto& v : p.w) v = -128;
  }
  return p;
}

Qs8QuantizedOutput fused_u8_output(int variant, size_t n) {
  Qs8QuantizedOutput q;
  q.a_scale = variant == 3 ? 40.f : 0.02f;
  q.w_scale.resize(n);
  for (size_t j = 0; j < n; ++j) q.w_scale[j] = 0.001f * static_cast<float>(j + 1);
  q.y_scale = 0.05f;
  q.y_zero_point = variant == 1 ? 0 : variant == 4 || variant == 6 ? 255 : 131;
  q.activation = variant == 1 || variant == 5 ? Qs8Activation::kRelu : Qs8Activation::kNone;
  if (variant >= 5) {
    q.residual = q.residual_after_requantization = true;
    q.residual_scale = variant == 5 ? 0.07f : 2.f;
    q.residual_zero_point = variant == 5 ? 100 : 0;
    q.add_y_scale = variant == 5 ? 0.09f : 0.01f;
    q.add_y_zero_point = variant == 5 ? 20 : 255;
    q.add_relu = variant == 5;
  }
  return q;
}

// Random residual bytes for an m-row tile (row stride `stride`), or none when the case has no residual.
std::vector<uint8_t> fused_u8_residual(std::mt19937& rng, const Qs8EpilogueParams& p, size_t m, size_t stride) {
  std::vector<uint8_t> r;
  if (!p.residual) return r;
  std::uniform_int_distribution<int> u8(0, 255);
  r.resize(m * stride);
  for (auto& v : r) v = static_cast<uint8_t>(u8(rng));
  return r;
}

size_t byte_mismatches(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  size_t bad = 0;
  for (size_t b = 0; b < got.size(); ++b) bad += got[b] != want[b];
  return bad;
}

// The kernels with the u8 fast epilogue fused equal the plain kernel followed by the kernel's epilogue, for every
// row count and column count of a tile, the cases of kFusedU8Variants (residual included); bytes past the tile's rows
// and columns stay untouched.
SPARQ_TEST(qs8_gemm_fused_u8_microkernels_match_kernel_plus_epilogue) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    if (!kernel.ukernel_u8) continue;
    std::mt19937 rng(11);
    const size_t nr = kernel.pack.nr, mr = kernel.mr;
    for (size_t k : {1, 3, 4, 16, 37, 120, 576})
      for (int variant = 0; variant < kFusedU8Variants; ++variant) {
        Problem p = fused_u8_problem(rng, variant, mr, nr, k);
        Qs8Requantization rq(fused_u8_output(variant, nr), nr);
        const Qs8EpilogueParams& params = rq.params();
        CHECK(params.fast);
        Qs8PackedGemm g(kernel, k, nr, p.w.data(), nr, 1, p.bias.data(), p.a_zero_point);
        const size_t residual_stride = nr + 11;
        const std::vector<uint8_t> residual = fused_u8_residual(rng, params, mr, residual_stride);
        const uint8_t* r = params.residual ? residual.data() : nullptr;
        for (size_t count = 1; count <= mr; ++count)
          for (size_t nc : {size_t{1}, size_t{15}, size_t{16}, size_t{17}, nr - 5, nr})
            for (const size_t out_stride : {nr + 7, nc}) {  // a gap after each row, or rows back to back
              if (nc > nr) continue;
              std::vector<int32_t> acc(mr * nr);
              kernel.ukernel(count, k, p.a.data(), p.a_stride, g.panel(0), acc.data());
              std::vector<uint8_t> want(mr * out_stride, 0xA5), got(mr * out_stride, 0xA5);
              kernel.epilogue(count, nc, 0, acc.data(), nr, params, r, residual_stride, want.data(), out_stride);
              kernel.ukernel_u8(count, k, p.a.data(), p.a_stride, g.panel(0), nc, params.scale, params, r,
                                residual_stride, got.data(), out_stride);
              const size_t bad = byte_mismatches(got, want);
              if (bad) std::cout << "  " << kernel.name << " k " << k << " rows " << count << " cols " << nc << "\n";
              CHECK_EQ(bad, size_t(0));
            }
      }
  }
}

// The segmented kernels with the u8 fast epilogue fused equal the segmented kernel followed by the kernel's
// epilogue: every row count, column counts on and off multiples of 16, 1..4 runs of several lengths, the cases of
// kFusedU8Variants; bytes past the tile's rows and columns stay untouched. The outputs must cover the byte range,
// 0 and 255 included, so that the saturating paths are exercised.
SPARQ_TEST(qs8_gemm_fused_u8_segmented_microkernels_match_kernel_plus_epilogue) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    if (!kernel.ukernel_seg_u8) continue;
    CHECK(kernel.ukernel_seg != nullptr);
    std::mt19937 rng(13);
    const size_t nr = kernel.pack.nr, mr = kernel.mr;
    bool seen[256] = {};
    for (size_t segs : {1, 2, 3, 4})
      for (size_t seg_len : {4, 12, 48, 196})
        for (int variant = 0; variant < kFusedU8Variants; ++variant) {
          const size_t k = segs * seg_len;
          Problem p = fused_u8_problem(rng, variant, mr, nr, k);
          const ScatteredRows a = scatter_rows(p, segs, seg_len);
          Qs8Requantization rq(fused_u8_output(variant, nr), nr);
          const Qs8EpilogueParams& params = rq.params();
          CHECK(params.fast);
          Qs8PackedGemm g(kernel, k, nr, p.w.data(), nr, 1, p.bias.data(), p.a_zero_point);
          const size_t residual_stride = nr + 11;
          const std::vector<uint8_t> residual = fused_u8_residual(rng, params, mr, residual_stride);
          const uint8_t* r = params.residual ? residual.data() : nullptr;
          for (size_t count = 1; count <= mr; ++count)
            for (size_t nc : {size_t{1}, size_t{7}, size_t{15}, size_t{16}, size_t{17}, nr - 3, nr})
              for (const size_t out_stride : {nr + 5, nc}) {  // a gap after each row, or rows back to back
                if (nc > nr) continue;
                std::vector<int32_t> acc(mr * nr);
                kernel.ukernel_seg(count, segs, seg_len, a.seg_stride, a.rows.data(), g.panel(0), acc.data());
                std::vector<uint8_t> want(mr * out_stride, 0xA5), got(mr * out_stride, 0xA5);
                kernel.epilogue(count, nc, 0, acc.data(), nr, params, r, residual_stride, want.data(), out_stride);
                kernel.ukernel_seg_u8(count, segs, seg_len, a.seg_stride, a.rows.data(), g.panel(0), nc, params.scale,
                                      params, r, residual_stride, got.data(), out_stride);
                const size_t bad = byte_mismatches(got, want);
                if (bad)
                  std::cout << "  " << kernel.name << " segs " << segs << " x " << seg_len << " variant " << variant
                            << " rows " << count << " cols " << nc << ": " << bad << " bytes differ\n";
                CHECK_EQ(bad, size_t(0));
                for (size_t i = 0; i < count; ++i)
                  for (size_t j = 0; j < nc; ++j) seen[got[i * out_stride + j]] = true;
              }
        }
    size_t distinct = 0;
    for (bool b : seen) distinct += b;
    CHECK(seen[0] && seen[255]);
    CHECK(distinct >= 250);
  }
}

SPARQ_TEST(qs8_gemm_random_shapes_s32_exact) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    std::mt19937 rng(2);
    std::uniform_int_distribution<size_t> dim(1, 300), depth(1, 300), zp(0, 255);
    ThreadPool pool(2);
    for (int trial = 0; trial < 24; ++trial) {
      size_t k = depth(rng);
      if (k % 4 == 0) ++k;  // never a multiple of 4 (so neither of 16 nor 64)
      const Problem p = random_problem(rng, dim(rng), dim(rng), k, static_cast<int32_t>(zp(rng)), trial % 3);
      const size_t bad = check_s32(kernel, p, trial % 2 ? &pool : nullptr);
      if (bad) std::cout << "  shape " << p.m << "x" << p.n << "x" << p.k << ": " << bad << " mismatches\n";
      CHECK_EQ(bad, size_t(0));
    }
  }
}

SPARQ_TEST(qs8_gemm_tile_edges_s32_exact) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    std::mt19937 rng(3);
    for (size_t m : edges_around(kernel.mr))
      for (size_t n : edges_around(kernel.pack.nr))
        for (size_t k : {size_t(1), size_t(3), size_t(17), size_t(67)}) {
          const Problem p = random_problem(rng, m, n, k, 128);
          CHECK_EQ(check_s32(kernel, p, nullptr), size_t(0));
        }
  }
}

SPARQ_TEST(qs8_gemm_extreme_data_exact) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    // all 255 x all -128 (the products vpmaddubsw would saturate on) and the other corners, zero points 0 and 255
    for (uint8_t av : {uint8_t(255), uint8_t(0)})
      for (int8_t wv : {int8_t(-128), int8_t(127)})
        for (int32_t zp : {0, 255})
          for (size_t k : {size_t(1), size_t(7), size_t(255), size_t(1027), size_t(4099)}) {
            Problem p{13, 37, k, zp, std::vector<uint8_t>(13 * k, av), k, std::vector<int8_t>(k * 37, wv),
                      std::vector<int32_t>(37, 0)};
            p.bias[0] = 2147483647;  // wraps exactly like the reference
            p.bias[1] = -2147483647 - 1;
            CHECK_EQ(check_s32(kernel, p, nullptr), size_t(0));
            const std::vector<int32_t> acc = reference_acc(p);
            CHECK_EQ(acc[5], static_cast<int32_t>((static_cast<int64_t>(av) - zp) * wv * static_cast<int64_t>(k)));
            std::mt19937 rng(4);
            for (Qs8Output kind : {Qs8Output::kUint8, Qs8Output::kFloat}) {
              Qs8QuantizedOutput q = random_output(rng, p.n, kind, Qs8Activation::kNone, false, k);
              q.y_zero_point = zp;
              CHECK_EQ(check_epilogue(kernel, p, q, nullptr, rng), size_t(0));
            }
          }
  }
}

SPARQ_TEST(qs8_gemm_epilogues_exact) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    std::mt19937 rng(5);
    std::uniform_int_distribution<size_t> dim(1, 120), depth(1, 200);
    ThreadPool pool(2);
    int trial = 0;
    for (Qs8Output kind : {Qs8Output::kUint8, Qs8Output::kFloat})
      for (Qs8Activation act : {Qs8Activation::kNone, Qs8Activation::kRelu, Qs8Activation::kClip,
                                Qs8Activation::kLeakyRelu, Qs8Activation::kHardSwish})
        for (bool residual : {false, true}) {
          ++trial;
          const Problem p = random_problem(rng, dim(rng), dim(rng), depth(rng) | 1, static_cast<int32_t>(rng() % 256));
          const Qs8QuantizedOutput q = random_output(rng, p.n, kind, act, residual, p.k);
          const size_t bad = check_epilogue(kernel, p, q, trial % 2 ? &pool : nullptr, rng);
          if (bad)
            std::cout << "  output " << int(kind) << " activation " << int(act) << " residual " << residual << ": "
                      << bad << " mismatches\n";
          CHECK_EQ(bad, size_t(0));
        }
  }
}

// The driver's work split (row blocks when activations outweigh weights, column-panel groups otherwise, several
// row blocks at 1 thread once the rows pass its L2 budget) covers every output exactly once, epilogue included.
SPARQ_TEST(qs8_gemm_driver_splits_exact) {
  struct Shape {
    size_t m, n, k;
  };
  // 1000x601 rows = 601 KB: two row blocks even at 1 thread; 260 rows x 40 columns: row blocks at 2 threads;
  // 5 and 1 rows x 300 columns: panel groups; 33 rows: a block tail of one row.
  const Shape shapes[] = {{1000, 40, 601}, {260, 40, 75}, {5, 300, 130}, {1, 300, 67}, {33, 70, 9}};
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    std::mt19937 rng(11);
    ThreadPool pool(2);
    for (const Shape& sh : shapes)
      for (ThreadPool* threads : {static_cast<ThreadPool*>(nullptr), &pool}) {
        const Problem p = random_problem(rng, sh.m, sh.n, sh.k, static_cast<int32_t>(rng() % 256), 1);
        const size_t bad_s32 = check_s32(kernel, p, threads);
        const Qs8QuantizedOutput q = random_output(rng, p.n, Qs8Output::kUint8, Qs8Activation::kRelu, true, p.k);
        const size_t bad_u8 = check_epilogue(kernel, p, q, threads, rng);
        if (bad_s32 || bad_u8)
          std::cout << "  " << kernel.name << " " << sh.m << "x" << sh.n << "x" << sh.k << (threads ? " t2" : " t1")
                    << ": " << bad_s32 << " s32 / " << bad_u8 << " u8 mismatches\n";
        CHECK_EQ(bad_s32, size_t(0));
        CHECK_EQ(bad_u8, size_t(0));
      }
  }
}

// The epilogue alone over the whole s32 range (the GEMM tests only reach accumulators real data produces).
SPARQ_TEST(qs8_epilogue_full_range_exact) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    std::mt19937 rng(6);
    // 37 columns; 72 and 130 take the u8 fast form in 64-column blocks with a narrower last one.
    for (size_t n : {37, 72, 130}) {
    const size_t m = 5;
    std::vector<int32_t> acc(m * n);
    const int32_t specials[] = {0, 1, -1, 2147483647, -2147483647 - 1, 16777217, -16777217, 123456789};
    for (size_t i = 0; i < acc.size(); ++i)
      acc[i] = i < 8 ? specials[i] : static_cast<int32_t>(rng() >> (rng() % 32));
    for (Qs8Output kind : {Qs8Output::kUint8, Qs8Output::kFloat, Qs8Output::kInt32})
      for (Qs8Activation act : {Qs8Activation::kNone, Qs8Activation::kRelu, Qs8Activation::kClip,
                                Qs8Activation::kLeakyRelu, Qs8Activation::kHardSwish})
        for (bool residual : {false, true})
          for (int32_t zp : {0, 255}) {
            Qs8QuantizedOutput q = random_output(rng, n, kind, act, residual, 64);
            q.y_zero_point = zp;
            q.residual_zero_point = 255 - zp;
            // u8 with a residual: also the fused QAdd after requantization (the fast form when relu or none).
            if (residual && kind == Qs8Output::kUint8 && (n == 72 || n == 130)) {
              q.residual_after_requantization = true;
              q.add_y_scale = q.y_scale * 1.5f;
              q.add_y_zero_point = 255 - zp;
              q.add_relu = act == Qs8Activation::kRelu;
            }
            Qs8Requantization rq(q, n);
            std::vector<uint8_t> residual_data(m * n);
            for (auto& v : residual_data) v = static_cast<uint8_t>(rng());
            const size_t out_bytes = kind == Qs8Output::kUint8 ? 1 : 4;
            std::vector<uint8_t> got(m * n * out_bytes), want(m * n * out_bytes);
            kernel.epilogue(m, n, 0, acc.data(), n, rq.params(), residual_data.data(), n, got.data(), n);
            qs8_epilogue__scalar(m, n, 0, acc.data(), n, rq.params(), residual_data.data(), n, want.data(), n);
            CHECK(got == want);  // bitwise, floats included
          }
    }
  }
}

SPARQ_TEST(qs8_gemm_zero_sizes_rejected) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    std::vector<int8_t> w(16, 1);
    CHECK_THROWS(Qs8PackedGemm(kernel, 0, 4, w.data(), 4, 1, nullptr, 0));
    CHECK_THROWS(Qs8PackedGemm(kernel, 4, 0, w.data(), 4, 1, nullptr, 0));
    CHECK_THROWS(Qs8PackedGemm(kernel, 4, 4, w.data(), 4, 1, nullptr, 256));
    CHECK_THROWS(Qs8PackedGemm(kernel, 4, 4, w.data(), 4, 1, nullptr, -1));
    bool plan_error = false;
    try {
      Qs8PackedGemm(kernel, 0, 4, w.data(), 4, 1, nullptr, 0);
    } catch (const PlanError& e) {
      plan_error = std::string(e.what()).find("K and N of at least 1") != std::string::npos;
    }
    CHECK(plan_error);
    // M = 0 computes nothing and touches nothing
    Qs8PackedGemm g(kernel, 4, 4, w.data(), 4, 1, nullptr, 0);
    Qs8QuantizedOutput q;
    q.w_scale = {1.f};
    Qs8Requantization rq(q, 4);
    uint8_t out[4] = {7, 7, 7, 7};
    g.compute(0, nullptr, 4, rq.params(), nullptr, 0, out, 4, nullptr);
    CHECK(out[0] == 7 && out[3] == 7);
    Qs8QuantizedOutput bad_scale = q;
    bad_scale.y_scale = 0.f;
    CHECK_THROWS(Qs8Requantization(bad_scale, 4));
    Qs8QuantizedOutput bad_count = q;
    bad_count.w_scale = {1.f, 2.f};
    CHECK_THROWS(Qs8Requantization(bad_count, 4));
  }
}

// Weights given N x K (conv OHWI layout) pack to the same result as K x N.
SPARQ_TEST(qs8_gemm_weight_strides) {
  for (const Qs8GemmKernel* kernel_ptr : kernels_under_test()) {
    const Qs8GemmKernel& kernel = *kernel_ptr;
    std::mt19937 rng(7);
    const Problem p = random_problem(rng, 19, 45, 71, 77);
    std::vector<int8_t> wt(p.k * p.n);
    for (size_t kk = 0; kk < p.k; ++kk)
      for (size_t j = 0; j < p.n; ++j) wt[j * p.k + kk] = p.w[kk * p.n + j];
    Qs8PackedGemm g(kernel, p.k, p.n, wt.data(), 1, p.k, p.bias.data(), p.a_zero_point);
    Qs8QuantizedOutput q;
    q.output = Qs8Output::kInt32;
    q.w_scale = {1.f};
    Qs8Requantization rq(q, p.n);
    std::vector<int32_t> got(p.m * p.n);
    g.compute(p.m, p.a.data(), p.a_stride, rq.params(), nullptr, 0, got.data(), p.n, nullptr);
    CHECK(got == reference_acc(p));
  }
}

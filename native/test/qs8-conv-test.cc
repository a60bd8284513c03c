// QConv (NHWC int8) built through the registry against the plain reference convolution plus reference epilogue:
// 1x1 direct, strided / padded / dilated KxK by im2col, grouped, depthwise (3x3, 5x5, generic), residual, every
// activation, u8 and f32 outputs, extreme data; u8 bit-exact on every ISA level. Bad descriptors throw PlanError.
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "reference/qs8-conv-reference.h"
#include "runtime/dispatch-qs8.h"
#include "test/ops-test-plan.h"
#include "test/qs8-op-fixture.h"
#include "test/test-harness.h"

using namespace sparq;
using namespace sparq_test;

namespace {

struct QConvCase {
  size_t n, h, w, c, m, group, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  Qs8Activation act = Qs8Activation::kNone;
  bool bias = true, residual = false, f32_out = false, per_channel = true;
  int threads = 1;
  int extreme = 0;  // 0 random data; 1 all x 255 / w -128; 2 all x 0 / w 127
  int x_zero_point = -1;  // -1: random
};

std::string describe(const QConvCase& k) {
  std::ostringstream os;
  os << "N" << k.n << " " << k.h << "x" << k.w << "x" << k.c << " -> M" << k.m << " g" << k.group << " k" << k.kh
     << "x" << k.kw << " s" << k.sh << "x" << k.sw << " d" << k.dh << "x" << k.dw << " p" << k.pt << "," << k.pl
     << "," << k.pb << "," << k.pr << " " << activation_name(k.act) << (k.bias ? " bias" : "")
     << (k.residual ? " residual" : "") << (k.f32_out ? " f32" : " u8") << " t" << k.threads
     << (k.extreme ? " extreme" : "");
  return os.str();
}

size_t out_size(size_t in, size_t pa, size_t pb, size_t k, size_t s, size_t d) { return (in + pa + pb - d * (k - 1) - 1) / s + 1; }

OpAttrs conv_attrs(const QConvCase& k) {
  OpAttrs at;
  at.numbers["group"] = {static_cast<double>(k.group)};
  at.numbers["kernel_shape"] = {static_cast<double>(k.kh), static_cast<double>(k.kw)};
  at.numbers["strides"] = {static_cast<double>(k.sh), static_cast<double>(k.sw)};
  at.numbers["dilations"] = {static_cast<double>(k.dh), static_cast<double>(k.dw)};
  at.numbers["pads"] = {static_cast<double>(k.pt), static_cast<double>(k.pl), static_cast<double>(k.pb),
                        static_cast<double>(k.pr)};
  return at;
}

// Builds and runs one QConv; returns the op's kernel_name(). Counts mismatches against the reference.
std::string run_case(const QConvCase& k, uint32_t seed) {
  std::mt19937 rng(seed);
  const size_t oh = out_size(k.h, k.pt, k.pb, k.kh, k.sh, k.dh), ow = out_size(k.w, k.pl, k.pr, k.kw, k.sw, k.dw);
  const size_t cg = k.c / k.group, depth = cg * k.kh * k.kw;
  std::vector<uint8_t> x = random_values<uint8_t>(rng, k.n * k.h * k.w * k.c, 0, 255);
  std::vector<int8_t> w = random_values<int8_t>(rng, k.m * cg * k.kh * k.kw, -128, 127);
  std::vector<int32_t> b = random_values<int32_t>(rng, k.m, -20000, 20000);
  std::vector<uint8_t> r = random_values<uint8_t>(rng, k.residual ? k.n * oh * ow * k.m : 0, 0, 255);
  if (k.extreme) {
    std::fill(x.begin(), x.end(), k.extreme == 1 ? 255 : 0);
    std::fill(w.begin(), w.end(), k.extreme == 1 ? -128 : 127);
  }
  const int32_t x_zp = k.x_zero_point >= 0 ? k.x_zero_point : std::uniform_int_distribution<int>(0, 255)(rng);
  Qs8QuantizedOutput q = random_quantization(rng, k.m, depth, k.f32_out ? Qs8Output::kFloat : Qs8Output::kUint8, k.act,
                                             k.residual, k.per_channel);

  TestPlan plan;
  const int64_t n = static_cast<int64_t>(k.n);
  const int ix = plan.tensor(DType::kUInt8, {n, static_cast<int64_t>(k.h), static_cast<int64_t>(k.w), static_cast<int64_t>(k.c)}, x);
  const int iw = plan.constant(DType::kInt8, {static_cast<int64_t>(k.m), static_cast<int64_t>(cg), static_cast<int64_t>(k.kh),
                                              static_cast<int64_t>(k.kw)}, w);
  const int ib = k.bias ? plan.constant(DType::kInt32, {static_cast<int64_t>(k.m)}, b) : -1;
  const std::vector<int64_t> ys = {n, static_cast<int64_t>(oh), static_cast<int64_t>(ow), static_cast<int64_t>(k.m)};
  const int ir = k.residual ? plan.tensor(DType::kUInt8, ys, r) : -1;
  const int iy = plan.tensor(k.f32_out ? DType::kFloat32 : DType::kUInt8, ys);
  OpDesc d = plan.op("QConv", {ix, iw, ib, ir}, {iy});
  d.attrs = conv_attrs(k);
  set_quantization_attrs(d.attrs, "x", q, x_zp);
  std::string name;
  try {
    name = plan.build(d, k.threads)->kernel_name();
    CHECK_RUN_OK(plan.run(d, k.threads));
  } catch (const std::exception& e) {
    report_failure(__FILE__, __LINE__, describe(k) + ": " + e.what());
    return name;
  }

  Qs8ConvReferenceShape s;
  s.batch = k.n; s.in_h = k.h; s.in_w = k.w; s.in_c = k.c; s.out_h = oh; s.out_w = ow; s.out_c = k.m;
  s.group = k.group; s.kernel_h = k.kh; s.kernel_w = k.kw; s.stride_h = k.sh; s.stride_w = k.sw;
  s.dilation_h = k.dh; s.dilation_w = k.dw; s.pad_top = k.pt; s.pad_left = k.pl;
  std::vector<int32_t> acc(k.n * oh * ow * k.m);
  qs8_conv_reference(s, x.data(), x_zp, w.data(), k.bias ? b.data() : nullptr, acc.data());
  const std::vector<uint8_t> want = reference_outputs(acc, k.m, r, q);
  const size_t bytes = k.f32_out ? 4 : 1;
  std::vector<uint8_t> got(want.size());
  const auto& yt = plan.desc(iy);
  (void)yt;
  if (k.f32_out) {
    const std::vector<float> v = plan.get<float>(iy);
    if (!v.empty()) std::memcpy(got.data(), v.data(), got.size());
  } else {
    got = plan.get<uint8_t>(iy);
  }
  const size_t bad = count_mismatches(got, want, bytes, describe(k) + " [" + name + "]");
  CHECK_EQ(bad, size_t(0));
  return name;
}

QConvCase conv(size_t n, size_t h, size_t w, size_t c, size_t m, size_t group, size_t kh, size_t kw, size_t s,
               size_t p, size_t d = 1) {
  return QConvCase{n, h, w, c, m, group, kh, kw, s, s, d, d, p, p, p, p};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Convs with 1..4 input channels (not 1x1 pointwise, not grouped, undilated horizontally) run the direct
// few-channel kernels where the CPU has them (AVX-VNNI, AVX-512 VNNI, NEON dot product), im2col + GEMM elsewhere.
const char* few_channel_path() {
  const CpuFeatures f = features_for_level(default_level());
  return f.avx512vnni || f.avxvnni || f.neondot ? " few-channel" : " im2col";
}

// Other windows: implicit im2col (windows read in place from the padded input) where the chosen GEMM kernel has a
// segmented variant and each kernel row is a whole number of 4-byte groups; an unfolded im2col copy otherwise.
const char* kxk_path(const QConvCase& k) {
  if (k.c <= 4 && k.group == 1 && k.dw == 1) return few_channel_path();
  const Qs8GemmKernel& kernel = select_qs8_gemm_kernel(features_for_level(default_level()), k.m / k.group);
  const bool implicit = kernel.ukernel_seg && k.group == 1 && k.dw == 1 && (k.kw * k.c) % 4 == 0;
  return implicit ? " implicit" : " im2col";
}

}  // namespace

SPARQ_TEST(qconv_pointwise_is_direct_gemm_and_exact) {
  uint32_t seed = 1;
  for (size_t m : {1, 7, 31, 32, 33, 64, 100})
    for (size_t c : {1, 3, 17, 64})
      for (size_t hw : {1, 5, 9}) {
        const std::string name = run_case(conv(1, hw, hw + 2, c, m, 1, 1, 1, 1, 0), seed++);
        CHECK(contains(name, c == 1 && m == 1 ? " depthwise" : " direct"));  // 1 channel is group == C == M
      }
  // rows around the kernel's MR, batch folded in, several threads
  const size_t mr = select_qs8_gemm_kernel(features_for_level(default_level())).mr;
  for (size_t rows : {mr - 1, mr, mr + 1, 2 * mr + 3}) {
    QConvCase k = conv(1, 1, rows, 24, 40, 1, 1, 1, 1, 0);
    k.threads = 2;
    run_case(k, seed++);
    k = conv(2, rows, 3, 5, 70, 1, 1, 1, 1, 0);
    k.threads = 3;
    run_case(k, seed++);
  }
}

SPARQ_TEST(qconv_kxk_im2col_strides_pads_dilations) {
  uint32_t seed = 100;
  std::vector<QConvCase> cases = {
      conv(1, 8, 8, 16, 32, 1, 3, 3, 1, 1),   conv(1, 9, 7, 5, 33, 1, 3, 3, 2, 1),
      conv(2, 6, 6, 3, 8, 1, 5, 5, 1, 2),     conv(1, 15, 15, 3, 16, 1, 7, 7, 2, 3),
      conv(1, 10, 10, 8, 12, 1, 3, 3, 1, 2, 2), conv(1, 7, 7, 64, 64, 1, 3, 3, 1, 1),
      conv(1, 8, 8, 12, 20, 1, 1, 1, 2, 0),   conv(1, 5, 5, 4, 4, 1, 1, 1, 1, 1),
      conv(1, 4, 4, 130, 65, 1, 2, 2, 1, 0),  conv(1, 3, 3, 7, 9, 1, 3, 3, 1, 0),
  };
  QConvCase asym{1, 7, 9, 6, 10, 1, 3, 2, 2, 1, 1, 2, 0, 1, 2, 0};
  cases.push_back(asym);
  QConvCase big_k = conv(1, 4, 4, 300, 40, 1, 3, 3, 1, 1);  // K = 2700: several im2col blocks' worth of depth
  cases.push_back(big_k);
  QConvCase many_rows = conv(1, 40, 40, 8, 24, 1, 3, 3, 1, 1);  // more than one im2col row block
  many_rows.threads = 2;
  cases.push_back(many_rows);
  for (const auto& k : cases) CHECK(contains(run_case(k, seed++), kxk_path(k)));
  // Kernel rows of 96, 192 and 256 bytes (the padded-row limit) and 320 (past it), strided too.
  for (const auto& k : {conv(1, 14, 14, 32, 32, 1, 3, 3, 1, 1), conv(1, 9, 11, 64, 24, 1, 3, 3, 2, 1),
                        conv(1, 9, 9, 64, 24, 1, 4, 4, 1, 1), conv(1, 9, 9, 80, 20, 1, 4, 4, 2, 2)})
    CHECK(contains(run_case(k, seed++), kxk_path(k)));
  // At most 16 output channels: the narrow 14x16 kernel on AVX-512 VNNI, reading the windows in place.
  const std::string narrow = run_case(conv(1, 28, 28, 16, 16, 1, 3, 3, 1, 1), seed++);
  if (features_for_level(default_level()).avx512vnni) CHECK(contains(narrow, "qs8-gemm-14x16c4-avx512vnni implicit"));
  // Implicit im2col across images and row blocks, strided and vertically dilated, unpadded (read from the input
  // itself), and one kernel row narrower than a 4-byte group multiple (unfolded instead).
  QConvCase batched = conv(3, 20, 19, 64, 40, 1, 3, 3, 1, 1);  // 224-row blocks, 380 rows per image
  batched.threads = 2;
  QConvCase dilated{1, 13, 12, 12, 24, 1, 3, 3, 2, 1, 2, 1, 2, 1, 0, 1};
  for (const auto& k : {batched, dilated, conv(2, 9, 9, 16, 20, 1, 3, 3, 2, 0), conv(1, 9, 9, 6, 20, 1, 3, 3, 1, 1)})
    CHECK(contains(run_case(k, seed++), kxk_path(k)));
  QConvCase threaded = conv(1, 12, 12, 32, 96, 1, 3, 3, 1, 1);
  for (int t : {2, 3, 4}) {
    threaded.threads = t;
    run_case(threaded, seed++);
  }
}

// Few-channel inputs (stems) unfold through zero-point-padded rows with whole-chunk copies: every padding, stride,
// kernel width up to the 64-byte limit, grouped gathers, and blocks that end mid-image and span two images.
SPARQ_TEST(qconv_few_channel_stems_padded_im2col) {
  uint32_t seed = 150;
  for (size_t c : {1, 2, 3, 4})
    for (size_t kk : {1, 2, 3, 5, 7})
      for (size_t s : {1, 2}) {
        QConvCase k = conv(1, 13, 11, c, c == 1 ? 16 : 24, 1, kk, kk, s, kk / 2);
        if (kk == 2) k.pr = 0, k.pb = 0;  // asymmetric
        CHECK(contains(run_case(k, seed++), few_channel_path()) || kk == 1);
      }
  QConvCase wide = conv(1, 9, 12, 8, 8, 1, 1, 8, 1, 0);  // one kernel row = 64 bytes, the limit
  wide.pl = 3;
  wide.pr = 4;
  run_case(wide, seed++);
  run_case(conv(1, 9, 9, 9, 9, 1, 1, 8, 1, 0), seed++);   // 72 bytes: the checked path
  run_case(conv(2, 7, 7, 6, 12, 2, 3, 3, 1, 1), seed++);  // grouped: only the group's channels are gathered
  run_case(conv(1, 28, 28, 1, 16, 1, 3, 3, 1, 1, 2), seed++);  // dilated: the checked path
  QConvCase blocks = conv(2, 125, 125, 1, 16, 1, 3, 3, 1, 1);  // 15625 rows per image: several row blocks
  run_case(blocks, seed++);
  blocks.threads = 3;
  run_case(blocks, seed++);
  QConvCase mnist = conv(1, 28, 28, 1, 16, 1, 3, 3, 1, 1);
  mnist.act = Qs8Activation::kRelu;
  run_case(mnist, seed++);
  mnist.sh = mnist.sw = 2;
  mnist.act = Qs8Activation::kHardSwish;
  run_case(mnist, seed++);
}

// The direct few-channel kernels against the reference: C 1..4 x kernel 1x3 .. 7x7 x strides 1-3 x paddings
// (asymmetric too), output channels around the 16- and 64-wide panels, rows around the kernels' 4-, 6- and
// 14-pixel tiles and the 84-pixel chunk, batches, threads, residual, f32 output, vertical dilation, extreme data.
SPARQ_TEST(qconv_few_channel_direct_kernels_sweep) {
  uint32_t seed = 2000;
  const std::string path = few_channel_path();
  std::cout << "  [" << default_level() << "] few-channel convs:" << path << "\n";
  for (size_t c : {1, 2, 3, 4})
    for (size_t kk : {3, 5, 7})
      for (size_t s : {1, 2})
        for (size_t m : {1, 16, 17, 33, 64}) {
          // (one input and one output channel would be depthwise)
          QConvCase k = conv(1 + seed % 2, 9 + kk, 7 + c + s, c, c == 1 && m == 1 ? 2 : m, 1, kk, kk, s,
                             (kk / 2 + seed) % (kk / 2 + 2));
          k.act = static_cast<Qs8Activation>(seed % 5);
          CHECK(contains(run_case(k, seed++), path));
        }
  for (size_t m : {15, 31, 32, 63, 65, 100, 130})
    CHECK(contains(run_case(conv(1, 10, 13, 3, m, 1, 3, 3, 1, 1), seed++), path));
  // AVX-512 VNNI: the kernel whose panels fit the output channels best (16, 32, then 64 wide)
  if (features_for_level(default_level()).avx512vnni)
    for (const auto& [m, kernel] : std::vector<std::pair<size_t, std::string>>{
             {16, "qs8-conv-fewc-14x16c4"}, {17, "qs8-conv-fewc-12x32c4"}, {24, "qs8-conv-fewc-12x32c4"},
             {32, "qs8-conv-fewc-12x32c4"}, {33, "qs8-conv-fewc-6x64c4"}})
      CHECK(contains(run_case(conv(1, 28, 28, 1, m, 1, 3, 3, 1, 1), seed++), kernel));
  for (size_t w : {5, 6, 7, 8, 9, 13, 14, 15, 28, 29, 83, 84, 85, 241}) {
    CHECK(contains(run_case(conv(1, 3, w, 1, 16, 1, 3, 3, 1, 1), seed++), path));
    CHECK(contains(run_case(conv(1, 3, w, 3, 64, 1, 3, 3, 1, 1), seed++), path));
  }
  std::vector<QConvCase> odd = {
      QConvCase{1, 11, 9, 3, 24, 1, 1, 3, 1, 1, 1, 1, 0, 1, 0, 2},   // 1x3, asymmetric padding
      QConvCase{2, 10, 13, 2, 40, 1, 3, 1, 2, 1, 1, 1, 1, 0, 2, 0},  // 3x1
      QConvCase{1, 12, 12, 4, 20, 1, 2, 2, 2, 2, 1, 1, 0, 0, 1, 1},  // 2x2 stride 2 (patchify)
      QConvCase{1, 16, 17, 3, 32, 1, 4, 4, 4, 4, 1, 1, 0, 0, 0, 0},  // 4x4 stride 4
      QConvCase{1, 13, 15, 3, 48, 1, 3, 3, 3, 3, 1, 1, 1, 2, 0, 1},  // stride 3
      QConvCase{1, 14, 12, 1, 8, 1, 3, 3, 1, 1, 2, 1, 2, 1, 2, 1},   // vertical dilation
      QConvCase{1, 9, 9, 3, 16, 1, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0},    // 1x1 stride 2
      QConvCase{1, 6, 6, 2, 16, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},    // 1x1 padded
  };
  for (const QConvCase& k : odd) CHECK(contains(run_case(k, seed++), path));
  CHECK(contains(run_case(conv(1, 12, 12, 3, 16, 1, 3, 3, 1, 1, 2), seed++), " im2col"));  // horizontal dilation
  CHECK(contains(run_case(conv(1, 6, 6, 3, 16, 1, 1, 1, 1, 0), seed++), " direct"));       // pointwise: GEMM
  CHECK(contains(run_case(conv(1, 6, 6, 4, 8, 2, 3, 3, 1, 1), seed++), " grouped"));
  for (bool residual : {false, true})
    for (bool f32_out : {false, true})
      for (int threads : {1, 3}) {
        QConvCase k = conv(2, 23, 21, 3, 64, 1, 7, 7, 2, 3);
        k.residual = residual;
        k.f32_out = f32_out;
        k.threads = threads;
        k.act = static_cast<Qs8Activation>(seed % 5);
        k.bias = seed % 2 == 0;
        k.per_channel = seed % 3 != 0;
        run_case(k, seed++);
        QConvCase mnist = conv(3, 28, 28, 1, 16, 1, 3, 3, 1, 1);
        mnist.residual = residual;
        mnist.f32_out = f32_out;
        mnist.threads = threads;
        run_case(mnist, seed++);
      }
  for (int extreme : {1, 2})
    for (int zp : {0, 255})
      for (const QConvCase& base : {conv(1, 9, 10, 3, 64, 1, 7, 7, 2, 3), conv(1, 8, 8, 1, 16, 1, 3, 3, 1, 1),
                                    conv(1, 7, 9, 4, 33, 1, 5, 5, 1, 2)}) {
        QConvCase k = base;
        k.extreme = extreme;
        k.x_zero_point = zp;
        k.f32_out = zp == 255;
        run_case(k, seed++);
      }
}

SPARQ_TEST(qconv_grouped_per_group_gemm) {
  uint32_t seed = 200;
  for (const QConvCase& k : {conv(1, 6, 6, 8, 12, 2, 3, 3, 1, 1), conv(1, 5, 5, 12, 12, 4, 1, 1, 1, 0),
                             conv(2, 7, 7, 6, 9, 3, 3, 3, 2, 1), conv(1, 6, 6, 4, 8, 4, 3, 3, 1, 1),
                             conv(1, 9, 9, 64, 64, 2, 3, 3, 1, 1)}) {
    QConvCase t = k;
    CHECK(contains(run_case(t, seed++), " grouped"));
    t.threads = 2;
    t.residual = true;
    run_case(t, seed++);
  }
}

SPARQ_TEST(qconv_depthwise_direct_kernels) {
  uint32_t seed = 300;
  const Qs8DwconvKernel& kernel = select_qs8_dwconv_kernel(features_for_level(default_level()));
  const std::string dw = kernel.name;
  // u8 outputs of undilated 3x3 windows without a residual go through the fused 3x3 kernel where there is one
  const std::string dw3 = kernel.ukernel_3x3_u8 ? kernel.name_3x3_u8 : kernel.name;
  std::cout << "  [" << default_level() << "] int8 depthwise kernels: " << dw << ", 3x3 u8 " << dw3 << "\n";
  for (size_t c : {1, 7, 16, 64, 65, 130})
    for (size_t kk : {3, 5})
      for (size_t s : {1, 2}) {
        const std::string name = run_case(conv(1, 9, 11, c, c, c, kk, kk, s, kk / 2), seed++);
        CHECK(contains(name, kk == 3 ? dw3 : dw) && contains(name, "depthwise"));
      }
  run_case(conv(2, 12, 12, 24, 24, 24, 7, 7, 1, 3), seed++);      // generic KxK
  run_case(conv(1, 9, 9, 32, 32, 32, 3, 3, 1, 2, 2), seed++);     // dilated
  run_case(conv(1, 6, 6, 10, 10, 10, 3, 3, 1, 0), seed++);        // no padding
  QConvCase asym{1, 8, 7, 20, 20, 20, 3, 3, 2, 1, 1, 1, 0, 1, 2, 0};
  run_case(asym, seed++);
  QConvCase threaded = conv(2, 14, 14, 96, 96, 96, 3, 3, 1, 1);
  threaded.threads = 3;
  threaded.residual = true;
  run_case(threaded, seed++);
  // depth multiplier 2 is not depthwise: per-group GEMM
  CHECK(contains(run_case(conv(1, 6, 6, 8, 16, 8, 3, 3, 1, 1), seed++), " grouped"));
}

// The 3x3 depthwise shapes of the MobileNet fixture and their neighbours through the op: batches (row ranges cut at
// image boundaries), threads (row ranges cut anywhere), odd heights, the activations the fused kernel folds into its
// clamp, and the cases it leaves to the row kernel + GEMM epilogue (residual, f32 output, other activations).
SPARQ_TEST(qconv_depthwise_3x3_fused_and_row_paths) {
  uint32_t seed = 350;
  const Qs8DwconvKernel& kernel = select_qs8_dwconv_kernel(features_for_level(default_level()));
  const std::string dw3 = kernel.ukernel_3x3_u8 ? kernel.name_3x3_u8 : kernel.name;
  const std::vector<QConvCase> shapes = {conv(1, 14, 14, 16, 16, 16, 3, 3, 1, 1), conv(1, 14, 14, 64, 64, 64, 3, 3, 2, 1),
                                         conv(1, 7, 7, 72, 72, 72, 3, 3, 1, 1),   conv(1, 7, 7, 72, 72, 72, 3, 3, 2, 1),
                                         conv(1, 4, 4, 120, 120, 120, 3, 3, 1, 1), conv(3, 9, 6, 24, 24, 24, 3, 3, 2, 1),
                                         conv(2, 5, 8, 200, 200, 200, 3, 3, 1, 1), conv(4, 3, 3, 8, 8, 8, 3, 3, 1, 0)};
  for (const QConvCase& base : shapes)
    for (int threads : {1, 2, 3})
      for (Qs8Activation act : {Qs8Activation::kNone, Qs8Activation::kRelu, Qs8Activation::kClip}) {
        QConvCase k = base;
        k.threads = threads;
        k.act = act;
        k.n = threads == 1 ? base.n : base.n + 1;
        k.per_channel = seed % 2 == 0;
        CHECK(contains(run_case(k, seed++), dw3));
      }
  for (const QConvCase& base : {conv(2, 7, 7, 72, 72, 72, 3, 3, 1, 1), conv(1, 9, 9, 40, 40, 40, 3, 3, 2, 1)}) {
    QConvCase k = base;
    k.residual = true;
    CHECK(contains(run_case(k, seed++), kernel.name));
    k.residual = false;
    k.f32_out = true;
    CHECK(contains(run_case(k, seed++), kernel.name));
    k.f32_out = false;
    k.act = Qs8Activation::kHardSwish;
    CHECK(contains(run_case(k, seed++), kernel.name));
  }
}

SPARQ_TEST(qconv_every_activation_residual_and_output_dtype) {
  uint32_t seed = 400;
  for (Qs8Activation act : {Qs8Activation::kNone, Qs8Activation::kRelu, Qs8Activation::kClip,
                            Qs8Activation::kLeakyRelu, Qs8Activation::kHardSwish})
    for (bool residual : {false, true})
      for (bool f32_out : {false, true})
        for (const QConvCase& base : {conv(1, 6, 6, 16, 40, 1, 1, 1, 1, 0), conv(1, 7, 7, 9, 33, 1, 3, 3, 1, 1),
                                      conv(1, 7, 7, 40, 40, 40, 3, 3, 2, 1)}) {
          QConvCase k = base;
          k.act = act;
          k.residual = residual;
          k.f32_out = f32_out;
          k.bias = seed % 2 == 0;
          k.per_channel = seed % 3 != 0;
          run_case(k, seed++);
        }
}

SPARQ_TEST(qconv_extreme_data_and_zero_points) {
  uint32_t seed = 500;
  for (int extreme : {1, 2})
    for (int zp : {0, 255})
      for (const QConvCase& base : {conv(1, 5, 5, 64, 40, 1, 1, 1, 1, 0), conv(1, 6, 6, 200, 33, 1, 3, 3, 1, 1),
                                    conv(1, 6, 6, 70, 70, 70, 5, 5, 1, 2), conv(1, 5, 5, 8, 8, 2, 3, 3, 2, 1)})
        for (bool f32_out : {false, true}) {
          QConvCase k = base;
          k.extreme = extreme;
          k.x_zero_point = zp;
          k.f32_out = f32_out;
          run_case(k, seed++);
        }
}

SPARQ_TEST(qconv_random_geometry_sweep) {
  std::mt19937 rng(600);
  auto pick = [&](size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng); };
  for (uint32_t trial = 0; trial < 60; ++trial) {
    QConvCase k{};
    k.n = pick(1, 2);
    k.kh = pick(1, 4);
    k.kw = pick(1, 4);
    k.sh = pick(1, 3);
    k.sw = pick(1, 3);
    k.dh = pick(1, 2);
    k.dw = pick(1, 2);
    k.pt = pick(0, 2);
    k.pl = pick(0, 2);
    k.pb = pick(0, 2);
    k.pr = pick(0, 2);
    k.h = pick((k.kh - 1) * k.dh + 1, 12);
    k.w = pick((k.kw - 1) * k.dw + 1, 12);
    const size_t kind = trial % 3;  // dense, grouped, depthwise
    k.group = kind == 0 ? 1 : kind == 1 ? pick(2, 3) : pick(1, 80);
    k.c = kind == 2 ? k.group : k.group * pick(1, 40);
    k.m = kind == 2 ? k.group : k.group * pick(1, 40);
    k.act = static_cast<Qs8Activation>(pick(0, 4));
    k.bias = pick(0, 1);
    k.residual = pick(0, 1);
    k.f32_out = pick(0, 3) == 0;
    k.per_channel = pick(0, 1);
    k.threads = static_cast<int>(pick(1, 3));
    run_case(k, 1000 + trial);
  }
}

SPARQ_TEST(qconv_rejects_bad_descriptors) {
  // A valid 3x3 conv; each variation below breaks one thing.
  auto build = [](const std::function<void(TestPlan&, OpDesc&)>& mutate) {
    TestPlan plan;
    const int ix = plan.tensor(DType::kUInt8, {1, 6, 6, 4});
    const int iw = plan.constant(DType::kInt8, {8, 4, 3, 3}, std::vector<int8_t>(8 * 4 * 9, 1));
    const int ib = plan.constant(DType::kInt32, {8}, std::vector<int32_t>(8, 0));
    const int iy = plan.tensor(DType::kUInt8, {1, 6, 6, 8});
    OpDesc d = plan.op("QConv", {ix, iw, ib}, {iy});
    d.attrs.numbers["kernel_shape"] = {3, 3};
    d.attrs.numbers["pads"] = {1, 1, 1, 1};
    d.attrs.numbers["x_scale"] = {0.02};
    d.attrs.numbers["x_zero_point"] = {128};
    d.attrs.numbers["w_scales"] = {0.01};
    d.attrs.numbers["y_scale"] = {0.1};
    d.attrs.numbers["y_zero_point"] = {3};
    mutate(plan, d);
    plan.build(d);
  };
  const std::string node = "node_QConv";
  CHECK(!throws_plan_error([&] { build([](TestPlan&, OpDesc&) {}); }, node));
  auto rejects = [&](const std::function<void(TestPlan&, OpDesc&)>& mutate) {
    return throws_plan_error([&] { build(mutate); }, node);
  };
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs[0] = p.tensor(DType::kFloat32, {1, 6, 6, 4}); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs[1] = p.tensor(DType::kInt8, {8, 4, 3, 3}); }));  // not constant
  CHECK(rejects([](TestPlan& p, OpDesc& d) {
    d.inputs[1] = p.constant(DType::kUInt8, {8, 4, 3, 3}, std::vector<uint8_t>(288, 1));
  }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs[2] = p.constant(DType::kFloat32, {8}, std::vector<float>(8, 0)); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs[2] = p.constant(DType::kInt32, {7}, std::vector<int32_t>(7, 0)); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.outputs[0] = p.tensor(DType::kInt32, {1, 6, 6, 8}); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.outputs[0] = p.tensor(DType::kUInt8, {1, 4, 4, 8}); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) { d.inputs.push_back(p.tensor(DType::kFloat32, {1, 6, 6, 8})); }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) {  // residual without r_scale
    d.inputs.push_back(p.tensor(DType::kUInt8, {1, 6, 6, 8}));
  }));
  CHECK(rejects([](TestPlan& p, OpDesc& d) {
    d.inputs.push_back(p.tensor(DType::kUInt8, {1, 6, 6, 7}));
    d.attrs.numbers["r_scale"] = {0.1};
  }));
  for (const char* scale : {"x_scale", "y_scale"})
    for (double bad : {0.0, -1.0, std::nan(""), 1.0 / 0.0, 1e300}) {
      CHECK(rejects([&](TestPlan&, OpDesc& d) { d.attrs.numbers[scale] = {bad}; }));
    }
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers.erase("x_scale"); }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["w_scales"] = {0.1, 0.2}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["w_scales"] = {}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["w_scales"] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.0}; }));
  for (const char* zp : {"x_zero_point", "y_zero_point"})
    for (double bad : {-1.0, 256.0, 1.5, std::nan("")}) {
      CHECK(rejects([&](TestPlan&, OpDesc& d) { d.attrs.numbers[zp] = {bad}; }));
    }
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.strings["activation"] = "sigmoid"; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["group"] = {3}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["kernel_shape"] = {5, 5}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["strides"] = {0, 1}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["pads"] = {1, 1}; }));
  CHECK(rejects([](TestPlan&, OpDesc& d) { d.attrs.numbers["w_zero_point"] = {3}; }));
  // f32 Y ignores y_scale / y_zero_point entirely
  CHECK(!rejects([](TestPlan& p, OpDesc& d) {
    d.outputs[0] = p.tensor(DType::kFloat32, {1, 6, 6, 8});
    d.attrs.numbers.erase("y_scale");
  }));
}

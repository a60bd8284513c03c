// Every usable few-channel direct conv kernel (not only the one QConv picks) against the plain int8 reference
// convolution, s32 accumulators compared exactly: C 1..4, kernel shapes up to 7x7 and 64-byte windows,
// strides, asymmetric padding, vertical dilation, output channels around the panels, rows around the pixel tiles
// and the pixel chunk, batches, threads, extreme data and zero points. Then the u8 outputs (fused into the kernels
// that have ukernel_u8, the separate epilogue otherwise) against the reference epilogue, byte for byte.
#include <algorithm>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "kernels/qs8-epilogue/qs8-requantization.h"
#include "ops/qconv-few-channels.h"
#include "reference/qs8-conv-reference.h"
#include "runtime/cpu.h"
#include "runtime/dispatch-qs8.h"
#include "runtime/thread-pool.h"
#include "test/qs8-op-fixture.h"
#include "test/test-harness.h"

using namespace sparq;
using namespace sparq_test;

namespace {

struct FewcCase {
  size_t n, h, w, c, m, kh, kw, sh, sw, dh, pt, pl, pb, pr;
  int extreme = 0;  // 0 random; 1 x 255 / w -128; 2 x 0 / w 127
  int zero_point = -1;  // -1: random
};

std::string describe(const FewcCase& k, const Qs8FewcKernel& kernel) {
  std::ostringstream os;
  os << kernel.name << ": N" << k.n << " " << k.h << "x" << k.w << "x" << k.c << " -> M" << k.m << " k" << k.kh << "x"
     << k.kw << " s" << k.sh << "x" << k.sw << " dh" << k.dh << " p" << k.pt << "," << k.pl << "," << k.pb << ","
     << k.pr << (k.extreme ? " extreme" : "");
  return os.str();
}

// One case's geometry, data and reference accumulators.
struct FewcProblem {
  ConvGeometry g;
  std::vector<uint8_t> x;
  std::vector<int8_t> w;
  std::vector<int32_t> bias, want;  // want: reference accumulators, NHWC
  int32_t zero_point;
};

// False (reported) when the geometry does not suit the direct kernels.
bool make_problem(const FewcCase& k, std::mt19937& rng, const std::string& what, FewcProblem& pr) {
  ConvGeometry& g = pr.g;
  g.batch = k.n, g.in_h = k.h, g.in_w = k.w, g.in_c = k.c, g.out_c = k.m;
  g.kernel_h = k.kh, g.kernel_w = k.kw, g.stride_h = k.sh, g.stride_w = k.sw, g.dilation_h = k.dh;
  g.pad_top = k.pt, g.pad_left = k.pl, g.pad_bottom = k.pb, g.pad_right = k.pr;
  g.out_h = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  g.out_w = (k.w + k.pl + k.pr - k.kw) / k.sw + 1;
  if (!Qs8FewChannelConv::suits(g)) {
    report_failure(__FILE__, __LINE__, what + ": the geometry should suit the direct kernels");
    return false;
  }
  std::uniform_int_distribution<int> u8(0, 255), s8(-128, 127), b32(-30000, 30000);
  pr.x.resize(k.n * k.h * k.w * k.c);
  pr.w.resize(k.m * k.c * k.kh * k.kw);
  pr.bias.resize(k.m);
  for (auto& v : pr.x) v = static_cast<uint8_t>(k.extreme == 1 ? 255 : k.extreme == 2 ? 0 : u8(rng));
  for (auto& v : pr.w) v = static_cast<int8_t>(k.extreme == 1 ? -128 : k.extreme == 2 ? 127 : s8(rng));
  for (auto& v : pr.bias) v = b32(rng);
  pr.zero_point = k.zero_point >= 0 ? k.zero_point : u8(rng);

  Qs8ConvReferenceShape s;
  s.batch = k.n, s.in_h = k.h, s.in_w = k.w, s.in_c = k.c, s.out_h = g.out_h, s.out_w = g.out_w, s.out_c = k.m;
  s.kernel_h = k.kh, s.kernel_w = k.kw, s.stride_h = k.sh, s.stride_w = k.sw, s.dilation_h = k.dh;
  s.pad_top = k.pt, s.pad_left = k.pl;
  pr.want.resize(k.n * g.out_h * g.out_w * k.m);
  qs8_conv_reference(s, pr.x.data(), pr.zero_point, pr.w.data(), pr.bias.data(), pr.want.data());
  return true;
}

void check_case(const Qs8FewcKernel& kernel, const FewcCase& k, uint32_t seed, ThreadPool* pool) {
  std::mt19937 rng(seed);
  FewcProblem pr;
  if (!make_problem(k, rng, describe(k, kernel), pr)) return;
  const Qs8FewChannelConv conv(pr.g, kernel, pr.w.data(), pr.bias.data(), pr.zero_point);
  Qs8EpilogueParams p;
  p.output = Qs8Output::kInt32;
  std::vector<int32_t> got(pr.want.size(), 0x5a5a5a5a);
  conv.run(pool, pr.x.data(), p, qs8_epilogue__scalar, nullptr, got.data());
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != pr.want[i] && bad++ == 0)
      report_failure(__FILE__, __LINE__, describe(k, kernel) + ": element " + std::to_string(i) + " is " +
                                             std::to_string(got[i]) + ", want " + std::to_string(pr.want[i]));
  CHECK_EQ(bad, size_t(0));
}

// The output forms of the u8 checks: 0 fast; 1 fast with relu and output zero point 0; 2 fast with clip, output
// zero point 255 and huge scales (results far outside 0..255); 3 a residual added after requantization with relu;
// 4 the same with extreme zero points and scales (sums far outside 0..255); 5 a residual added before
// requantization with hard_swish (general form); 6 f32 output. 0-4 run fused where the kernel has ukernel_u8.
constexpr int kU8Forms = 7;

Qs8QuantizedOutput u8_form(std::mt19937& rng, int form, size_t m, size_t depth) {
  const Qs8Activation act = form == 1 || form == 3 ? Qs8Activation::kRelu
                            : form == 2            ? Qs8Activation::kClip
                            : form == 5            ? Qs8Activation::kHardSwish
                                                   : Qs8Activation::kNone;
  Qs8QuantizedOutput q = random_quantization(rng, m, depth, form == 6 ? Qs8Output::kFloat : Qs8Output::kUint8, act,
                                             form >= 3 && form <= 5, form % 2 == 0);
  if (form == 1) q.y_zero_point = 0;
  if (form == 2) q.y_zero_point = 255, q.a_scale *= 50.f;
  if (form == 3 || form == 4) {
    q.residual_after_requantization = true;
    q.add_y_scale = form == 3 ? q.y_scale * 1.3f : q.y_scale * 0.05f;
    q.add_y_zero_point = form == 3 ? 20 : 255;
    q.add_relu = form == 3;
    if (form == 4) q.residual_zero_point = 0, q.residual_scale *= 8.f;
  }
  return q;
}

// The output of one form through QConv's epilogue for this ISA against the reference epilogue of the reference
// accumulators (output bytes poisoned first); the 64 bytes after the output stay untouched.
void check_case_u8(const Qs8FewcKernel& kernel, const FewcCase& k, int form, uint32_t seed, ThreadPool* pool) {
  std::mt19937 rng(seed);
  const std::string what = describe(k, kernel) + " form " + std::to_string(form);
  FewcProblem pr;
  if (!make_problem(k, rng, what, pr)) return;
  const Qs8QuantizedOutput q = u8_form(rng, form, k.m, k.c * k.kh * k.kw);
  const std::vector<uint8_t> r = random_values<uint8_t>(rng, q.residual ? pr.want.size() : 0, 0, 255);
  const Qs8Requantization rq(q, k.m);
  const Qs8FewChannelConv conv(pr.g, kernel, pr.w.data(), pr.bias.data(), pr.zero_point);
  const std::vector<uint8_t> want = reference_outputs(pr.want, k.m, r, q);
  constexpr size_t kGuard = 64;
  std::vector<uint8_t> got(want.size() + kGuard, 0x5a);
  const Qs8EpilogueFn epilogue = select_qs8_gemm_kernel(features_for_level(default_level())).epilogue;
  conv.run(pool, pr.x.data(), rq.params(), epilogue, r.empty() ? nullptr : r.data(), got.data());
  CHECK_EQ(std::count(got.end() - kGuard, got.end(), uint8_t{0x5a}), std::ptrdiff_t(kGuard));
  got.resize(want.size());
  CHECK_EQ(count_mismatches(got, want, q.output == Qs8Output::kFloat ? 4 : 1, what), size_t(0));
}

FewcCase square(size_t n, size_t hw, size_t c, size_t m, size_t k, size_t s, size_t p) {
  return FewcCase{n, hw, hw, c, m, k, k, s, s, 1, p, p, p, p};
}

}  // namespace

SPARQ_TEST(qs8_fewc_every_kernel_matches_reference) {
  const std::vector<const Qs8FewcKernel*> kernels = qs8_fewc_kernels(features_for_level(default_level()));
  std::cout << "  [" << default_level() << "] few-channel kernels:";
  for (const Qs8FewcKernel* k : kernels) std::cout << " " << k->name;
  std::cout << (kernels.empty() ? " none (im2col + GEMM)" : "") << "\n";
  ThreadPool pool(3);
  for (const Qs8FewcKernel* kernel : kernels) {
    uint32_t seed = 1;
    for (size_t c : {1, 2, 3, 4})
      for (size_t kk : {2, 3, 5, 7})
        for (size_t s : {1, 2})
          for (size_t m : {1, 15, 16, 17, 32, 33, 64, 65}) {
            FewcCase k = square(1, 8 + kk + c, c, m, kk, s, (kk / 2 + seed) % (kk / 2 + 2));
            k.w = 5 + 7 * c + s;  // rows from 7 to 35 pixels: around the 4-, 6- and 14-pixel tiles
            check_case(*kernel, k, seed++, nullptr);
          }
    for (size_t w : {1, 2, 3, 4, 5, 6, 7, 13, 14, 15, 27, 28, 29, 83, 84, 85, 169, 250})
      check_case(*kernel, FewcCase{1, 3, w, 3, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1}, seed++, nullptr);
    const std::vector<FewcCase> odd = {
        FewcCase{1, 11, 9, 3, 24, 1, 3, 1, 1, 1, 0, 1, 0, 2},   // 1x3, asymmetric padding
        FewcCase{2, 10, 13, 2, 40, 3, 1, 2, 1, 1, 1, 0, 2, 0},  // 3x1
        FewcCase{1, 16, 17, 3, 48, 4, 4, 4, 4, 1, 0, 0, 0, 0},  // 4x4 stride 4 (patchify)
        FewcCase{1, 13, 15, 3, 48, 3, 3, 3, 3, 1, 1, 2, 0, 1},  // stride 3
        FewcCase{1, 14, 12, 1, 40, 3, 3, 1, 1, 2, 2, 1, 2, 1},  // vertical dilation
        FewcCase{1, 9, 70, 1, 36, 1, 64, 1, 1, 1, 0, 3, 0, 2},  // window of exactly 64 bytes
        FewcCase{1, 7, 40, 4, 36, 2, 16, 1, 2, 1, 1, 3, 0, 2},  // 16 x 4 channels = 64 bytes
        FewcCase{1, 9, 9, 3, 70, 1, 1, 2, 2, 1, 0, 0, 0, 0},    // 1x1 stride 2
        FewcCase{1, 5, 6, 2, 33, 1, 1, 1, 1, 1, 1, 1, 1, 1},    // 1x1 padded
        FewcCase{1, 3, 3, 3, 64, 3, 3, 1, 1, 1, 2, 2, 2, 2},    // more padding than input
    };
    for (const FewcCase& k : odd) check_case(*kernel, k, seed++, nullptr);
    // ResNet-50 and Fashion-MNIST stems, threaded
    check_case(*kernel, square(1, 224, 3, 64, 7, 2, 3), seed++, &pool);
    check_case(*kernel, square(2, 28, 1, 16, 3, 1, 1), seed++, &pool);
    check_case(*kernel, square(3, 37, 3, 96, 5, 2, 2), seed++, &pool);
    for (int extreme : {1, 2})
      for (int zp : {0, 255})
        for (const FewcCase& base : {square(1, 19, 3, 64, 7, 2, 3), square(1, 18, 1, 16, 3, 1, 1),
                                     square(1, 20, 4, 40, 5, 1, 2)}) {
          FewcCase k = base;
          k.extreme = extreme;
          k.zero_point = zp;
          check_case(*kernel, k, seed++, nullptr);
        }
  }
}

SPARQ_TEST(qs8_fewc_u8_outputs_match_reference_epilogue) {
  const std::vector<const Qs8FewcKernel*> kernels = qs8_fewc_kernels(features_for_level(default_level()));
  std::cout << "  [" << default_level() << "] few-channel kernels with the u8 epilogue fused:";
  for (const Qs8FewcKernel* k : kernels)
    if (k->ukernel_u8) std::cout << " " << k->name;
  std::cout << "\n";
  ThreadPool pool(3);
  for (const Qs8FewcKernel* kernel : kernels) {
    uint32_t seed = 5000;
    // output channels inside, at and past the 16- and 64-wide panels; C 1..4; strides 1 and 2; padding 0..2;
    // batches of 1 and 2; rows of 11 to 28 pixels (partial pixel tiles)
    for (size_t c : {1, 2, 3, 4})
      for (size_t m : {1, 8, 16, 24, 40, 64, 70})
        for (size_t s : {1, 2}) {
          FewcCase k = square(1 + seed % 2, 9 + 5 * c, c, m, 3, s, seed % 3);
          k.w = 11 + (seed * 7) % 18;
          check_case_u8(*kernel, k, static_cast<int>(seed % kU8Forms), seed, nullptr);
          ++seed;
        }
    for (int form = 0; form < kU8Forms; ++form) {
      check_case_u8(*kernel, square(2, 28, 1, 16, 3, 1, 1), form, seed++, &pool);  // Fashion-MNIST stems
      check_case_u8(*kernel, square(1, 28, 1, 24, 3, 1, 1), form, seed++, nullptr);
      check_case_u8(*kernel, FewcCase{1, 5, 100, 3, 40, 5, 5, 1, 1, 1, 2, 2, 2, 2}, form, seed++, nullptr);  // chunks
      for (int extreme : {1, 2})
        for (int zp : {0, 255}) {
          FewcCase k = square(1, 12, 1 + seed % 4, extreme == 1 ? 24 : 70, 3, 1 + seed % 2, 1);
          k.extreme = extreme;
          k.zero_point = zp;
          check_case_u8(*kernel, k, form, seed++, nullptr);
        }
    }
  }
}

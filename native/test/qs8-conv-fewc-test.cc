// Every usable few-channel direct conv kernel (not only the one QConv picks) against the plain int8 reference
// convolution, s32 accumulators compared exactly: C 1..4, kernel shapes up to 7x7 and 64-byte windows,
// strides, asymmetric padding, vertical dilation, output channels around the panels, rows around the pixel tiles
// and the pixel chunk, batches, threads, extreme data and zero points.
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "ops/qconv-few-channels.h"
#include "reference/qs8-conv-reference.h"
#include "runtime/cpu.h"
#include "runtime/thread-pool.h"
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

void check_case(const Qs8FewcKernel& kernel, const FewcCase& k, uint32_t seed, ThreadPool* pool) {
  std::mt19937 rng(seed);
  ConvGeometry g;
  g.batch = k.n, g.in_h = k.h, g.in_w = k.w, g.in_c = k.c, g.out_c = k.m;
  g.kernel_h = k.kh, g.kernel_w = k.kw, g.stride_h = k.sh, g.stride_w = k.sw, g.dilation_h = k.dh;
  g.pad_top = k.pt, g.pad_left = k.pl, g.pad_bottom = k.pb, g.pad_right = k.pr;
  g.out_h = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  g.out_w = (k.w + k.pl + k.pr - k.kw) / k.sw + 1;
  if (!Qs8FewChannelConv::suits(g)) {
    report_failure(__FILE__, __LINE__, describe(k, kernel) + ": the geometry should suit the direct kernels");
    return;
  }
  std::uniform_int_distribution<int> u8(0, 255), s8(-128, 127), b32(-30000, 30000);
  std::vector<uint8_t> x(k.n * k.h * k.w * k.c);
  std::vector<int8_t> w(k.m * k.c * k.kh * k.kw);
  std::vector<int32_t> bias(k.m);
  for (auto& v : x) v = static_cast<uint8_t>(k.extreme == 1 ? 255 : k.extreme == 2 ? 0 : u8(rng));
  for (auto& v : w) v = static_cast<int8_t>(k.extreme == 1 ? -128 : k.extreme == 2 ? 127 : s8(rng));
  for (auto& v : bias) v = b32(rng);
  const int32_t zp = k.zero_point >= 0 ? k.zero_point : u8(rng);

  const Qs8FewChannelConv conv(g, kernel, w.data(), bias.data(), zp);
  Qs8EpilogueParams p;
  p.output = Qs8Output::kInt32;
  const size_t outputs = k.n * g.out_h * g.out_w * k.m;
  std::vector<int32_t> got(outputs, 0x5a5a5a5a);
  conv.run(pool, x.data(), p, qs8_epilogue__scalar, nullptr, got.data());

  Qs8ConvReferenceShape s;
  s.batch = k.n, s.in_h = k.h, s.in_w = k.w, s.in_c = k.c, s.out_h = g.out_h, s.out_w = g.out_w, s.out_c = k.m;
  s.kernel_h = k.kh, s.kernel_w = k.kw, s.stride_h = k.sh, s.stride_w = k.sw, s.dilation_h = k.dh;
  s.pad_top = k.pt, s.pad_left = k.pl;
  std::vector<int32_t> want(outputs);
  qs8_conv_reference(s, x.data(), zp, w.data(), bias.data(), want.data());
  size_t bad = 0;
  for (size_t i = 0; i < outputs; ++i)
    if (got[i] != want[i] && bad++ == 0)
      report_failure(__FILE__, __LINE__, describe(k, kernel) + ": element " + std::to_string(i) + " is " +
                                             std::to_string(got[i]) + ", want " + std::to_string(want[i]));
  CHECK_EQ(bad, size_t(0));
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

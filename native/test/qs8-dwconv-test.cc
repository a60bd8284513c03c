// Every int8 depthwise microkernel usable at the current ISA level, called directly, against the plain reference
// convolution: channel counts around the 16 / 32 / 64 blocks, window sizes around the row groups of four, strides,
// dilations, asymmetric padding, extreme values; accumulators bit-exact.
#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/qs8-dwconv/qs8-dwconv.h"
#include "reference/qs8-conv-reference.h"
#include "runtime/cpu.h"
#include "runtime/dispatch-qs8.h"
#include "test/qs8-op-fixture.h"
#include "test/test-harness.h"

using namespace sparq;
using namespace sparq_test;

namespace {

struct DwCase {
  size_t h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  int extreme = 0;  // 0 random; 1 x 255 and w -128; 2 x 0 and w 127
};

std::string describe(const DwCase& k, const char* kernel) {
  std::ostringstream os;
  os << kernel << " " << k.h << "x" << k.w << "x" << k.c << " k" << k.kh << "x" << k.kw << " s" << k.sh << "x" << k.sw
     << " d" << k.dh << "x" << k.dw << " p" << k.pt << "," << k.pl << "," << k.pb << "," << k.pr
     << (k.extreme ? " extreme" : "");
  return os.str();
}

size_t mismatches = 0;

void run_case(const Qs8DwconvKernel& kernel, const DwCase& k, uint32_t seed) {
  std::mt19937 rng(seed);
  const size_t oh = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  const size_t ow = (k.w + k.pl + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1;
  const size_t taps = k.kh * k.kw, cp = (k.c + kQs8DwconvChannelAlign - 1) / kQs8DwconvChannelAlign * kQs8DwconvChannelAlign;
  std::vector<uint8_t> x = random_values<uint8_t>(rng, k.h * k.w * k.c, 0, 255);
  std::vector<int8_t> w = random_values<int8_t>(rng, k.c * taps, -128, 127);
  const std::vector<int32_t> bias = random_values<int32_t>(rng, k.c, -30000, 30000);
  if (k.extreme) {
    std::fill(x.begin(), x.end(), k.extreme == 1 ? 255 : 0);
    std::fill(w.begin(), w.end(), k.extreme == 1 ? -128 : 127);
  }
  const int32_t zp = std::uniform_int_distribution<int>(0, 255)(rng);

  std::vector<int16_t> packed(qs8_dwconv_packed_size(kernel.layout, k.kh, k.kw, cp));
  qs8_dwconv_pack_weights(kernel.layout, k.c, k.kh, k.kw, cp, w.data(), packed.data());
  std::vector<int32_t> folded(cp, 0);  // the op's bias: zero point folded in, so padding reads add nothing
  for (size_t c = 0; c < k.c; ++c) {
    int32_t sum = 0;
    for (size_t t = 0; t < taps; ++t) sum += w[c * taps + t];
    folded[c] = bias[c] - zp * sum;
  }
  const std::vector<uint8_t> zero_row(cp, static_cast<uint8_t>(zp));
  Qs8DwconvParams p;
  p.in_h = k.h; p.in_w = k.w; p.channels = k.c; p.kernel_h = k.kh; p.kernel_w = k.kw; p.stride_h = k.sh;
  p.stride_w = k.sw; p.dilation_h = k.dh; p.dilation_w = k.dw; p.pad_top = k.pt; p.pad_left = k.pl; p.out_w = ow;
  p.padded_channels = cp; p.zero_row = zero_row.data();
  std::vector<int32_t> got(oh * ow * k.c + 1, 0x5A5A5A5A);  // one guard value past the end
  for (size_t row = 0; row < oh; ++row) kernel.ukernel(p, row, x.data(), packed.data(), folded.data(), got.data() + row * ow * k.c);

  Qs8ConvReferenceShape s;
  s.in_h = k.h; s.in_w = k.w; s.in_c = k.c; s.out_h = oh; s.out_w = ow; s.out_c = k.c; s.group = k.c;
  s.kernel_h = k.kh; s.kernel_w = k.kw; s.stride_h = k.sh; s.stride_w = k.sw; s.dilation_h = k.dh;
  s.dilation_w = k.dw; s.pad_top = k.pt; s.pad_left = k.pl;
  std::vector<int32_t> want(oh * ow * k.c);
  qs8_conv_reference(s, x.data(), zp, w.data(), bias.data(), want.data());
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] == want[i]) continue;
    if (bad++ < 3) {
      std::ostringstream os;
      os << describe(k, kernel.name) << " value " << i << ": got " << got[i] << " want " << want[i];
      report_failure(__FILE__, __LINE__, os.str());
    }
  }
  CHECK_EQ(got.back(), 0x5A5A5A5A);
  mismatches += bad;
}

DwCase square(size_t hw, size_t c, size_t k, size_t s, size_t pad, size_t d = 1) {
  return DwCase{hw, hw, c, k, k, s, s, d, d, pad, pad, pad, pad};
}

}  // namespace

SPARQ_TEST(qs8_dwconv_every_kernel_matches_reference) {
  const CpuFeatures features = features_for_level(default_level());
  const std::vector<const Qs8DwconvKernel*> kernels = qs8_dwconv_kernels(features);
  CHECK(!kernels.empty());
#if defined(__x86_64__)
  if (features.avx512vnni) CHECK(std::string(kernels.front()->name) == "qs8-dwconv-c64-avx512vnni");
#endif
  std::vector<DwCase> cases;
  for (size_t c : {1, 7, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 72, 120, 130})
    for (size_t s : {1, 2}) cases.push_back(square(7, c, 3, s, 1));
  for (size_t k : {1, 2, 4, 5, 7, 8, 9}) cases.push_back(square(9, 24, k, 1, k / 2));
  cases.push_back(square(14, 16, 3, 1, 1));
  cases.push_back(square(14, 64, 3, 2, 1));
  cases.push_back(square(4, 120, 3, 1, 1));
  cases.push_back(square(11, 40, 5, 2, 2));
  cases.push_back(square(10, 20, 3, 1, 2, 2));                           // dilation 2
  cases.push_back(DwCase{9, 11, 36, 3, 5, 2, 1, 2, 1, 0, 2, 3, 1});       // asymmetric everything
  cases.push_back(DwCase{6, 8, 70, 1, 3, 1, 2, 1, 1, 0, 1, 0, 1});        // one window row
  cases.push_back(DwCase{8, 1, 19, 6, 1, 1, 1, 1, 1, 2, 0, 3, 0});        // one window column, two row groups
  cases.push_back(DwCase{1, 1, 65, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});        // one pixel, all padding around
  cases.push_back(DwCase{5, 5, 64, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0});        // window covers the whole input
  DwCase hot = square(7, 72, 3, 1, 1);
  hot.extreme = 1;
  cases.push_back(hot);
  hot.extreme = 2;
  cases.push_back(hot);
  for (const Qs8DwconvKernel* kernel : kernels) {
    uint32_t seed = 1;
    for (const DwCase& k : cases) run_case(*kernel, k, seed++);
  }
  CHECK_EQ(mismatches, size_t(0));
}

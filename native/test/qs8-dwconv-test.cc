// Every int8 depthwise microkernel usable at the current ISA level, called directly, against the plain reference
// convolution: channel counts around the 16 / 32 / 64 blocks, window sizes around the row groups of four, strides,
// dilations, asymmetric padding, extreme values; accumulators bit-exact, and the u8 bytes of the fused 3x3 kernels
// bit-exact to the reference epilogue.
#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/qs8-dwconv/qs8-dwconv.h"
#include "kernels/qs8-epilogue/qs8-requantization.h"
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

// Random (or extreme) data of one case, the weights packed for `layout` and the reference accumulators.
struct DwData {
  size_t oh, ow, cp;
  int32_t zp;
  std::vector<uint8_t> x, zero_row;
  std::vector<int16_t> packed;
  std::vector<int32_t> folded, want;
  Qs8DwconvParams p;
};

DwData make_data(Qs8DwconvLayout layout, const DwCase& k, uint32_t seed, int zero_point = -1) {
  std::mt19937 rng(seed);
  DwData d;
  d.oh = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  d.ow = (k.w + k.pl + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1;
  const size_t taps = k.kh * k.kw;
  d.cp = (k.c + kQs8DwconvChannelAlign - 1) / kQs8DwconvChannelAlign * kQs8DwconvChannelAlign;
  d.x = random_values<uint8_t>(rng, k.h * k.w * k.c, 0, 255);
  std::vector<int8_t> w = random_values<int8_t>(rng, k.c * taps, -128, 127);
  const std::vector<int32_t> bias = random_values<int32_t>(rng, k.c, -30000, 30000);
  if (k.extreme) {
    std::fill(d.x.begin(), d.x.end(), k.extreme == 1 ? 255 : 0);
    std::fill(w.begin(), w.end(), k.extreme == 1 ? -128 : 127);
  }
  d.zp = zero_point >= 0 ? zero_point : std::uniform_int_distribution<int>(0, 255)(rng);
  d.packed.resize(qs8_dwconv_packed_size(layout, k.kh, k.kw, d.cp));
  qs8_dwconv_pack_weights(layout, k.c, k.kh, k.kw, d.cp, w.data(), d.packed.data());
  d.folded.assign(d.cp, 0);  // the op's bias: zero point folded in, so padding reads add nothing
  for (size_t c = 0; c < k.c; ++c) {
    int32_t sum = 0;
    for (size_t t = 0; t < taps; ++t) sum += w[c * taps + t];
    d.folded[c] = bias[c] - d.zp * sum;
  }
  d.zero_row.assign(std::max(d.cp, k.w * k.c), static_cast<uint8_t>(d.zp));
  Qs8DwconvParams& p = d.p;
  p.in_h = k.h; p.in_w = k.w; p.channels = k.c; p.kernel_h = k.kh; p.kernel_w = k.kw; p.stride_h = k.sh;
  p.stride_w = k.sw; p.dilation_h = k.dh; p.dilation_w = k.dw; p.pad_top = k.pt; p.pad_left = k.pl; p.out_w = d.ow;
  p.padded_channels = d.cp; p.zero_row = d.zero_row.data();

  Qs8ConvReferenceShape s;
  s.in_h = k.h; s.in_w = k.w; s.in_c = k.c; s.out_h = d.oh; s.out_w = d.ow; s.out_c = k.c; s.group = k.c;
  s.kernel_h = k.kh; s.kernel_w = k.kw; s.stride_h = k.sh; s.stride_w = k.sw; s.dilation_h = k.dh;
  s.dilation_w = k.dw; s.pad_top = k.pt; s.pad_left = k.pl;
  d.want.resize(d.oh * d.ow * k.c);
  qs8_conv_reference(s, d.x.data(), d.zp, w.data(), bias.data(), d.want.data());
  return d;
}

void run_case(const Qs8DwconvKernel& kernel, const DwCase& k, uint32_t seed) {
  const DwData d = make_data(kernel.layout, k, seed);
  std::vector<int32_t> got(d.oh * d.ow * k.c + 1, 0x5A5A5A5A);  // one guard value past the end
  for (size_t row = 0; row < d.oh; ++row)
    kernel.ukernel(d.p, row, d.x.data(), d.packed.data(), d.folded.data(), got.data() + row * d.ow * k.c);
  size_t bad = 0;
  for (size_t i = 0; i < d.want.size(); ++i) {
    if (got[i] == d.want[i]) continue;
    if (bad++ < 3) {
      std::ostringstream os;
      os << describe(k, kernel.name) << " value " << i << ": got " << got[i] << " want " << d.want[i];
      report_failure(__FILE__, __LINE__, os.str());
    }
  }
  CHECK_EQ(got.back(), 0x5A5A5A5A);
  mismatches += bad;
}

// The fused 3x3 kernel: u8 outputs against the reference epilogue of the reference accumulators, for the whole image
// in one call and for the rows cut into ranges of 1, 2 and 3 (row pairs and the stride-2 group chain restart at a
// range's first row, and a range may end on a row the pair would have covered).
void run_3x3_case(const Qs8DwconvKernel& kernel, const DwCase& k, uint32_t seed, Qs8Activation act, int zero_point) {
  const DwData d = make_data(kernel.layout, k, seed, zero_point);
  std::mt19937 rng(seed * 7 + 1);
  const Qs8QuantizedOutput q = random_quantization(rng, k.c, 9, Qs8Output::kUint8, act, false, seed % 2 == 0);
  const Qs8Requantization rq(q, k.c);
  CHECK(qs8_dwconv_3x3_applies(d.p, rq.params()));
  const std::vector<uint8_t> want = reference_outputs(d.want, k.c, {}, q);
  const size_t image = d.oh * d.ow * k.c;
  for (size_t cut : {size_t(0), size_t(1), size_t(2), size_t(3)}) {
    std::vector<uint8_t> got(image + 64, 0xA5);  // guard bytes past the end
    for (size_t oh = 0; oh < d.oh; oh += cut ? cut : d.oh) {
      const size_t end = cut ? std::min(d.oh, oh + cut) : d.oh;
      kernel.ukernel_3x3_u8(d.p, oh, end, d.x.data(), d.packed.data(), d.folded.data(), rq.params(), got.data());
    }
    for (size_t i = image; i < got.size(); ++i) CHECK_EQ(int(got[i]), 0xA5);
    got.resize(image);
    std::ostringstream what;
    what << describe(k, kernel.name_3x3_u8) << " " << activation_name(act) << " zp " << d.zp << " rows by " << cut;
    mismatches += count_mismatches(got, want, 1, what.str());
  }
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

SPARQ_TEST(qs8_dwconv_3x3_u8_kernels_match_reference) {
  const CpuFeatures features = features_for_level(default_level());
  size_t fused = 0;
  std::vector<DwCase> cases;
  for (size_t c : {1, 7, 8, 15, 16, 17, 24, 31, 32, 48, 63, 64, 65, 72, 120, 130, 200})
    for (size_t s : {1, 2}) cases.push_back(square(7, c, 3, s, 1));
  cases.push_back(square(14, 16, 3, 1, 1));  // the MobileNet fixture's depthwise layers
  cases.push_back(square(14, 64, 3, 2, 1));
  cases.push_back(square(7, 72, 3, 1, 1));
  cases.push_back(square(7, 72, 3, 2, 1));
  cases.push_back(square(4, 120, 3, 1, 1));
  for (size_t hw : {1, 2, 3, 4, 5, 6, 8, 9}) {  // odd and even heights: the last row pair / group chain is cut short
    cases.push_back(square(hw, 24, 3, 1, 1));
    cases.push_back(square(hw, 24, 3, 2, 1));
  }
  cases.push_back(square(5, 40, 3, 1, 0));                               // no padding
  cases.push_back(square(6, 40, 3, 2, 2));                               // padding wider than the window overhang
  cases.push_back(square(9, 33, 3, 3, 1));                               // stride 3: one row group per row
  cases.push_back(DwCase{9, 11, 36, 3, 3, 2, 1, 1, 1, 0, 2, 3, 1});      // stride 2x1, asymmetric padding
  cases.push_back(DwCase{8, 13, 20, 3, 3, 1, 2, 1, 1, 2, 0, 1, 2});      // stride 1x2
  cases.push_back(DwCase{7, 10, 17, 3, 3, 1, 3, 1, 1, 1, 1, 1, 1});      // stride 1x3
  cases.push_back(DwCase{3, 150, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});     // rows wider than one buffered chunk
  cases.push_back(DwCase{5, 131, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1});
  cases.push_back(DwCase{4, 200, 8, 3, 3, 1, 3, 1, 1, 0, 2, 0, 2});
  DwCase hot = square(7, 72, 3, 1, 1);
  for (int extreme : {1, 2}) {
    hot.extreme = extreme;
    cases.push_back(hot);
    DwCase hot2 = square(8, 120, 3, 2, 1);
    hot2.extreme = extreme;
    cases.push_back(hot2);
  }
  for (const Qs8DwconvKernel* kernel : qs8_dwconv_kernels(features)) {
    if (!kernel->ukernel_3x3_u8) continue;
    ++fused;
    uint32_t seed = 100;
    for (const DwCase& k : cases)
      for (Qs8Activation act : {Qs8Activation::kNone, Qs8Activation::kRelu, Qs8Activation::kClip})
        for (int zp : {-1, 0, 255}) run_3x3_case(*kernel, k, seed++, act, zp);
  }
#if defined(__x86_64__)
  if (features.avx512vnni) CHECK(fused > 0);
#endif
  CHECK_EQ(mismatches, size_t(0));
}

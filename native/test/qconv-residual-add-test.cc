// QConv with a residual added after requantization (add_y_scale / add_y_zero_point / add_activation, the plan
// compiler's QConv + QAdd fusion) against QConv followed by QAdd, byte for byte on every ISA level: direct, im2col,
// few-channel, grouped and depthwise paths, every activation, both operand orders, several threads; and the reference recipe.
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "reference/qs8-conv-reference.h"
#include "reference/qu8-ops-reference.h"
#include "test/ops-test-plan.h"
#include "test/qs8-op-fixture.h"
#include "test/test-harness.h"

using namespace sparq;
using namespace sparq_test;

namespace {

struct FusedCase {
  size_t h, w, c, m, group, k, stride, pad;
  Qs8Activation act = Qs8Activation::kNone;
  bool add_relu = false;
  bool conv_is_b = false;  // the unfused QAdd reads the conv output as its second operand
  int threads = 1;
};

std::string describe(const FusedCase& f) {
  std::ostringstream os;
  os << f.h << "x" << f.w << "x" << f.c << " -> M" << f.m << " g" << f.group << " k" << f.k << " s" << f.stride << " p"
     << f.pad << " " << activation_name(f.act) << (f.add_relu ? " add relu" : " add none")
     << (f.conv_is_b ? " conv=b" : " conv=a") << " t" << f.threads;
  return os.str();
}

OpAttrs geometry(const FusedCase& f) {
  OpAttrs at;
  const double k = static_cast<double>(f.k), s = static_cast<double>(f.stride), p = static_cast<double>(f.pad);
  at.numbers["group"] = {static_cast<double>(f.group)};
  at.numbers["kernel_shape"] = {k, k};
  at.numbers["strides"] = {s, s};
  at.numbers["dilations"] = {1, 1};
  at.numbers["pads"] = {p, p, p, p};
  return at;
}

// Runs QConv -> QAdd and the fused QConv on the same data; both must equal the reference recipe byte for byte.
// Returns the fused op's kernel_name().
std::string run_case(const FusedCase& f, uint32_t seed) {
  std::mt19937 rng(seed);
  const size_t oh = (f.h + 2 * f.pad - f.k) / f.stride + 1, ow = (f.w + 2 * f.pad - f.k) / f.stride + 1;
  const size_t cg = f.c / f.group;
  const std::vector<uint8_t> x = random_values<uint8_t>(rng, f.h * f.w * f.c, 0, 255);
  const std::vector<int8_t> w = random_values<int8_t>(rng, f.m * cg * f.k * f.k, -128, 127);
  const std::vector<int32_t> b = random_values<int32_t>(rng, f.m, -20000, 20000);
  const std::vector<uint8_t> r = random_values<uint8_t>(rng, oh * ow * f.m, 0, 255);
  const int32_t x_zp = std::uniform_int_distribution<int>(0, 255)(rng);
  const Qs8QuantizedOutput q =
      random_quantization(rng, f.m, cg * f.k * f.k, Qs8Output::kUint8, f.act, false, true);
  std::uniform_real_distribution<float> unit(0.5f, 2.f);
  std::uniform_int_distribution<int> zp(0, 255);
  QAddParams add;  // a = the conv output, b = the residual
  add.a_scale = q.y_scale;
  add.a_zero_point = q.y_zero_point;
  add.b_scale = q.y_scale * unit(rng);
  add.b_zero_point = zp(rng);
  add.y_scale = q.y_scale * 1.5f * unit(rng);
  add.y_zero_point = zp(rng);
  add.lo = static_cast<float>(-add.y_zero_point);
  add.hi = static_cast<float>(255 - add.y_zero_point);
  add.relu = f.add_relu;

  TestPlan plan;
  const int64_t mm = static_cast<int64_t>(f.m);
  const std::vector<int64_t> ys = {1, static_cast<int64_t>(oh), static_cast<int64_t>(ow), mm};
  const int ix = plan.tensor(DType::kUInt8, {1, static_cast<int64_t>(f.h), static_cast<int64_t>(f.w), static_cast<int64_t>(f.c)}, x);
  const int iw = plan.constant(DType::kInt8, {mm, static_cast<int64_t>(cg), static_cast<int64_t>(f.k), static_cast<int64_t>(f.k)}, w);
  const int ib = plan.constant(DType::kInt32, {mm}, b);
  const int ir = plan.tensor(DType::kUInt8, ys, r);
  const int iconv = plan.tensor(DType::kUInt8, ys);
  const int iunfused = plan.tensor(DType::kUInt8, ys);
  const int ifused = plan.tensor(DType::kUInt8, ys);

  OpDesc conv = plan.op("QConv", {ix, iw, ib}, {iconv});
  conv.attrs = geometry(f);
  set_quantization_attrs(conv.attrs, "x", q, x_zp);
  OpDesc qadd = plan.op("QAdd", f.conv_is_b ? std::vector<int32_t>{ir, iconv} : std::vector<int32_t>{iconv, ir}, {iunfused});
  const char* conv_side = f.conv_is_b ? "b" : "a";
  const char* r_side = f.conv_is_b ? "a" : "b";
  qadd.attrs.numbers[std::string(conv_side) + "_scale"] = {add.a_scale};
  qadd.attrs.numbers[std::string(conv_side) + "_zero_point"] = {static_cast<double>(add.a_zero_point)};
  qadd.attrs.numbers[std::string(r_side) + "_scale"] = {add.b_scale};
  qadd.attrs.numbers[std::string(r_side) + "_zero_point"] = {static_cast<double>(add.b_zero_point)};
  qadd.attrs.numbers["y_scale"] = {add.y_scale};
  qadd.attrs.numbers["y_zero_point"] = {static_cast<double>(add.y_zero_point)};
  qadd.attrs.strings["activation"] = f.add_relu ? "relu" : "none";

  OpDesc fused = plan.op("QConv", {ix, iw, ib, ir}, {ifused});
  fused.attrs = conv.attrs;
  fused.attrs.numbers["r_scale"] = {add.b_scale};
  fused.attrs.numbers["r_zero_point"] = {static_cast<double>(add.b_zero_point)};
  fused.attrs.numbers["add_y_scale"] = {add.y_scale};
  fused.attrs.numbers["add_y_zero_point"] = {static_cast<double>(add.y_zero_point)};
  fused.attrs.strings["add_activation"] = f.add_relu ? "relu" : "none";

  std::string name;
  try {
    CHECK_RUN_OK(plan.run(conv, f.threads));
    CHECK_RUN_OK(plan.run(qadd, f.threads));
    name = plan.build(fused, f.threads)->kernel_name();
    CHECK_RUN_OK(plan.run(fused, f.threads));
  } catch (const std::exception& e) {
    report_failure(__FILE__, __LINE__, describe(f) + ": " + e.what());
    return name;
  }

  // The recipe: reference conv accumulators, reference epilogue to u8, reference QAdd.
  Qs8ConvReferenceShape s;
  s.batch = 1; s.in_h = f.h; s.in_w = f.w; s.in_c = f.c; s.out_h = oh; s.out_w = ow; s.out_c = f.m;
  s.group = f.group; s.kernel_h = f.k; s.kernel_w = f.k; s.stride_h = f.stride; s.stride_w = f.stride;
  s.dilation_h = 1; s.dilation_w = 1; s.pad_top = f.pad; s.pad_left = f.pad;
  std::vector<int32_t> acc(oh * ow * f.m);
  qs8_conv_reference(s, x.data(), x_zp, w.data(), b.data(), acc.data());
  std::vector<uint8_t> want = reference_outputs(acc, f.m, {}, q);
  qu8_add__reference(want.size(), want.data(), r.data(), 1, add, want.data());

  const std::string what = describe(f) + " [" + name + "]";
  CHECK_EQ(count_mismatches(plan.get<uint8_t>(iunfused), want, 1, what + " unfused"), size_t(0));
  CHECK_EQ(count_mismatches(plan.get<uint8_t>(ifused), want, 1, what + " fused"), size_t(0));
  return name;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const Qs8Activation kActivations[] = {Qs8Activation::kNone, Qs8Activation::kRelu, Qs8Activation::kClip,
                                      Qs8Activation::kLeakyRelu, Qs8Activation::kHardSwish};

}  // namespace

SPARQ_TEST(qconv_residual_add_equals_qconv_then_qadd) {
  uint32_t seed = 1;
  //            h   w   c   m  group k stride pad
  const FusedCase shapes[] = {
      {7, 7, 16, 16, 1, 1, 1, 0},    {5, 9, 24, 40, 1, 1, 1, 0},  {9, 9, 16, 32, 1, 3, 1, 1},
      {14, 14, 32, 32, 1, 3, 1, 1},  {9, 8, 8, 33, 1, 3, 2, 1},   {6, 6, 12, 18, 3, 3, 1, 1},
      {7, 7, 16, 16, 16, 3, 1, 1},   {7, 7, 72, 72, 72, 3, 1, 1}, {9, 9, 40, 40, 40, 5, 2, 2},
      {12, 12, 1, 16, 1, 3, 1, 1},   {11, 9, 3, 24, 1, 3, 2, 1},  // few-channel (stem) inputs
  };
  for (const FusedCase& shape : shapes)
    for (Qs8Activation act : kActivations)
      for (int order = 0; order < 4; ++order) {
        FusedCase f = shape;
        f.act = act;
        f.add_relu = order & 1;
        f.conv_is_b = order & 2;
        const std::string name = run_case(f, seed++);
        if (f.group == f.c && f.c == f.m) CHECK(contains(name, " depthwise"));
      }
}

SPARQ_TEST(qconv_residual_add_threaded_blocks) {
  uint32_t seed = 500;
  for (int threads : {2, 3}) {
    FusedCase many_rows{40, 40, 8, 24, 1, 3, 1, 1};  // several im2col row blocks
    many_rows.threads = threads;
    run_case(many_rows, seed++);
    FusedCase pointwise{12, 12, 64, 96, 1, 1, 1, 0, Qs8Activation::kRelu, true};
    pointwise.threads = threads;
    run_case(pointwise, seed++);
    FusedCase depthwise{14, 14, 64, 64, 64, 3, 1, 1, Qs8Activation::kHardSwish};
    depthwise.threads = threads;
    run_case(depthwise, seed++);
  }
}

SPARQ_TEST(qconv_residual_add_bad_attrs_throw) {
  TestPlan plan;
  const int ix = plan.tensor(DType::kUInt8, {1, 4, 4, 8});
  const int iw = plan.constant(DType::kInt8, {8, 8, 1, 1}, std::vector<int8_t>(64, 1));
  const int ir = plan.tensor(DType::kUInt8, {1, 4, 4, 8});
  const int iy = plan.tensor(DType::kUInt8, {1, 4, 4, 8});
  const int iyf = plan.tensor(DType::kFloat32, {1, 4, 4, 8});
  auto make = [&](std::vector<int32_t> inputs, int y, const std::string& add_act, double add_scale) {
    OpDesc d = plan.op("QConv", std::move(inputs), {y});
    d.name = "fused_conv";
    d.attrs.numbers["kernel_shape"] = {1, 1};
    d.attrs.numbers["x_scale"] = {0.1};
    d.attrs.numbers["w_scales"] = {0.01};
    d.attrs.numbers["y_scale"] = {0.2};
    d.attrs.numbers["r_scale"] = {0.2};
    d.attrs.numbers["add_y_scale"] = {add_scale};
    d.attrs.strings["add_activation"] = add_act;
    return d;
  };
  CHECK(!throws_plan_error([&] { plan.build(make({ix, iw, -1, ir}, iy, "relu", 0.3)); }, "fused_conv"));
  CHECK(throws_plan_error([&] { plan.build(make({ix, iw}, iy, "none", 0.3)); }, "fused_conv"));          // no R
  CHECK(throws_plan_error([&] { plan.build(make({ix, iw, -1, ir}, iyf, "none", 0.3)); }, "fused_conv"));  // f32 Y
  CHECK(throws_plan_error([&] { plan.build(make({ix, iw, -1, ir}, iy, "clip", 0.3)); }, "fused_conv"));
  CHECK(throws_plan_error([&] { plan.build(make({ix, iw, -1, ir}, iy, "none", 0.0)); }, "fused_conv"));
}

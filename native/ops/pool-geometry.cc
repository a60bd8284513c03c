// Reads and validates the pool window attributes (see pool-geometry.h).
#include "ops/pool-geometry.h"

#include <string>
#include <vector>

#include "ops/op-checks.h"

namespace sparq {
namespace {

std::vector<int64_t> pair_attr(const OpDesc& desc, const char* name, int64_t fallback) {
  std::vector<int64_t> v = desc.attrs.ints(name);
  if (v.empty()) return {fallback, fallback};
  if (v.size() != 2) plan_fail(desc, std::string("expected 2 values for ") + name + " but received " + shape_string(v));
  return v;
}

}  // namespace

PoolGeometry read_pool_geometry(const OpDesc& desc, const TensorDesc& x, const TensorDesc& y) {
  expect_rank(desc, x, 4, "NHWC input X");
  expect_rank(desc, y, 4, "NHWC output Y");
  const std::vector<int64_t> kernel = desc.attrs.ints("kernel_shape");
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1)
    plan_fail(desc, "expected kernel_shape [kh, kw] >= 1 but received " + shape_string(kernel));
  const std::vector<int64_t> strides = pair_attr(desc, "strides", 1);
  const std::vector<int64_t> dilations = pair_attr(desc, "dilations", 1);
  std::vector<int64_t> pads = desc.attrs.ints("pads");
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (pads.size() != 4) plan_fail(desc, "expected pads [top, left, bottom, right] but received " + shape_string(pads));
  for (int64_t p : pads)
    if (p < 0) plan_fail(desc, "expected non-negative pads but received " + shape_string(pads));
  if (strides[0] < 1 || strides[1] < 1 || dilations[0] < 1 || dilations[1] < 1)
    plan_fail(desc, "expected strides and dilations >= 1 but received " + shape_string(strides) + " and " +
                        shape_string(dilations));
  PoolGeometry g{x.shape[0], x.shape[1], x.shape[2], x.shape[3], y.shape[1], y.shape[2],
                 kernel[0],  kernel[1],  strides[0], strides[1], dilations[0], dilations[1],
                 pads[0],    pads[1],    pads[2],    pads[3]};
  // Y's spatial size is the floor or the ceil_mode size (the compiler applied ceil_mode).
  auto sizes_ok = [](int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1) {
    const int64_t span = in + p0 + p1 - ((k - 1) * d + 1);
    if (span < 0) return false;
    const int64_t floor_size = span / s + 1;
    const int64_t ceil_size = (span + s - 1) / s + 1;
    return out == floor_size || out == ceil_size;
  };
  if (y.shape[0] != g.n || y.shape[3] != g.c || !sizes_ok(g.h, g.oh, g.kh, g.sh, g.dh, g.pad_top, g.pad_bottom) ||
      !sizes_ok(g.w, g.ow, g.kw, g.sw, g.dw, g.pad_left, g.pad_right))
    plan_fail(desc, "output Y " + shape_string(y.shape) + " does not match X " + shape_string(x.shape) +
                        " with kernel " + shape_string(kernel) + ", strides " + shape_string(strides) + ", pads " +
                        shape_string(pads) + ", dilations " + shape_string(dilations));
  return g;
}

void expect_pool_tensors(const OpDesc& desc, const TensorDesc& x, const TensorDesc& y, DType dtype) {
  expect_dtype(desc, x, {dtype}, "input X");
  expect_dtype(desc, y, {dtype}, "output Y");
  expect_rank(desc, x, 4, "NHWC input X");
  expect_rank(desc, y, 4, "NHWC output Y");
}

}  // namespace sparq

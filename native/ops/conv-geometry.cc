// Reads a convolution window (group, kernel_shape, strides, dilations, pads) and checks it against X and W.
#include "ops/conv-geometry.h"

#include <string>
#include <vector>

#include "ops/f32-op-validation.h"

namespace sparq {

ConvGeometry read_conv_geometry(const OpDesc& desc, const TensorDesc& x, const TensorDesc& w) {
  if (x.shape.size() != 4) throw_op_error(desc, "expected a 4-D NHWC input X but received " + shape_string(x.shape));
  if (w.shape.size() != 4) throw_op_error(desc, "expected a 4-D weight W but received " + shape_string(w.shape));
  for (int64_t d : x.shape)
    if (d < 0) throw_op_error(desc, "negative dimension in X " + shape_string(x.shape));
  ConvGeometry g;
  const auto& a = desc.attrs;
  const int64_t group = a.i("group", 1);
  if (group < 1) throw_op_error(desc, "expected group >= 1 but received " + std::to_string(group));
  auto pair = [&](const char* name, int64_t fallback0, int64_t fallback1, int64_t min) {
    std::vector<int64_t> v = a.ints(name);
    if (v.empty()) v = {fallback0, fallback1};
    if (v.size() != 2) throw_op_error(desc, std::string("expected 2 values for ") + name + " but received " + shape_string(v));
    for (int64_t e : v)
      if (e < min) throw_op_error(desc, std::string("expected ") + name + " >= " + std::to_string(min) + " but received " + shape_string(v));
    return v;
  };
  const auto ks = pair("kernel_shape", w.shape[2], w.shape[3], 1);
  const auto st = pair("strides", 1, 1, 1);
  const auto di = pair("dilations", 1, 1, 1);
  std::vector<int64_t> pads = a.ints("pads");
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (pads.size() != 4) throw_op_error(desc, "expected 4 pads [top, left, bottom, right] but received " + shape_string(pads));
  for (int64_t p : pads)
    if (p < 0) throw_op_error(desc, "expected pads >= 0 but received " + shape_string(pads));
  if (ks[0] != w.shape[2] || ks[1] != w.shape[3])
    throw_op_error(desc, "kernel_shape " + shape_string(ks) + " disagrees with W " + shape_string(w.shape));
  g.batch = static_cast<size_t>(x.shape[0]);
  g.in_h = static_cast<size_t>(x.shape[1]);
  g.in_w = static_cast<size_t>(x.shape[2]);
  g.in_c = static_cast<size_t>(x.shape[3]);
  g.group = static_cast<size_t>(group);
  g.kernel_h = static_cast<size_t>(ks[0]);
  g.kernel_w = static_cast<size_t>(ks[1]);
  g.stride_h = static_cast<size_t>(st[0]);
  g.stride_w = static_cast<size_t>(st[1]);
  g.dilation_h = static_cast<size_t>(di[0]);
  g.dilation_w = static_cast<size_t>(di[1]);
  g.pad_top = static_cast<size_t>(pads[0]);
  g.pad_left = static_cast<size_t>(pads[1]);
  g.pad_bottom = static_cast<size_t>(pads[2]);
  g.pad_right = static_cast<size_t>(pads[3]);
  return g;
}

}  // namespace sparq

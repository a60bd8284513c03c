// The parts of the int8 op family (native/ops/README.md "int8 quantize, elementwise and pooling ops"), registered
// together by quantize.cc, and the attribute checks they share.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

#include "ops/op-checks.h"
#include "runtime/op.h"

namespace sparq {

void register_qelementwise_ops(OpRegistry& r);  // ops/qelementwise.cc (QAdd, QLookup)
void register_qmul_op(OpRegistry& r);           // ops/qmul.cc
void register_qconcat_op(OpRegistry& r);        // ops/qconcat.cc
void register_qpool_ops(OpRegistry& r);         // ops/qpool.cc (QMaxPool, QAveragePool, QGlobalAveragePool)

// A quantization scale attribute: required, finite and > 0.
inline float quant_scale_attr(const OpDesc& desc, const std::string& name) {
  auto it = desc.attrs.numbers.find(name);
  if (it == desc.attrs.numbers.end() || it->second.size() != 1)
    plan_fail(desc, "expected one number for attribute " + name);
  const double v = it->second[0];
  const float f = attr_to_float(v);
  if (!(std::isfinite(f) && f > 0.f))
    plan_fail(desc, "expected a finite scale > 0 for " + name + " but received " + std::to_string(v));
  return f;
}

// A zero point attribute (0 when absent): a whole number in [lo, hi].
inline int32_t quant_zero_point_attr(const OpDesc& desc, const std::string& name, int32_t lo, int32_t hi) {
  auto it = desc.attrs.numbers.find(name);
  if (it == desc.attrs.numbers.end()) return 0;
  const double v = it->second.size() == 1 ? it->second[0] : NAN;
  if (!(v >= lo && v <= hi && v == std::floor(v)))
    plan_fail(desc, "expected a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] for " +
                        name + " but received " + (it->second.size() == 1 ? std::to_string(v) : "a list"));
  return static_cast<int32_t>(v);
}

}  // namespace sparq

// The table of native op types: each op family file registers its ops here.
#include <algorithm>

#include "runtime/op.h"

namespace sparq {

void OpRegistry::add(const std::string& type, OpFactory factory) { entries_.emplace_back(type, factory); }

OpFactory OpRegistry::find(const std::string& type) const {
  for (const auto& e : entries_)
    if (e.first == type) return e.second;
  return nullptr;
}

std::vector<std::string> OpRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.first);
  std::sort(out.begin(), out.end());
  return out;
}

const OpRegistry& OpRegistry::instance() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_conv_ops(r);
    register_gemm_ops(r);
    register_elementwise_ops(r);
    register_pool_ops(r);
    register_shape_ops(r);
    register_reduce_ops(r);
    register_norm_ops(r);
    register_resize_ops(r);
    register_quant_ops(r);
    register_qconv_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace sparq

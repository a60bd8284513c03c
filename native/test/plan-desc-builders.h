// Test scaffolding for whole-plan tests: tensor, constant and op descriptors written by hand.
#pragma once
#include <cstring>
#include <string>
#include <vector>

#include "runtime/plan-desc.h"

namespace sparq_test {

inline sparq::TensorDesc tensor(std::vector<int64_t> shape, sparq::TensorKind kind, uint64_t offset,
                                sparq::DType dtype = sparq::DType::kFloat32) {
  sparq::TensorDesc t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.kind = kind;
  t.offset = offset;
  return t;
}

inline sparq::TensorDesc constant(const std::vector<float>& values, std::vector<int64_t> shape) {
  sparq::TensorDesc t = tensor(std::move(shape), sparq::TensorKind::kConstant, 0);
  t.data.resize(values.size() * 4);
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

inline sparq::OpDesc op(const std::string& type, const std::string& name, std::vector<int32_t> in,
                        std::vector<int32_t> out) {
  sparq::OpDesc d;
  d.type = type;
  d.name = name;
  d.inputs = std::move(in);
  d.outputs = std::move(out);
  return d;
}

}  // namespace sparq_test

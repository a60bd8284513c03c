// Shared scaffolding of the QConv / QGemm op tests: random quantization, its attrs, and the reference epilogue
// applied to reference accumulators, compared byte for byte (u8) or bit for bit (f32) with the op's output.
#pragma once
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/qs8-epilogue/qs8-requantization.h"
#include "reference/qs8-gemm-reference.h"
#include "runtime/plan-desc.h"
#include "test/test-harness.h"

namespace sparq_test {

// Random scales spreading typical accumulators of depth k over the u8 range, random zero points.
inline sparq::Qs8QuantizedOutput random_quantization(std::mt19937& rng, size_t n, size_t k, sparq::Qs8Output kind,
                                                     sparq::Qs8Activation act, bool residual, bool per_channel) {
  std::uniform_real_distribution<float> unit(0.5f, 2.f);
  std::uniform_int_distribution<int> zp(0, 255);
  sparq::Qs8QuantizedOutput q;
  q.output = kind;
  q.a_scale = 0.02f * unit(rng);
  q.w_scale.resize(per_channel ? n : 1);
  for (auto& s : q.w_scale) s = 0.01f * unit(rng);
  q.y_scale = q.a_scale * 0.01f * 40.f * static_cast<float>(std::sqrt(static_cast<double>(k)) + 1.0) * unit(rng);
  q.y_zero_point = zp(rng);
  q.activation = act;
  if (act == sparq::Qs8Activation::kClip) {
    q.alpha = -20.f * q.y_scale;
    q.beta = 60.f * q.y_scale;
  } else if (act == sparq::Qs8Activation::kLeakyRelu) {
    q.alpha = 0.1f;
  }
  q.residual = residual;
  q.residual_scale = q.y_scale * unit(rng);
  q.residual_zero_point = zp(rng);
  return q;
}

inline const char* activation_name(sparq::Qs8Activation a) {
  switch (a) {
    case sparq::Qs8Activation::kNone: return "none";
    case sparq::Qs8Activation::kRelu: return "relu";
    case sparq::Qs8Activation::kClip: return "clip";
    case sparq::Qs8Activation::kLeakyRelu: return "leaky_relu";
    case sparq::Qs8Activation::kHardSwish: return "hard_swish";
  }
  return "?";
}

// The attrs a QConv ("x") / QGemm ("a") node carries for this quantization.
inline void set_quantization_attrs(sparq::OpAttrs& at, const char* input, const sparq::Qs8QuantizedOutput& q,
                                   int32_t input_zero_point) {
  at.numbers[std::string(input) + "_scale"] = {q.a_scale};
  at.numbers[std::string(input) + "_zero_point"] = {static_cast<double>(input_zero_point)};
  at.numbers["w_scales"] = std::vector<double>(q.w_scale.begin(), q.w_scale.end());
  at.numbers["y_scale"] = {q.y_scale};
  at.numbers["y_zero_point"] = {static_cast<double>(q.y_zero_point)};
  if (q.residual) {
    at.numbers["r_scale"] = {q.residual_scale};
    at.numbers["r_zero_point"] = {static_cast<double>(q.residual_zero_point)};
  }
  at.strings["activation"] = activation_name(q.activation);
  at.numbers["alpha"] = {q.alpha};
  at.numbers["beta"] = {q.beta};
}

// Output bytes the reference epilogue makes of reference accumulators (rows x n, residual rows x n or empty).
inline std::vector<uint8_t> reference_outputs(const std::vector<int32_t>& acc, size_t n,
                                              const std::vector<uint8_t>& residual,
                                              const sparq::Qs8QuantizedOutput& q) {
  const sparq::Qs8Requantization rq(q, n);
  const size_t bytes = q.output == sparq::Qs8Output::kUint8 ? 1 : 4;
  std::vector<uint8_t> out(acc.size() * bytes);
  for (size_t i = 0; i < acc.size(); ++i)
    sparq::qs8_epilogue_reference_value(acc[i], i % n, residual.empty() ? 0 : residual[i], rq.params(),
                                        out.data() + i * bytes);
  return out;
}

// Number of output values that differ (u8 bytes, or f32 bit patterns); reports the first few under `what`.
inline size_t count_mismatches(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, size_t bytes,
                               const std::string& what) {
  size_t bad = 0;
  if (got.size() != want.size()) {
    report_failure(__FILE__, __LINE__, what + ": output sizes differ");
    return 1;
  }
  for (size_t i = 0; i < got.size(); i += bytes) {
    if (std::memcmp(got.data() + i, want.data() + i, bytes) == 0) continue;
    if (bad++ < 3) {
      std::ostringstream os;
      os << what << " value " << i / bytes << ": got ";
      if (bytes == 1) os << int(got[i]) << " want " << int(want[i]);
      else {
        float g, w;
        std::memcpy(&g, got.data() + i, 4);
        std::memcpy(&w, want.data() + i, 4);
        os << g << " want " << w;
      }
      report_failure(__FILE__, __LINE__, os.str());
    }
  }
  return bad;
}

// Whether building throws a PlanError whose message names the node (op factories must never throw anything else).
inline bool throws_plan_error(const std::function<void()>& build, const std::string& node) {
  try {
    build();
  } catch (const sparq::PlanError& e) {
    if (std::string(e.what()).find(node) == std::string::npos) {
      report_failure(__FILE__, __LINE__, std::string("PlanError without the node name: ") + e.what());
    }
    return true;
  } catch (...) {
    report_failure(__FILE__, __LINE__, "threw something other than PlanError");
    return true;
  }
  return false;
}

template <typename T>
std::vector<T> random_values(std::mt19937& rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& e : v) e = static_cast<T>(d(rng));
  return v;
}

}  // namespace sparq_test

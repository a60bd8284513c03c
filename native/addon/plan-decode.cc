// JS plan descriptor -> sparq::PlanDesc: type and range checks with the field path in every message.
#include "addon/plan-decode.h"

#include <cmath>
#include <cstring>
#include <string>

#include "addon/array-buffer-view.h"
#include "addon/value-description.h"

namespace sparq_addon {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1: larger numbers are not exact in JS

class Decoder {
 public:
  explicit Decoder(Napi::Env env) : env_(env) {}

  Napi::Object object(const Napi::Value& v, const std::string& name) {
    if (!v.IsObject() || v.IsArray() || v.IsFunction()) throw expected_type(env_, "an object", name, v);
    return v.As<Napi::Object>();
  }

  Napi::Array array(const Napi::Value& v, const std::string& what, const std::string& name) {
    if (!v.IsArray()) throw expected_type(env_, what, name, v);
    return v.As<Napi::Array>();
  }

  double integer(const Napi::Value& v, double lo, double hi, const std::string& what, const std::string& name) {
    if (!v.IsNumber()) throw expected_type(env_, what, name, v);
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d || d < lo || d > hi) throw expected_type(env_, what, name, v);
    return d;
  }

  int32_t int32(const Napi::Value& v, const std::string& name) {
    return static_cast<int32_t>(integer(v, -2147483648.0, 2147483647.0, "a 32-bit integer", name));
  }

  uint64_t size(const Napi::Value& v, const std::string& name) {
    return static_cast<uint64_t>(integer(v, 0, kMaxSafeInteger, "a non-negative integer", name));
  }

  std::string string(const Napi::Value& v, const std::string& name) {
    if (!v.IsString()) throw expected_type(env_, "a string", name, v);
    return v.As<Napi::String>().Utf8Value();
  }

  // Arrays of integers (tensor ids, shapes): first the array check, then each element.
  template <typename T>
  std::vector<T> integers(const Napi::Value& v, double lo, double hi, const std::string& name) {
    Napi::Array a = array(v, "an array of numbers", name);
    std::vector<T> out;
    const uint32_t n = a.Length();
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      const std::string element = name + "[" + std::to_string(i) + "]";
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) throw expected_type(env_, "an array of numbers", name, v);
      out.push_back(static_cast<T>(integer(e, lo, hi, "an integer", element)));
    }
    return out;
  }

  std::vector<int32_t> ids(const Napi::Value& v, const std::string& name) {
    return integers<int32_t>(v, -2147483648.0, 2147483647.0, name);
  }

  std::vector<uint8_t> bytes(const Napi::Value& v, const std::string& name) {
    ByteView view;
    if (!array_buffer_view_bytes(v, view)) throw expected_type(env_, "a Uint8Array", name, v);
    if (!view.data) return {};
    return std::vector<uint8_t>(view.data, view.data + view.bytes);
  }

  sparq::TensorDesc tensor(const Napi::Value& v, const std::string& name) {
    Napi::Object o = object(v, name);
    sparq::TensorDesc t;
    const int32_t dtype = int32(o.Get("dtype"), name + ".dtype");
    if (!sparq::dtype_valid(dtype))
      throw expected_type(env_, "a dtype code (1, 2, 3, 6, 7, 9)", name + ".dtype", o.Get("dtype"));
    t.dtype = static_cast<sparq::DType>(dtype);
    t.shape = integers<int64_t>(o.Get("shape"), -kMaxSafeInteger, kMaxSafeInteger, name + ".shape");
    const int32_t kind = int32(o.Get("kind"), name + ".kind");
    if (kind < 0 || kind > 3)
      throw expected_type(env_, "a tensor kind (0 arena, 1 constant, 2 input, 3 output)", name + ".kind", o.Get("kind"));
    t.kind = static_cast<sparq::TensorKind>(kind);
    Napi::Value offset = o.Get("offset");
    t.offset = offset.IsUndefined() && kind == 1 ? 0 : size(offset, name + ".offset");
    Napi::Value data = o.Get("data");
    if (!data.IsUndefined() && !data.IsNull()) t.data = bytes(data, name + ".data");
    else if (kind == 1) throw expected_type(env_, "a Uint8Array", name + ".data", data);
    return t;
  }

  void attr(sparq::OpAttrs& attrs, const std::string& key, const Napi::Value& v, const std::string& name) {
    const char* what = "a number, an array of numbers or a string";
    if (v.IsString()) {
      attrs.strings[key] = v.As<Napi::String>().Utf8Value();
    } else if (v.IsNumber()) {
      attrs.numbers[key] = {v.As<Napi::Number>().DoubleValue()};
    } else if (v.IsArray()) {
      Napi::Array a = v.As<Napi::Array>();
      std::vector<double> values;
      for (uint32_t i = 0; i < a.Length(); ++i) {
        Napi::Value e = a.Get(i);
        if (!e.IsNumber()) throw expected_type(env_, what, name, v);
        values.push_back(e.As<Napi::Number>().DoubleValue());
      }
      attrs.numbers[key] = std::move(values);
    } else {
      throw expected_type(env_, what, name, v);
    }
  }

  sparq::OpDesc op(const Napi::Value& v, const std::string& name) {
    Napi::Object o = object(v, name);
    sparq::OpDesc d;
    d.type = string(o.Get("type"), name + ".type");
    d.name = string(o.Get("name"), name + ".name");
    d.inputs = ids(o.Get("inputs"), name + ".inputs");
    d.outputs = ids(o.Get("outputs"), name + ".outputs");
    Napi::Value attrs = o.Get("attrs");
    if (!attrs.IsUndefined()) {
      Napi::Object a = object(attrs, name + ".attrs");
      Napi::Array keys = a.GetPropertyNames();
      for (uint32_t i = 0; i < keys.Length(); ++i) {
        const std::string key = keys.Get(i).ToString().Utf8Value();
        attr(d.attrs, key, a.Get(key), name + ".attrs." + key);
      }
    }
    return d;
  }

  sparq::PlanDesc plan(const Napi::Value& v) {
    Napi::Object o = object(v, "plan");
    sparq::PlanDesc p;
    p.threads = int32(o.Get("threads"), "plan.threads");
    Napi::Value isa = o.Get("isa");
    p.isa = isa.IsUndefined() ? "" : string(isa, "plan.isa");
    p.arena_bytes = size(o.Get("arenaBytes"), "plan.arenaBytes");
    Napi::Array tensors = array(o.Get("tensors"), "an array of tensor descriptors", "plan.tensors");
    for (uint32_t i = 0; i < tensors.Length(); ++i)
      p.tensors.push_back(tensor(tensors.Get(i), "plan.tensors[" + std::to_string(i) + "]"));
    Napi::Array ops = array(o.Get("ops"), "an array of op descriptors", "plan.ops");
    for (uint32_t i = 0; i < ops.Length(); ++i) p.ops.push_back(op(ops.Get(i), "plan.ops[" + std::to_string(i) + "]"));
    p.inputs = ids(o.Get("inputs"), "plan.inputs");
    p.outputs = ids(o.Get("outputs"), "plan.outputs");
    Napi::Value exits = o.Get("exits");  // optional (early exit); older plans have none
    if (!exits.IsUndefined() && !exits.IsNull()) p.exits = ids(exits, "plan.exits");
    return p;
  }

 private:
  Napi::Env env_;
};

}  // namespace

sparq::PlanDesc decode_plan(const Napi::Value& desc) { return Decoder(desc.Env()).plan(desc); }

}  // namespace sparq_addon

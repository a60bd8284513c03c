// Describes a JS value the same way lib/errors.ts describeValue does, so native and TS messages read alike.
#include "addon/value-description.h"

#include <cmath>
#include <sstream>

namespace sparq_addon {
namespace {

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

std::string quoted(const std::string& s) {
  const std::string text = s.size() > 60 ? s.substr(0, 57) + "..." : s;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string constructor_name(const Napi::Object& object) {
  Napi::Value ctor = object.Get("constructor");
  if (ctor.IsFunction()) {
    Napi::Value name = ctor.As<Napi::Object>().Get("name");
    if (name.IsString()) return name.As<Napi::String>().Utf8Value();
  }
  return "Object";
}

}  // namespace

std::string describe_value(const Napi::Value& value) {
  try {
    if (value.IsNull()) return "null";
    if (value.IsUndefined() || value.IsEmpty()) return "undefined";
    if (value.IsString()) return quoted(value.As<Napi::String>().Utf8Value());
    if (value.IsNumber()) return number_text(value.As<Napi::Number>().DoubleValue());
    if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? "true" : "false";
    if (value.IsBigInt()) {
      bool lossless = false;
      return std::to_string(value.As<Napi::BigInt>().Int64Value(&lossless));
    }
    if (value.IsArray()) {
      Napi::Array a = value.As<Napi::Array>();
      std::string out = "array [";
      const uint32_t n = a.Length();
      for (uint32_t i = 0; i < n && i < 8; ++i) out += (i ? ", " : "") + describe_value(a.Get(i));
      return out + (n > 8 ? ", ...]" : "]");
    }
    if (value.IsTypedArray()) {
      Napi::TypedArray t = value.As<Napi::TypedArray>();
      return constructor_name(t) + "(" + std::to_string(t.ElementLength()) + ")";
    }
    if (value.IsDataView()) return "DataView(" + std::to_string(value.As<Napi::DataView>().ByteLength()) + ")";
    if (value.IsFunction()) return "a function";
    if (value.IsObject()) return "an object of type " + constructor_name(value.As<Napi::Object>());
  } catch (const Napi::Error&) {
    // a getter threw while we looked: fall through to a generic description
  }
  return "a value";
}

Napi::Error expected_type(const Napi::Env& env, const std::string& what, const std::string& name,
                          const Napi::Value& value) {
  return Napi::TypeError::New(env, "Expected " + what + " for " + name + " but received " + describe_value(value));
}

}  // namespace sparq_addon

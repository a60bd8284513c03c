// A tiny self-registering test harness for the native tests (one binary, run once per ISA level by ctest).
#pragma once
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace sparq_test {

struct TestCase {
  const char* name;
  void (*fn)();
};
std::vector<TestCase>& registry();
struct Registrar {
  Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};
// Number of failed checks in the current test.
int& failures();
void report_failure(const char* file, int line, const std::string& what);

// Prints chars as numbers (int8/uint8 values) and everything else as itself.
template <typename T>
const T& printable(const T& v) { return v; }
inline int printable(char v) { return v; }
inline int printable(signed char v) { return v; }
inline int printable(unsigned char v) { return v; }
inline std::string printable(bool v) { return v ? "true" : "false"; }

}  // namespace sparq_test

#define SPARQ_TEST(name)                                                \
  static void name();                                                   \
  static ::sparq_test::Registrar name##_registrar(#name, &name);         \
  static void name()

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) ::sparq_test::report_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_EQ(a, b)                                                                    \
  do {                                                                                    \
    auto va_ = (a);                                                                       \
    auto vb_ = (b);                                                                       \
    if (!(va_ == vb_)) {                                                                  \
      std::ostringstream os_;                                                             \
      os_ << "CHECK_EQ(" #a ", " #b ") " << ::sparq_test::printable(va_) << " != " << ::sparq_test::printable(vb_);                        \
      ::sparq_test::report_failure(__FILE__, __LINE__, os_.str());                        \
    }                                                                                     \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                             \
  do {                                                                                    \
    double va_ = (a), vb_ = (b), t_ = (tol);                                              \
    if (!(std::fabs(va_ - vb_) <= t_)) {                                                  \
      std::ostringstream os_;                                                             \
      os_ << "CHECK_NEAR(" #a ", " #b ") " << va_ << " vs " << vb_ << " tol " << t_;       \
      ::sparq_test::report_failure(__FILE__, __LINE__, os_.str());                        \
    }                                                                                     \
  } while (0)

#define CHECK_THROWS(expr)                                                              \
  do {                                                                                  \
    bool threw_ = false;                                                                \
    try { (void)(expr); } catch (...) { threw_ = true; }                               \
    if (!threw_) ::sparq_test::report_failure(__FILE__, __LINE__, "expected throw: " #expr); \
  } while (0)

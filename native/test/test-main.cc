// Runs every registered native test at the ISA level named by SPARQ_ISA; exits 77 (skipped) when the CPU lacks it.
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "runtime/cpu.h"
#include "test/test-harness.h"

namespace sparq_test {

std::vector<TestCase>& registry() {
  static std::vector<TestCase> cases;
  return cases;
}
int& failures() {
  static int count = 0;
  return count;
}
void report_failure(const char* file, int line, const std::string& what) {
  if (failures() < 20) std::cerr << "  " << file << ":" << line << ": " << what << "\n";
  ++failures();
}

}  // namespace sparq_test

int main(int argc, char** argv) {
  const char* level = std::getenv("SPARQ_ISA");
  if (level && *level) {
    bool available = false;
    for (const auto& l : sparq::available_levels()) available |= (l == level);
    if (!available) {
      std::cout << "ISA level " << level << " is not available on this CPU: skipped\n";
      return 77;
    }
  }
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const auto& tc : sparq_test::registry()) {
    if (filter && !std::strstr(tc.name, filter)) continue;
    sparq_test::failures() = 0;
    try {
      tc.fn();
    } catch (const std::exception& e) {
      sparq_test::report_failure(__FILE__, __LINE__, std::string("uncaught exception: ") + e.what());
    }
    if (sparq_test::failures() == 0) {
      ++passed;
    } else {
      ++failed;
      std::cout << "FAIL " << tc.name << " (" << sparq_test::failures() << " failed checks)\n";
    }
  }
  std::cout << "[" << (level ? level : sparq::default_level()) << "] " << passed << " passed, " << failed
            << " failed\n";
  return failed == 0 ? 0 : 1;
}

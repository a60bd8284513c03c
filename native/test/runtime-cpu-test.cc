// ISA levels: the forced level is honoured, levels are ordered, and features_for_level masks what lies above a level.
#include <cstdlib>
#include <string>

#include "runtime/cpu.h"
#include "runtime/plan-desc.h"
#include "test/test-harness.h"

namespace {

int rank_of(const std::string& level) {
  const auto& names = sparq::isa_level_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == level) return static_cast<int>(i);
  return -1;
}

}  // namespace

SPARQ_TEST(cpu_default_level_honours_sparq_isa) {
  const char* env = std::getenv("SPARQ_ISA");
  const auto levels = sparq::available_levels();
  if (env && *env) CHECK_EQ(sparq::default_level(), std::string(env));
  else CHECK_EQ(sparq::default_level(), levels.back());
}

SPARQ_TEST(cpu_available_levels_are_known_and_ordered) {
  const auto levels = sparq::available_levels();
  CHECK(!levels.empty());
  CHECK_EQ(levels.front(), std::string("scalar"));
  int last = -1;
  for (const auto& l : levels) {
    const int r = rank_of(l);
    CHECK(r > last);
    last = r;
  }
}

SPARQ_TEST(cpu_scalar_level_has_no_simd_features) {
  const sparq::CpuFeatures f = sparq::features_for_level("scalar");
  CHECK(!f.sse41 && !f.avx2 && !f.avxvnni && !f.avx512f && !f.avx512vnni && !f.avx512vbmi);
  CHECK(!f.neon && !f.neondot && !f.i8mm);
}

SPARQ_TEST(cpu_features_for_level_masks_higher_levels) {
  const sparq::CpuFeatures& all = sparq::detected_features();
  for (const auto& level : sparq::available_levels()) {
    const sparq::CpuFeatures f = sparq::features_for_level(level);
    const int r = rank_of(level);
    // Never more than the CPU has.
    CHECK(!f.avx2 || all.avx2);
    CHECK(!f.avx512f || all.avx512f);
    CHECK(!f.neondot || all.neondot);
#if defined(__x86_64__)
    CHECK_EQ(f.avx2, r >= 1);  // every available level above scalar implies AVX2
    CHECK_EQ(f.avxvnni, r >= 2 && all.avxvnni);
    CHECK_EQ(f.avx512f, r >= 3);
    CHECK_EQ(f.avx512vnni, r >= 4);
    CHECK(!f.avx512vbmi || r >= 4);
    CHECK(!f.neon);
#elif defined(__aarch64__)
    CHECK_EQ(f.neon, r >= 1);
    CHECK_EQ(f.neondot, r >= 2);
    CHECK_EQ(f.i8mm, r >= 3);
    CHECK(!f.avx2);
#endif
  }
}

SPARQ_TEST(cpu_features_imply_their_prerequisites) {
  const sparq::CpuFeatures& f = sparq::detected_features();
  CHECK(!f.avxvnni || f.avx2);
  CHECK(!f.avx512f || f.avx2);
  CHECK(!f.avx512vnni || f.avx512f);
  CHECK(!f.avx512vbmi || f.avx512vnni);
  CHECK(!f.neondot || f.neon);
  CHECK(!f.i8mm || f.neondot);
#if defined(__aarch64__)
  CHECK(f.neon);
#endif
}

SPARQ_TEST(cpu_unknown_or_unavailable_level_throws) {
  CHECK_THROWS(sparq::features_for_level("pentium"));
  CHECK_THROWS(sparq::features_for_level(""));
  bool threw = false;
  try {
    sparq::features_for_level("no-such-level");
  } catch (const sparq::PlanError& e) {
    threw = std::string(e.what()).find("no-such-level") != std::string::npos;
  }
  CHECK(threw);
  const auto& names = sparq::isa_level_names();
  const auto levels = sparq::available_levels();
  for (const auto& n : names) {
    bool available = false;
    for (const auto& l : levels) available |= l == n;
    if (!available) CHECK_THROWS(sparq::features_for_level(n));
  }
}

SPARQ_TEST(cpu_brand_and_feature_names_are_reported) {
  CHECK(!sparq::cpu_brand().empty());
  const auto& names = sparq::detected_feature_names();
  const sparq::CpuFeatures& f = sparq::detected_features();
  auto has = [&](const char* n) {
    for (const auto& x : names)
      if (x == n) return true;
    return false;
  };
  if (f.avx2) CHECK(has("avx2") && has("fma"));
  if (f.avx512f) CHECK(has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq"));
  if (f.avx512vnni) CHECK(has("avx512vnni"));
  if (f.avxvnni) CHECK(has("avxvnni"));
  if (f.neon) CHECK(has("asimd"));
  if (f.neondot) CHECK(has("asimddp"));
  if (f.i8mm) CHECK(has("i8mm"));
}

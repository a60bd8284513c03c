// XXH64 against digests computed independently with libxxhash 0.8.1 (Debian's libxxhash0) on the same bytes.
#include <vector>

#include "runtime/xxh64.h"
#include "test/test-harness.h"

namespace {

// Byte i of every test input: (i * 131 + 7) mod 256.
std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(i * 131 + 7);
  return out;
}

}  // namespace

SPARQ_TEST(xxh64_matches_libxxhash_around_stripe_and_tail_edges) {
  const struct {
    size_t n;
    uint64_t digest;
  } cases[] = {
      {0, 0xef46db3751d8e999ull},    {1, 0xa96c7f0ce858bbb7ull},   {3, 0xbed43740ee6332bbull},
      {4, 0xfa212ae44b3bb23dull},    {7, 0x2744460dd675d2c0ull},   {8, 0x994b676b71ce94ddull},
      {15, 0x09e6451ed2ff8b1dull},   {16, 0x94ad0095e72b24d5ull},  {31, 0x6711d55e306b5d8full},
      {32, 0x07f7b8e3bc5d6e25ull},   {33, 0x09f85eeb4e1cbe9full},  {63, 0xb7c9968c066cb6a5ull},
      {64, 0x50d4159a0411632eull},   {100, 0x9ddada11d3dc2d8full}, {1000, 0x0bf0bdbcc82eb373ull},
      {4099, 0xc2c15a86d6a1985bull},
  };
  for (const auto& c : cases) {
    const std::vector<uint8_t> bytes = pattern(c.n);
    CHECK_EQ(sparq::xxh64(bytes.data(), bytes.size()), c.digest);
  }
  const uint8_t abc[] = {'a', 'b', 'c'};
  CHECK_EQ(sparq::xxh64(abc, 3), 0x44bc2cf5ad770999ull);
  const std::vector<uint8_t> bytes = pattern(100);
  CHECK_EQ(sparq::xxh64(bytes.data(), bytes.size(), 1), 0xe6a0d25e6e0a7f2aull);
}

SPARQ_TEST(xxh64_changes_with_every_single_bit_flip) {
  std::vector<uint8_t> bytes = pattern(257);
  const uint64_t base = sparq::xxh64(bytes.data(), bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      bytes[i] ^= static_cast<uint8_t>(1u << bit);
      CHECK(sparq::xxh64(bytes.data(), bytes.size()) != base);
      bytes[i] ^= static_cast<uint8_t>(1u << bit);
    }
  }
}

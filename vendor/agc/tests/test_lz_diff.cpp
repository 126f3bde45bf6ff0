// LZ-diff encoder scans: a hand-checked delta, the equality shortcut, and misuse that must throw
// instead of reading outside the reference (the TypeScript tests cover byte-exact re-encoding of
// every golden delta).
#include <vector>

#include "agc/archive.h"
#include "agc/lz_diff.h"
#include "test_framework.h"

namespace {

constexpr uint32_t kL = 15;

// A pseudo-random ACGT reference with no repeated 12-mers at this length.
std::vector<uint8_t> Reference(size_t n) {
  std::vector<uint8_t> r(n);
  uint32_t x = 2024;
  for (auto& c : r) {
    x = x * 1103515245u + 12345u;
    c = uint8_t((x >> 16) & 3);
  }
  return r;
}

struct Built {
  std::vector<uint8_t> padded;
  std::vector<int32_t> index;
  agc::LzRef ref() const {
    return agc::LzRef{padded.data(), padded.size(), index.data(), index.size(), kL};
  }
};

Built Build(const std::vector<uint8_t>& reference) {
  Built b;
  b.padded = reference;
  b.padded.resize(reference.size() + agc::LzKeyLength(kL), agc::kLzPadSymbol);
  b.index.resize(agc::LzIndexSize(b.padded.data(), b.padded.size(), kL));
  agc::LzFillIndex(b.padded.data(), b.padded.size(), kL, b.index.data(), b.index.size());
  return b;
}

std::string Encoded(const Built& b, const std::vector<uint8_t>& text) {
  std::vector<uint8_t> out;
  agc::LzEncode(b.ref(), text.data(), text.size(), out);
  return std::string(out.begin(), out.end());
}

}  // namespace

TEST(lz_diff_equal_text_is_empty_and_free) {
  const auto r = Reference(100);
  const Built b = Build(r);
  CHECK_EQ(Encoded(b, r), std::string());
  CHECK_EQ(agc::LzEstimate(b.ref(), r.data(), r.size(), 1e9), uint64_t(0));
}

TEST(lz_diff_rotated_text_gives_a_negative_offset) {
  const auto r = Reference(100);
  const Built b = Build(r);
  std::vector<uint8_t> t(r.begin() + 50, r.end());
  t.insert(t.end(), r.begin(), r.begin() + 50);
  // Match of 50 at reference 50 (length 50 - 15), then at 0: offset 0 - 100.
  CHECK_EQ(Encoded(b, t), std::string("50,35.-100,35."));
  std::vector<uint32_t> costs(t.size());
  agc::LzCosts(b.ref(), t.data(), t.size(), true, costs.data());
  CHECK_EQ(costs[0], 6u);
  CHECK_EQ(costs[50], 8u);
}

TEST(lz_diff_rejects_parameters_and_foreign_indexes) {
  const auto r = Reference(100);
  Built b = Build(r);
  CHECK_THROWS(agc::LzIndexSize(b.padded.data(), b.padded.size(), 14));
  CHECK_THROWS(agc::LzIndexSize(b.padded.data(), 5, kL));
  // An index slot pointing past the reference must throw, not read out of bounds.
  for (auto& v : b.index)
    if (v != agc::kLzEmptySlot) v |= 0x7fff0000;  // same tags, positions far beyond
  CHECK_THROWS(agc::LzEstimate(b.ref(), r.data(), r.size() - 1, 1e9));
  std::vector<int32_t> odd(6, agc::kLzEmptySlot);
  agc::LzRef bad{b.padded.data(), b.padded.size(), odd.data(), odd.size(), kL};
  CHECK_THROWS(agc::LzEstimate(bad, r.data(), r.size(), 1e9));
}

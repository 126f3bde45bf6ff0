// LZ-diff encoder scans: a hand-checked delta, the equality shortcut, and misuse that must throw
// instead of reading outside the reference (the TypeScript tests cover byte-exact re-encoding of
// every golden delta).
#include <algorithm>
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

TEST(lz_fill_indexes_builds_each_index_as_lz_fill_index_for_any_thread_count) {
  std::vector<std::vector<uint8_t>> padded;
  for (size_t n : {size_t(20), size_t(1000), size_t(5000), size_t(33333)}) {
    std::vector<uint8_t> p(n);
    for (size_t i = 0; i < n; ++i)
      p[i] = static_cast<uint8_t>((i * 2654435761u >> 7) % (i % 97 == 0 ? 5 : 4));
    p.resize(n + agc::LzKeyLength(kL), agc::kLzPadSymbol);
    padded.push_back(p);
  }
  for (unsigned threads : {1u, 2u, 7u}) {
    std::vector<std::vector<int32_t>> idx;
    std::vector<agc::LzIndexJob> jobs;
    for (const auto& p : padded) idx.emplace_back(agc::LzIndexSize(p.data(), p.size(), kL), 5);
    for (size_t i = 0; i < padded.size(); ++i)
      jobs.push_back({padded[i].data(), padded[i].size(), idx[i].data(), idx[i].size()});
    agc::LzFillIndexes(jobs, kL, threads);
    for (size_t i = 0; i < padded.size(); ++i) {
      std::vector<int32_t> one(idx[i].size());
      agc::LzFillIndex(padded[i].data(), padded[i].size(), kL, one.data(), one.size());
      CHECK(one == idx[i]);
    }
  }
  // A bad job anywhere: nothing is written.
  std::vector<int32_t> a(agc::LzIndexSize(padded[1].data(), padded[1].size(), kL), 5), b(6, 5);
  CHECK_THROWS(agc::LzFillIndexes({{padded[1].data(), padded[1].size(), a.data(), a.size()},
                                   {padded[2].data(), padded[2].size(), b.data(), b.size()}},
                                  kL, 2));
  CHECK(std::all_of(a.begin(), a.end(), [](int32_t v) { return v == 5; }));
  CHECK_THROWS(agc::LzFillIndexes({{padded[1].data(), 3, a.data(), a.size()}}, kL, 1));
  agc::LzFillIndexes({}, kL, 3);
}

TEST(lz_fill_index_matches_keys_computed_window_by_window) {
  // The index as described: for every position i = 0 mod 4 (i < R) whose kl symbols are all ACGT,
  // the key of those symbols is hashed (MurMur64 finalizer) and stored as (i / 4, low tag bits of
  // the key) at the first free slot of up to 64 from the hash.
  auto described = [](const std::vector<uint8_t>& p, uint32_t L, size_t size) {
    const size_t kl = agc::LzKeyLength(L), R = p.size() - kl;
    uint32_t pos_bits = 1;
    while (pos_bits < 31 && (uint64_t(1) << pos_bits) <= R / 4) pos_bits++;
    const uint32_t tag_bits = std::min<uint32_t>(31 - pos_bits, 16);
    std::vector<int32_t> index(size, agc::kLzEmptySlot);
    for (size_t i = 0; i < R; i += 4) {
      uint64_t key = 0;
      bool ok = true;
      for (size_t j = i; j < i + kl && ok; ++j) {
        ok = p[j] < 4;
        key = (key << 2) | p[j];
      }
      if (!ok) continue;
      uint64_t h = key;
      h ^= h >> 33;
      h *= 0xff51afd7ed558ccdULL;
      h ^= h >> 33;
      h *= 0xc4ceb9fe1a85ec53ULL;
      h ^= h >> 33;
      const int32_t v =
          int32_t((uint32_t(i / 4) << tag_bits) | (uint32_t(key) & ((1u << tag_bits) - 1)));
      for (size_t t = 0; t < 64; ++t) {
        int32_t& slot = index[(h + t) & (size - 1)];
        if (slot == agc::kLzEmptySlot) {
          slot = v;
          break;
        }
      }
    }
    return index;
  };
  for (uint32_t L : {15u, 20u, 32u}) {
    std::vector<uint8_t> p(20001 + L);
    uint64_t h = 88172645463325252ULL;
    for (size_t i = 0; i < p.size(); ++i) {
      h ^= h << 13, h ^= h >> 7, h ^= h << 17;
      // N runs and other codes of every length, and long repeats (many keys per slot chain)
      p[i] = static_cast<uint8_t>(i % 997 < 3 + i % 41 ? 4 + h % 3
                                  : i % 3000 < 900     ? i % 7 & 3
                                                       : h & 3);
    }
    p.resize(p.size() + agc::LzKeyLength(L), agc::kLzPadSymbol);
    std::vector<int32_t> got(agc::LzIndexSize(p.data(), p.size(), L));
    agc::LzFillIndex(p.data(), p.size(), L, got.data(), got.size());
    CHECK(got == described(p, L, got.size()));
    size_t filled = 0;
    for (int32_t v : got) filled += v != agc::kLzEmptySlot;
    CHECK(filled > 2000);
  }
}

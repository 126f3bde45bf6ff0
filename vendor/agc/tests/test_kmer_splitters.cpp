// Reference k-mer counting and the splitter walk, against straightforward implementations.
#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "agc/archive.h"
#include "agc/kmer_splitters.h"
#include "test_framework.h"

using agc::CodeSpan;
using Codes = std::vector<uint8_t>;

namespace {

// Canonical left-aligned value of the window seq[i, i + k) (all codes 0..3).
uint64_t canonical_at(const Codes& s, size_t i, int k) {
  uint64_t dir = 0, rc = 0;
  for (int j = 0; j < k; ++j) {
    dir = (dir << 2) | s[i + j];
    rc = (rc << 2) | (3u - s[i + k - 1 - j]);
  }
  const uint64_t c = std::min(dir, rc);
  return k == 32 ? c : c << (64 - 2 * k);
}

bool full_window(const Codes& s, size_t i, int k) {
  for (int j = 0; j < k; ++j)
    if (s[i + j] > 3) return false;
  return true;
}

// Value of every full window of s, left to right, as (end position, value).
std::vector<std::pair<size_t, uint64_t>> windows(const Codes& s, int k) {
  std::vector<std::pair<size_t, uint64_t>> out;
  for (size_t i = 0; i + k <= s.size(); ++i)
    if (full_window(s, i, k)) out.push_back({i + k - 1, canonical_at(s, i, k)});
  return out;
}

// The walk as the format describes it: a window becomes the splitter when it is full since the
// last splitter (starts after it), S symbols have passed and it is a candidate; at the end, the
// newest candidate window that starts after the last splitter.
std::vector<uint64_t> naive_walk(const std::vector<Codes>& contigs, int k, uint64_t S,
                                 const std::vector<uint64_t>& cand) {
  std::vector<uint64_t> out;
  auto has = [&](uint64_t v) { return std::binary_search(cand.begin(), cand.end(), v); };
  for (const Codes& s : contigs) {
    uint64_t dist = S;
    size_t from = 0;  // first position a window may use
    auto ws = windows(s, k);
    size_t wi = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      while (wi < ws.size() && ws[wi].first < i) ++wi;
      if (wi < ws.size() && ws[wi].first == i && i + 1 >= from + k && dist >= S &&
          has(ws[wi].second)) {
        out.push_back(ws[wi].second);
        dist = 0;
        from = i + 1;
      }
      ++dist;
    }
    for (size_t r = ws.size(); r > 0; --r) {
      const auto& w = ws[r - 1];
      if (w.first + 1 < from + k) break;
      if (has(w.second)) {
        out.push_back(w.second);
        break;
      }
    }
  }
  return out;
}

// Random codes with N runs, copied repeats and reverse-complemented repeats.
Codes random_contig(std::mt19937_64& rng, size_t len) {
  Codes s(len);
  for (auto& x : s) x = static_cast<uint8_t>(rng() & 3);
  for (int r = 0; r < 6 && len > 200; ++r) {
    size_t n = 20 + rng() % 80, a = rng() % (len - n), b = rng() % (len - n);
    bool rev = rng() & 1;
    for (size_t j = 0; j < n; ++j)
      s[b + j] = rev ? static_cast<uint8_t>(3 - s[a + n - 1 - j]) : s[a + j];
  }
  for (int r = 0; r < 3 && len > 50; ++r) {
    size_t n = 1 + rng() % 10, a = rng() % (len - n);
    for (size_t j = 0; j < n; ++j) s[a + j] = static_cast<uint8_t>(4 + rng() % 2);
  }
  return s;
}

std::vector<CodeSpan> spans(const std::vector<Codes>& cs) {
  std::vector<CodeSpan> out;
  for (const Codes& c : cs) out.push_back({c.data(), c.size()});
  return out;
}

}  // namespace

TEST(kmer_counts_match_a_map) {
  std::mt19937_64 rng(7);
  for (int k : {17, 21, 25, 31, 32}) {
    std::vector<Codes> contigs;
    for (int i = 0; i < 5; ++i) contigs.push_back(random_contig(rng, 50 + rng() % 3000));
    contigs.push_back(contigs[1]);     // a whole contig twice: all its windows are duplicates
    contigs.push_back(Codes(100, 0));  // poly-A: one value (and its bucket) many times
    contigs.push_back(Codes{});
    std::map<uint64_t, int> count;
    uint64_t n = 0;
    for (const Codes& c : contigs)
      for (const auto& w : windows(c, k)) ++count[w.second], ++n;
    std::vector<uint64_t> single, dup;
    for (const auto& [v, m] : count) (m == 1 ? single : dup).push_back(v);

    agc::KmerCounts r = agc::CountKmers(spans(contigs), k, true);
    CHECK_EQ(r.windows, n);
    CHECK_EQ(r.singletons, single);
    CHECK_EQ(r.duplicates, dup);
    agc::KmerCounts r2 = agc::CountKmers(spans(contigs), k, false);
    CHECK_EQ(r2.singletons, single);
    CHECK(r2.duplicates.empty());
  }
}

TEST(kmer_counts_edge_cases) {
  CHECK(agc::CountKmers({}, 31, true).singletons.empty());
  Codes shorter(16, 2);  // shorter than k
  CHECK_EQ(agc::CountKmers(spans({shorter}), 17, true).windows, uint64_t(0));
  Codes all_n(1000, 4);
  CHECK_EQ(agc::CountKmers(spans({all_n}), 21, true).windows, uint64_t(0));
  // Palindrome ACGT...: forward == reverse complement.
  Codes pal;
  for (int i = 0; i < 8; ++i) pal.insert(pal.end(), {0, 1, 2, 3});
  agc::KmerCounts r = agc::CountKmers(spans({pal}), 32, true);
  CHECK_EQ(r.windows, uint64_t(1));
  CHECK_EQ(r.singletons.size(), size_t(1));
  CHECK_THROWS_AS(agc::CountKmers({}, 16, true), agc::AgcError);
  CHECK_THROWS_AS(agc::CountKmers({}, 33, true), agc::AgcError);
  CHECK_THROWS_AS(agc::WalkSplitters({}, 21, 0, {}), agc::AgcError);
}

TEST(subtract_sorted_removes_exactly_the_listed_values) {
  std::mt19937_64 rng(3);
  std::vector<uint64_t> a, b;
  for (int i = 0; i < 3000; ++i) a.push_back(rng() >> (rng() % 2 ? 0 : 20));
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  for (uint64_t v : a)
    if (rng() % 3 == 0) b.push_back(v);
  for (int i = 0; i < 500; ++i) b.push_back(rng());  // values not in a
  b.push_back(~uint64_t(0));
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  std::vector<uint32_t> hi, lo;
  for (uint64_t v : b)
    hi.push_back(static_cast<uint32_t>(v >> 32)), lo.push_back(static_cast<uint32_t>(v));
  std::vector<uint64_t> expected;
  for (uint64_t v : a)
    if (!std::binary_search(b.begin(), b.end(), v)) expected.push_back(v);
  std::vector<uint64_t> got = a;
  agc::SubtractSorted(got, {hi.data(), lo.data(), hi.size()});
  CHECK_EQ(got, expected);
  CHECK(got.size() < a.size());
  agc::SubtractSorted(got, {nullptr, nullptr, 0});
  CHECK_EQ(got, expected);
  // Unsorted exclusions: no crash, the result is still a subset in order.
  std::reverse(hi.begin(), hi.end());
  std::reverse(lo.begin(), lo.end());
  std::vector<uint64_t> odd = a;
  agc::SubtractSorted(odd, {hi.data(), lo.data(), hi.size()});
  CHECK(std::is_sorted(odd.begin(), odd.end()));
  CHECK(odd.size() <= a.size());
}

TEST(new_singletons_are_own_singletons_absent_from_the_reference) {
  std::mt19937_64 rng(5);
  for (int k : {17, 24, 31, 32}) {
    std::vector<Codes> reference;
    for (int i = 0; i < 4; ++i) reference.push_back(random_contig(rng, 100 + rng() % 4000));
    std::vector<Codes> contigs;
    for (int i = 0; i < 6; ++i) {
      Codes c = random_contig(rng, rng() % 3000);
      // Pieces of the reference (forward and reverse-complemented): their windows must go.
      const Codes& r = reference[rng() % reference.size()];
      for (int p = 0; p < 3 && c.size() > 300 && r.size() > 300; ++p) {
        size_t n = 40 + rng() % 200, a = rng() % (r.size() - n), b = rng() % (c.size() - n);
        bool rev = rng() & 1;
        for (size_t j = 0; j < n; ++j)
          c[b + j] = rev ? (r[a + n - 1 - j] > 3 ? r[a + n - 1 - j]
                                                 : static_cast<uint8_t>(3 - r[a + n - 1 - j]))
                         : r[a + j];
      }
      contigs.push_back(c);
    }
    contigs.push_back(contigs[0]);  // the same contig twice: same list
    contigs.push_back(Codes{});
    std::map<uint64_t, int> in_reference;
    for (const Codes& r : reference)
      for (const auto& w : windows(r, k)) ++in_reference[w.second];
    std::vector<std::vector<uint64_t>> expected;
    size_t removed = 0;
    for (const Codes& c : contigs) {
      std::map<uint64_t, int> count;
      for (const auto& w : windows(c, k)) ++count[w.second];
      std::vector<uint64_t> e;
      for (const auto& [v, m] : count) {
        if (m != 1) continue;
        if (in_reference.count(v))
          ++removed;
        else
          e.push_back(v);
      }
      expected.push_back(e);
    }
    CHECK(removed > 0);
    CHECK_EQ(agc::NewSingletons(spans(contigs), k, spans(reference)), expected);
    // Without a reference: the plain singletons of each contig.
    std::vector<std::vector<uint64_t>> own = agc::NewSingletons(spans(contigs), k, {});
    CHECK_EQ(own.size(), contigs.size());
    for (size_t i = 0; i < contigs.size(); ++i)
      CHECK_EQ(own[i], agc::CountKmers(spans({contigs[i]}), k, false).singletons);
  }
  CHECK(agc::NewSingletons({}, 21, {}).empty());
  CHECK_THROWS_AS(agc::NewSingletons({}, 16, {}), agc::AgcError);
  CHECK_THROWS_AS(agc::NewSingletons({}, 33, {}), agc::AgcError);
}

TEST(new_singletons_are_the_same_for_any_thread_count_and_across_scan_pieces) {
  std::mt19937_64 rng(23);
  const int k = 25;
  // One reference contig longer than two scan pieces (1 MiB each), and a second short one.
  std::vector<Codes> reference{random_contig(rng, (size_t(5) << 19) + 777),
                               random_contig(rng, 5000)};
  const size_t piece = size_t(1) << 20;
  std::vector<Codes> contigs;
  // Windows that straddle the cut between two pieces (and end right at it) are reference windows.
  for (size_t cut : {piece, 2 * piece}) {
    for (size_t before : {size_t(1), size_t(k - 1), size_t(k), size_t(40)})
      contigs.emplace_back(reference[0].begin() + static_cast<std::ptrdiff_t>(cut - before),
                           reference[0].begin() + static_cast<std::ptrdiff_t>(cut + 60));
  }
  for (int i = 0; i < 5; ++i) contigs.push_back(random_contig(rng, 200 + rng() % 3000));
  const auto one = agc::NewSingletons(spans(contigs), k, spans(reference), 1);
  for (size_t i = 0; i < 8; ++i) CHECK(one[i].empty());  // every window is in the reference
  for (size_t i = 8; i < contigs.size(); ++i)
    CHECK_EQ(one[i], agc::CountKmers(spans({contigs[i]}), k, false).singletons);
  for (unsigned threads : {2u, 3u, 8u})
    CHECK_EQ(agc::NewSingletons(spans(contigs), k, spans(reference), threads), one);
}

TEST(splitter_walk_matches_the_description) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 40; ++round) {
    const int k = 17 + static_cast<int>(rng() % 16);
    const uint64_t S = 1 + rng() % 400;
    std::vector<Codes> contigs;
    const int nc = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < nc; ++i) contigs.push_back(random_contig(rng, rng() % 2500));
    // Candidates: all singletons, or a sparse subset (long stretches without any).
    std::vector<uint64_t> cand = agc::CountKmers(spans(contigs), k, false).singletons;
    if (round % 2 == 1) {
      std::vector<uint64_t> some;
      for (uint64_t v : cand)
        if (rng() % 50 == 0) some.push_back(v);
      cand.swap(some);
    }
    CHECK_EQ(agc::WalkSplitters(spans(contigs), k, S, cand), naive_walk(contigs, k, S, cand));
    if (round % 2 == 0)
      CHECK_EQ(agc::ReferenceSplitters(spans(contigs), k, S), naive_walk(contigs, k, S, cand));
  }
}

namespace {

// Forward and reverse-complement values of the window seq[i, i + k), right-aligned.
std::pair<uint64_t, uint64_t> orientations_at(const Codes& s, size_t i, int k) {
  uint64_t dir = 0, rc = 0;
  for (int j = 0; j < k; ++j) {
    dir = (dir << 2) | s[i + j];
    rc = (rc << 2) | (3u - s[i + k - 1 - j]);
  }
  return {dir, rc};
}

// Mining as described (docs/format.md 2.5, 2.6): a contig's singletons that no reference window
// holds are the candidates of its walk (naive_walk); every passing asymmetric window that starts
// after the previous splitter goes with the next splitter (windows after the last one: dropped).
agc::MinedSplitters naive_mine(const std::vector<Codes>& contigs, int k,
                               const std::vector<Codes>& reference, uint64_t S,
                               uint64_t threshold) {
  std::vector<uint64_t> ref;
  for (const Codes& r : reference)
    for (const auto& w : windows(r, k)) ref.push_back(w.second);
  std::sort(ref.begin(), ref.end());
  agc::MinedSplitters out;
  for (const Codes& s : contigs) {
    std::map<uint64_t, int> count;
    for (const auto& w : windows(s, k)) ++count[w.second];
    std::vector<uint64_t> cand;
    for (const auto& [v, n] : count)
      if (n == 1 && !std::binary_search(ref.begin(), ref.end(), v)) cand.push_back(v);
    const std::vector<uint64_t> chosen = naive_walk({s}, k, S, cand);
    out.splitters.insert(out.splitters.end(), chosen.begin(), chosen.end());
    // Replay the walk to place the chosen splitters, then hand out the passing windows.
    auto ws = windows(s, k);
    uint64_t prev = ~uint64_t(0);
    size_t from = 0, next = 0, wi = 0;
    std::vector<agc::FallbackHit> pending;
    uint64_t dist = S;
    auto has = [&](uint64_t v) { return std::binary_search(cand.begin(), cand.end(), v); };
    for (size_t i = 0; i < s.size(); ++i) {
      while (wi < ws.size() && ws[wi].first < i) ++wi;
      if (wi < ws.size() && ws[wi].first == i && i + 1 >= from + k) {
        const auto [dir, rc] = orientations_at(s, i + 1 - k, k);
        const uint64_t v = ws[wi].second;
        if (dir != rc && agc::FallbackPasses(v, threshold)) pending.push_back({v, dir <= rc});
        if (dist >= S && has(v)) {
          for (const auto& h : pending) out.fallback.push_back({prev, v, h.value, h.direct});
          pending.clear();
          prev = v;
          dist = 0;
          from = i + 1;
          ++next;
        }
      }
      ++dist;
    }
    if (next < chosen.size())
      for (const auto& h : pending) out.fallback.push_back({prev, chosen[next], h.value, h.direct});
  }
  return out;
}

bool same_records(const std::vector<agc::FallbackRecord>& a,
                  const std::vector<agc::FallbackRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].prev != b[i].prev || a[i].splitter != b[i].splitter || a[i].value != b[i].value ||
        a[i].direct != b[i].direct)
      return false;
  return true;
}

}  // namespace

TEST(mined_splitters_and_fallback_records_match_the_description_for_any_thread_count) {
  std::mt19937_64 rng(31);
  for (int round = 0; round < 12; ++round) {
    const int k = 17 + static_cast<int>(rng() % 16);
    const uint64_t S = 50 + rng() % 600;
    // A fifth of the windows pass, or none (threshold 0).
    const uint64_t threshold = round % 4 == 3 ? 0 : ~uint64_t(0) / 5;
    std::vector<Codes> reference{random_contig(rng, 3000 + rng() % 3000)};
    std::vector<Codes> contigs;
    for (int i = 0; i < 1 + round % 4; ++i) {
      Codes c = random_contig(rng, 500 + rng() % 3000);
      // Reference stretches: their windows are no candidates.
      const size_t n = std::min<size_t>(c.size() / 3, 400), at = rng() % (c.size() - n);
      const size_t from = rng() % (reference[0].size() - n);
      std::copy(reference[0].begin() + static_cast<std::ptrdiff_t>(from),
                reference[0].begin() + static_cast<std::ptrdiff_t>(from + n),
                c.begin() + static_cast<std::ptrdiff_t>(at));
      contigs.push_back(std::move(c));
    }
    const agc::MinedSplitters want = naive_mine(contigs, k, reference, S, threshold);
    CHECK(!want.splitters.empty());
    if (threshold != 0) CHECK(!want.fallback.empty());
    for (unsigned threads : {1u, 2u, 5u}) {
      const agc::MinedSplitters got =
          agc::MineSplitters(spans(contigs), k, spans(reference), S, threshold, threads);
      CHECK_EQ(got.splitters, want.splitters);
      CHECK(same_records(got.fallback, want.fallback));
    }
  }
  CHECK(agc::MineSplitters({}, 21, {}, 10, 1).splitters.empty());
  CHECK_THROWS_AS(agc::MineSplitters({}, 16, {}, 10, 1), agc::AgcError);
  CHECK_THROWS_AS(agc::MineSplitters({}, 21, {}, 0, 1), agc::AgcError);
}

TEST(fallback_filter_hash_and_threshold) {
  // MurMur64 (fmix64) of 1 is 0xb456bcfc34c2cb2c; XOR the filter key: 0x6369370d24840f22.
  CHECK(agc::FallbackPasses(1, 0x6369370d24840f23ULL));
  CHECK(!agc::FallbackPasses(1, 0x6369370d24840f22ULL));
  // MurMur64(0) = 0, so 0 hashes to the key itself.
  CHECK(agc::FallbackPasses(0, 0xd73f8bf11046c40fULL));
  CHECK(!agc::FallbackPasses(0, 0xd73f8bf11046c40eULL));
  CHECK(!agc::FallbackPasses(0x123456789abcdef0ULL, 0));
}

TEST(fallback_kmers_match_a_scan_of_every_window) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 30; ++round) {
    const int k = 17 + static_cast<int>(rng() % 16);
    Codes c = random_contig(rng, rng() % 3000);
    const uint64_t threshold = round == 0   ? 0
                               : round == 1 ? ~uint64_t(0)
                                            : rng() >> (1 + rng() % 8);
    // Naive: recompute both orientations of every full window from scratch.
    std::vector<agc::FallbackHit> want;
    for (size_t end = size_t(k); end <= c.size(); ++end) {
      uint64_t dir = 0, rc = 0;
      bool ok = true;
      for (size_t i = end - k; i < end; ++i) {
        if (c[i] > 3) ok = false;
        dir = (dir << 2) | (c[i] & 3);
      }
      for (size_t i = end; i-- > end - k;) rc = (rc << 2) | (3 - (c[i] & 3));
      if (!ok) continue;
      const int shift = 64 - 2 * k;
      const uint64_t v = (dir <= rc ? dir : rc) << shift;
      if (agc::FallbackPasses(v, threshold)) want.push_back({v, dir <= rc});
    }
    std::vector<agc::FallbackHit> got = agc::FallbackKmers({c.data(), c.size()}, k, threshold);
    CHECK_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
      CHECK_EQ(got[i].value, want[i].value);
      CHECK_EQ(got[i].direct, want[i].direct);
    }
    if (round == 1) CHECK(!got.empty() || c.size() < size_t(k));
    // The filter over a value list picks the same values.
    std::vector<uint32_t> hi, lo;
    std::vector<uint64_t> all;
    for (int i = 0; i < 200; ++i) all.push_back(rng());
    for (uint64_t v : all) hi.push_back(uint32_t(v >> 32)), lo.push_back(uint32_t(v));
    std::vector<uint32_t> idx =
        agc::FallbackFilterIndices({hi.data(), lo.data(), hi.size()}, threshold);
    std::vector<uint32_t> want_idx;
    for (uint32_t i = 0; i < all.size(); ++i)
      if (agc::FallbackPasses(all[i], threshold)) want_idx.push_back(i);
    CHECK_EQ(idx, want_idx);
  }
  bool threw = false;
  try {
    agc::FallbackKmers({nullptr, 0}, 16, 1);
  } catch (const agc::AgcError&) {
    threw = true;
  }
  CHECK(threw);
}

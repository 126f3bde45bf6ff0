// Reference k-mer counting and the splitter walk (see kmer_splitters.h).
//
// Counting sorts one 64-bit word per window: a first pass over the contigs counts the windows per
// value of the top byte, a second pass writes every value into its bucket, and each bucket is
// split by the next 12 bits through a buffer and sorted piece by piece (small and cache-resident).
// Memory is the value array plus a buffer of about 1/128 of it, where a radix sort would need a
// second array of the same size.
#include "agc/kmer_splitters.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include <algorithm>
#include <string>

#include "agc/archive.h"

namespace agc {

namespace {

// Lookup index of the walk: top 16 bits.
constexpr int kBucketBits = 16;
constexpr size_t kBuckets = size_t(1) << kBucketBits;
// Counting: buckets of the top byte, split by the next 12 bits.
constexpr size_t kTopBuckets = 256;
constexpr size_t kSubBuckets = 4096;
// Symbols of reference a thread scans at a time (NewSingletons), and the least share of a
// thread in counting: small enough to share a one-contig bacterial reference between threads,
// large enough that a piece costs far more than taking it.
constexpr size_t kScanPiece = size_t(1) << 20;

// Calls f(i) once for every i in [0, n), on up to `threads` threads (the caller's included). The
// first exception thrown by any call is rethrown here, after every thread has stopped.
template <typename F>
void ParallelFor(size_t n, unsigned threads, F&& f) {
  const size_t used = std::min<size_t>(std::max(1u, threads), n);
  if (used <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run = [&] {
    for (size_t i; !failed.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < n;) {
      try {
        f(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(used - 1);
  try {
    for (size_t t = 1; t < used; ++t) pool.emplace_back(run);
  } catch (...) {
    // no thread to be had: the ones started and this one do the work
  }
  run();
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// Insertion sort for the few values of a piece (about n / 2^20); std::sort for larger ones.
void SortSmall(uint64_t* a, uint64_t* z) {
  if (z - a > 32) {
    std::sort(a, z);
    return;
  }
  for (uint64_t* i = a + 1; i < z; ++i) {
    const uint64_t x = *i;
    uint64_t* j = i;
    for (; j > a && *(j - 1) > x; --j) *j = *(j - 1);
    *j = x;
  }
}

// Runs of equal values of the sorted a[0, m): the singletons are compacted in place at the
// front (their number is returned), one value of each longer run goes to `duplicates` if given.
size_t CompactRuns(uint64_t* a, size_t m, std::vector<uint64_t>* duplicates) {
  size_t w = 0;
  for (size_t i = 0; i < m;) {
    size_t j = i + 1;
    while (j < m && a[j] == a[i]) ++j;
    if (j == i + 1)
      a[w++] = a[i];
    else if (duplicates)
      duplicates->push_back(a[i]);
    i = j;
  }
  return w;
}

void SplitRuns(KmerCounts& out, bool keep_duplicates) {
  std::vector<uint64_t>& v = out.singletons;
  v.resize(CompactRuns(v.data(), v.size(), keep_duplicates ? &out.duplicates : nullptr));
}

void CheckK(int k) {
  if (k < 17 || k > 32)
    throw AgcError("k-mer length " + std::to_string(k) + " is outside 17..32", ErrorKind::kInput);
}

// Rolls the forward and reverse-complement k-mers right-aligned in 2k bits; Canonical() shifts
// the smaller one to the left-aligned form.
class Roller {
 public:
  explicit Roller(int k)
      : k_(k),
        shift_(64 - 2 * k),
        mask_(k == 32 ? ~uint64_t(0) : (uint64_t(1) << (2 * k)) - 1),
        top_(2 * k - 2) {}

  void Reset() { len_ = 0; }
  // Appends code x (0..3) on the right; true once the window holds k symbols.
  bool Push(uint64_t x) {
    dir_ = ((dir_ << 2) | x) & mask_;
    rc_ = (rc_ >> 2) | ((3 - x) << top_);
    if (len_ < k_) ++len_;
    return len_ == k_;
  }
  // Prepends code x on the left (walking a contig backwards); true once the window is full.
  bool PushFront(uint64_t x) {
    dir_ = (dir_ >> 2) | (x << top_);
    rc_ = ((rc_ << 2) | (3 - x)) & mask_;
    if (len_ < k_) ++len_;
    return len_ == k_;
  }
  uint64_t Canonical() const { return (dir_ < rc_ ? dir_ : rc_) << shift_; }
  bool Direct() const { return dir_ <= rc_; }
  bool Asymmetric() const { return dir_ != rc_; }

 private:
  int k_;
  int shift_;
  uint64_t mask_;
  int top_;
  int len_ = 0;
  uint64_t dir_ = 0;
  uint64_t rc_ = 0;
};

// Calls f(canonical value) for every full window of every contig.
template <typename F>
void ForEachWindow(const std::vector<CodeSpan>& contigs, int k, F&& f) {
  Roller r(k);
  for (const CodeSpan& c : contigs) {
    r.Reset();
    for (size_t i = 0; i < c.size; ++i) {
      const uint8_t x = c.data[i];
      if (x > 3)
        r.Reset();
      else if (r.Push(x))
        f(r.Canonical());
    }
  }
}

// The windows of one contig that end at symbols [a, b).
struct Stretch {
  const CodeSpan* contig;
  size_t a, b;
};

// Calls f(canonical value) for every full window of a stretch: rolling starts k - 1 symbols
// early, so a window across the stretch's start is seen whole (and belongs to this stretch only).
template <typename F>
void ForEachWindowIn(const Stretch& s, int k, F&& f) {
  Roller r(k);
  const size_t from = s.a >= size_t(k - 1) ? s.a - size_t(k - 1) : 0;
  const uint8_t* d = s.contig->data;
  for (size_t i = from; i < s.b; ++i) {
    const uint8_t x = d[i];
    if (x > 3)
      r.Reset();
    else if (r.Push(x) && i >= s.a)
      f(r.Canonical());
  }
}

// The contigs cut into `parts` runs of stretches of about equal symbols, one run per thread.
std::vector<std::vector<Stretch>> CutIntoParts(const std::vector<CodeSpan>& contigs,
                                               uint64_t symbols, size_t parts) {
  std::vector<std::vector<Stretch>> out(parts);
  const uint64_t per = (symbols + parts - 1) / parts;
  size_t p = 0;
  uint64_t filled = 0;
  for (const CodeSpan& c : contigs) {
    for (size_t pos = 0; pos < c.size;) {
      if (filled == per && p + 1 < parts) {
        ++p;
        filled = 0;
      }
      const size_t take =
          static_cast<size_t>(std::min<uint64_t>(c.size - pos, per - std::min(per, filled)));
      const size_t end = p + 1 < parts && take > 0 ? pos + take : c.size;
      out[p].push_back({&c, pos, end});
      filled += end - pos;
      pos = end;
    }
  }
  return out;
}

// Membership in a sorted, unique value list, narrowed by a first-level index on the top bits.
class SortedLookup {
 public:
  explicit SortedLookup(const std::vector<uint64_t>& sorted) : v_(sorted), start_(kBuckets + 1) {
    size_t j = 0;
    for (size_t b = 0; b <= kBuckets; ++b) {
      while (j < v_.size() && (v_[j] >> (64 - kBucketBits)) < b) ++j;
      start_[b] = j;
    }
  }
  bool Has(uint64_t x) const {
    const size_t b = static_cast<size_t>(x >> (64 - kBucketBits));
    return std::binary_search(v_.begin() + static_cast<std::ptrdiff_t>(start_[b]),
                              v_.begin() + static_cast<std::ptrdiff_t>(start_[b + 1]), x);
  }

 private:
  const std::vector<uint64_t>& v_;
  std::vector<size_t> start_;
};

void WalkContig(const CodeSpan& c, int k, uint64_t S, const SortedLookup& cand,
                std::vector<uint64_t>& out) {
  Roller r(k);
  uint64_t dist = S;
  // Windows since the last splitter lie in [from, size): the window restarts after a splitter.
  size_t from = 0;
  for (size_t i = 0; i < c.size; ++i) {
    const uint8_t x = c.data[i];
    if (x > 3) {
      r.Reset();
    } else if (r.Push(x) && dist >= S) {
      const uint64_t v = r.Canonical();
      if (cand.Has(v)) {
        out.push_back(v);
        dist = 0;
        r.Reset();
        from = i + 1;
      }
    }
    ++dist;
  }
  // Right end: the newest candidate window since the last splitter, found walking backwards
  // (no list of the recent windows, which could be as long as the contig).
  Roller back(k);
  for (size_t i = c.size; i > from; --i) {
    const uint8_t x = c.data[i - 1];
    if (x > 3) {
      back.Reset();
    } else if (back.PushFront(x)) {
      const uint64_t v = back.Canonical();
      if (cand.Has(v)) {
        out.push_back(v);
        return;
      }
    }
  }
}

}  // namespace

namespace {

// Up to this many windows, CountKmers sorts them with a bucket sort through a second array:
// small inputs (one contig mined for new splitters) would leave the buckets of the in-place sort
// nearly empty, and its fixed cost per bucket would dominate.
constexpr uint64_t kSmallInput = uint64_t(1) << 20;

// One pass on the top bits into buckets of about two values each, then each (tiny) bucket
// sorted on its own.
void BucketSort(std::vector<uint64_t>& v) {
  const size_t n = v.size();
  int bits = 8;
  while (bits < 22 && (size_t(2) << bits) <= n) ++bits;
  const int shift = 64 - bits;
  std::vector<uint32_t> start((size_t(1) << bits) + 1, 0);
  for (uint64_t x : v) ++start[(x >> shift) + 1];
  for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  std::vector<uint64_t> tmp(n);
  {
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (uint64_t x : v) tmp[next[x >> shift]++] = x;
  }
  for (size_t b = 0; b + 1 < start.size(); ++b)
    if (start[b + 1] - start[b] > 1) SortSmall(tmp.data() + start[b], tmp.data() + start[b + 1]);
  v.swap(tmp);
}

// Sorts one top-byte bucket first[0, m) (all values share the top byte): split by the next 12
// bits through `tmp`, the (tiny) pieces sorted and copied back. A bucket above `cap` values
// (low-complexity input) is sorted in place instead, so the buffer stays small whatever the input.
void SortBucket(uint64_t* first, size_t m, size_t cap, std::vector<uint64_t>& tmp,
                std::vector<size_t>& off) {
  if (m < 2) return;
  if (m > cap) {
    std::sort(first, first + m);
    return;
  }
  off.assign(kSubBuckets + 1, 0);
  for (size_t i = 0; i < m; ++i) ++off[((first[i] >> 44) & (kSubBuckets - 1)) + 1];
  for (size_t j = 1; j <= kSubBuckets; ++j) off[j] += off[j - 1];
  tmp.resize(m);
  for (size_t i = 0; i < m; ++i) tmp[off[(first[i] >> 44) & (kSubBuckets - 1)]++] = first[i];
  // off[j] is now the end of piece j (the start of piece j + 1).
  size_t a = 0;
  for (size_t j = 0; j < kSubBuckets; ++j) {
    const size_t z = off[j];
    if (z - a > 1) SortSmall(tmp.data() + a, tmp.data() + z);
    a = z;
  }
  std::copy(tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(m), first);
}

// Counting of few windows (at most `bound`): one array, bucket-sorted.
KmerCounts CountSmall(const std::vector<CodeSpan>& contigs, int k, bool keep_duplicates,
                      uint64_t bound) {
  KmerCounts out;
  std::vector<uint64_t>& v = out.singletons;
  v.reserve(static_cast<size_t>(bound));
  ForEachWindow(contigs, k, [&](uint64_t x) { v.push_back(x); });
  out.windows = v.size();
  if (!v.empty()) BucketSort(v);
  SplitRuns(out, keep_duplicates);
  return out;
}

}  // namespace

KmerCounts CountKmers(const std::vector<CodeSpan>& contigs, int k, bool keep_duplicates,
                      unsigned threads) {
  CheckK(k);
  // Small inputs (a contig mined for new splitters) skip the pass that counts the windows: the
  // symbols bound them.
  uint64_t symbols = 0;
  for (const CodeSpan& c : contigs) symbols += c.size;
  if (symbols <= kSmallInput) return CountSmall(contigs, k, keep_duplicates, symbols);

  // Each thread takes a share of the symbols: it counts its windows per top byte, then writes
  // them into its own slice of each bucket. The sort makes the result independent of the cut.
  const size_t parts = static_cast<size_t>(
      std::max<uint64_t>(1, std::min<uint64_t>(std::max(1u, threads), symbols / kScanPiece)));
  const std::vector<std::vector<Stretch>> cut = CutIntoParts(contigs, symbols, parts);
  std::vector<std::vector<uint64_t>> next(parts, std::vector<uint64_t>(kTopBuckets, 0));
  ParallelFor(parts, static_cast<unsigned>(parts), [&](size_t t) {
    uint64_t* cnt = next[t].data();
    for (const Stretch& st : cut[t]) ForEachWindowIn(st, k, [&](uint64_t v) { ++cnt[v >> 56]; });
  });
  std::vector<uint64_t> start(kTopBuckets + 1, 0);
  for (size_t B = 0; B < kTopBuckets; ++B) {
    uint64_t at = start[B];
    for (size_t t = 0; t < parts; ++t) {
      const uint64_t c = next[t][B];
      next[t][B] = at;
      at += c;
    }
    start[B + 1] = at;
  }
  const uint64_t n = start[kTopBuckets];
  if (n <= kSmallInput) return CountSmall(contigs, k, keep_duplicates, n);

  KmerCounts out;
  out.windows = n;
  std::vector<uint64_t>& v = out.singletons;
  v.resize(static_cast<size_t>(n));
  ParallelFor(parts, static_cast<unsigned>(parts), [&](size_t t) {
    uint64_t* at = next[t].data();
    uint64_t* dst = v.data();
    for (const Stretch& st : cut[t])
      ForEachWindowIn(st, k, [&](uint64_t x) { dst[at[x >> 56]++] = x; });
  });
  // Buckets are taken one at a time by the threads; each is sorted and its singletons compacted
  // to its front, then the buckets' singletons are moved together in order.
  const size_t cap = std::max<size_t>(size_t(1) << 16, static_cast<size_t>(n / 32));
  std::vector<size_t> kept(kTopBuckets, 0);
  std::vector<std::vector<uint64_t>> dups(keep_duplicates ? kTopBuckets : 0);
  std::atomic<size_t> bucket{0};
  ParallelFor(parts, static_cast<unsigned>(parts), [&](size_t) {
    std::vector<uint64_t> tmp;
    std::vector<size_t> off;
    for (size_t B; (B = bucket.fetch_add(1)) < kTopBuckets;) {
      uint64_t* first = v.data() + start[B];
      const size_t m = static_cast<size_t>(start[B + 1] - start[B]);
      SortBucket(first, m, cap, tmp, off);
      kept[B] = CompactRuns(first, m, keep_duplicates ? &dups[B] : nullptr);
    }
  });
  size_t w = 0;
  for (size_t B = 0; B < kTopBuckets; ++B) {
    if (w != start[B])
      std::copy(v.begin() + static_cast<std::ptrdiff_t>(start[B]),
                v.begin() + static_cast<std::ptrdiff_t>(start[B] + kept[B]),
                v.begin() + static_cast<std::ptrdiff_t>(w));
    w += kept[B];
  }
  v.resize(w);
  for (const std::vector<uint64_t>& d : dups)
    out.duplicates.insert(out.duplicates.end(), d.begin(), d.end());
  return out;
}

void SubtractSorted(std::vector<uint64_t>& sorted, const SplitKmers& exclude) {
  size_t w = 0, j = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const uint64_t x = sorted[i];
    uint64_t e = 0;
    while (j < exclude.size && (e = (uint64_t(exclude.hi[j]) << 32) | exclude.lo[j]) < x) ++j;
    if (!(j < exclude.size && e == x)) sorted[w++] = x;
  }
  sorted.resize(w);
}

std::vector<uint64_t> WalkSplitters(const std::vector<CodeSpan>& contigs, int k, uint64_t S,
                                    const std::vector<uint64_t>& sorted, unsigned threads) {
  CheckK(k);
  if (S == 0) throw AgcError("segment size must be positive", ErrorKind::kInput);
  SortedLookup cand(sorted);
  std::vector<uint64_t> out;
  if (threads <= 1 || contigs.size() < 2) {
    for (const CodeSpan& c : contigs) WalkContig(c, k, S, cand, out);
    return out;
  }
  // Contigs are walked independently; their splitters are joined in contig order.
  std::vector<std::vector<uint64_t>> each(contigs.size());
  ParallelFor(contigs.size(), threads,
              [&](size_t i) { WalkContig(contigs[i], k, S, cand, each[i]); });
  for (const std::vector<uint64_t>& e : each) out.insert(out.end(), e.begin(), e.end());
  return out;
}

std::vector<uint64_t> ReferenceSplitters(const std::vector<CodeSpan>& contigs, int k, uint64_t S,
                                         unsigned threads) {
  std::vector<uint64_t> singletons = CountKmers(contigs, k, false, threads).singletons;
  return WalkSplitters(contigs, k, S, singletons, threads);
}

namespace {
// The 64-bit finalizer of MurmurHash3 (fmix64), as the fallback filter hashes k-mers.
uint64_t MurMur64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
constexpr uint64_t kFallbackXor = 0xD73F8BF11046C40EULL;
}  // namespace

bool FallbackPasses(uint64_t x, uint64_t threshold) {
  return (MurMur64(x) ^ kFallbackXor) < threshold;
}

std::vector<FallbackHit> FallbackKmers(const CodeSpan& seq, int k, uint64_t threshold) {
  CheckK(k);
  std::vector<FallbackHit> out;
  if (threshold == 0) return out;
  Roller r(k);
  for (size_t i = 0; i < seq.size; ++i) {
    const uint8_t x = seq.data[i];
    if (x > 3) {
      r.Reset();
    } else if (r.Push(x)) {
      const uint64_t v = r.Canonical();
      if (FallbackPasses(v, threshold)) out.push_back({v, r.Direct()});
    }
  }
  return out;
}

std::vector<uint32_t> FallbackFilterIndices(const SplitKmers& values, uint64_t threshold) {
  std::vector<uint32_t> out;
  if (threshold == 0) return out;
  for (size_t i = 0; i < values.size; ++i)
    if (FallbackPasses((uint64_t(values.hi[i]) << 32) | values.lo[i], threshold))
      out.push_back(uint32_t(i));
  return out;
}

namespace {

// A sorted, unique list of values with a first-level index on its top bits, about one value per
// bucket up to 4M values (an index of 16 MiB at most): a membership test reads one index entry and
// one or two values. Tests in ascending order walk both arrays forwards, which the caches follow.
class DenseLookup {
 public:
  explicit DenseLookup(const std::vector<uint64_t>& sorted) : v_(sorted) {
    int bits = 8;
    while (bits < 22 && (size_t(1) << bits) < v_.size()) ++bits;
    shift_ = 64 - bits;
    start_.assign((size_t(1) << bits) + 1, 0);
    for (uint64_t x : v_) ++start_[(x >> shift_) + 1];
    for (size_t b = 1; b < start_.size(); ++b) start_[b] += start_[b - 1];
  }
  bool Has(uint64_t x) const {
    const size_t b = static_cast<size_t>(x >> shift_);
    for (uint32_t i = start_[b], e = start_[b + 1]; i < e; ++i)
      if (v_[i] >= x) return v_[i] == x;
    return false;
  }

 private:
  const std::vector<uint64_t>& v_;
  int shift_;
  std::vector<uint32_t> start_;
};

// Removes from `sorted` every value `drop` holds, keeping the order.
void SubtractSortedValues(std::vector<uint64_t>& sorted, const DenseLookup& drop) {
  size_t w = 0;
  for (uint64_t x : sorted)
    if (!drop.Has(x)) sorted[w++] = x;
  sorted.resize(w);
}

// A bit filter of at least 8 bits per value and 128 KiB, two bits of one word per value (one
// memory access per test, in an array that stays in cache for a few million values): no false
// negatives, at most about one false positive in 20 (far fewer for small sets, whose false
// positives would otherwise outnumber their hits on a long reference).
class BitFilter {
 public:
  explicit BitFilter(size_t values) {
    int bits = 20;
    while (bits < 34 && (uint64_t(1) << bits) < 8 * uint64_t(values)) ++bits;
    word_shift_ = 64 - (bits - 6);
    words_.assign(size_t(1) << (bits - 6), 0);
  }
  void Add(uint64_t x) {
    const uint64_t h = Mix(x);
    words_[h >> word_shift_] |= Bits(h);
  }
  bool MayHave(uint64_t x) const {
    const uint64_t h = Mix(x);
    const uint64_t b = Bits(h);
    return (words_[h >> word_shift_] & b) == b;
  }

 private:
  static uint64_t Mix(uint64_t x) {
    x *= 0x9e3779b97f4a7c15ULL;
    x ^= x >> 29;
    return x * 0xbf58476d1ce4e5b9ULL;
  }
  // The value's two bits in its word, from hash bits the word's index does not use.
  static uint64_t Bits(uint64_t h) {
    return (uint64_t(1) << (h & 63)) | (uint64_t(1) << ((h >> 6) & 63));
  }

  int word_shift_;
  std::vector<uint64_t> words_;
};

// Sorts and deduplicates v (ascending).
void SortUnique(std::vector<uint64_t>& v) {
  if (v.empty()) return;
  BucketSort(v);
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::vector<std::vector<uint64_t>> NewSingletons(const std::vector<CodeSpan>& contigs, int k,
                                                 const std::vector<CodeSpan>& reference,
                                                 unsigned threads) {
  CheckK(k);
  std::vector<std::vector<uint64_t>> out(contigs.size());
  ParallelFor(contigs.size(), threads,
              [&](size_t i) { out[i] = CountKmers({contigs[i]}, k, false).singletons; });
  size_t total = 0;
  for (const auto& l : out) total += l.size();
  if (total == 0) return out;

  // Reference windows that may hold one of the values: every one that does, plus a few that
  // don't. Only reference values are collected, so removing them all removes exactly the
  // reference's k-mers. The reference is cut into pieces of whole windows (a piece reaches k - 1
  // symbols into the next, and its roller starts afresh, so each window is seen in exactly one
  // piece); every thread collects its own list, deduplicated whenever it doubles so that it stays
  // about as small as the distinct values it holds. The union of the lists, sorted and
  // deduplicated, is the same for any number of threads.
  BitFilter filter(total);
  for (const auto& l : out)
    for (uint64_t x : l) filter.Add(x);
  std::vector<CodeSpan> pieces;
  for (const CodeSpan& c : reference)
    for (size_t at = 0; at < c.size; at += kScanPiece)
      pieces.push_back({c.data + at, std::min(c.size - at, kScanPiece + size_t(k) - 1)});
  const unsigned used = unsigned(std::max<size_t>(1, std::min<size_t>(threads, pieces.size())));
  std::vector<std::vector<uint64_t>> hits(used);
  std::atomic<size_t> next{0};
  ParallelFor(used, used, [&](size_t t) {
    std::vector<uint64_t>& h = hits[t];
    size_t compact_at = std::max<size_t>(size_t(1) << 16, total / 4);
    for (size_t i; (i = next.fetch_add(1)) < pieces.size();)
      ForEachWindow({pieces[i]}, k, [&](uint64_t v) {
        if (!filter.MayHave(v)) return;
        h.push_back(v);
        if (h.size() >= compact_at) {
          SortUnique(h);
          compact_at = std::max(compact_at, 2 * h.size());
        }
      });
  });
  for (size_t t = 1; t < hits.size(); ++t) {
    hits[0].insert(hits[0].end(), hits[t].begin(), hits[t].end());
    hits[t] = std::vector<uint64_t>();
  }
  SortUnique(hits[0]);
  if (!hits[0].empty()) {
    const DenseLookup drop(hits[0]);
    ParallelFor(out.size(), threads, [&](size_t i) { SubtractSortedValues(out[i], drop); });
  }
  return out;
}

namespace {

// WalkContig with fallback records: every passing asymmetric window since the previous splitter
// is recorded when the next one is chosen (`pending` is scratch, left empty).
void WalkContigWithFallback(const CodeSpan& c, int k, uint64_t S, const SortedLookup& cand,
                            uint64_t threshold, std::vector<FallbackHit>& pending,
                            MinedSplitters& out) {
  Roller r(k);
  uint64_t dist = S;
  size_t from = 0;
  uint64_t prev = ~uint64_t(0);
  auto emit = [&](uint64_t v) {
    out.splitters.push_back(v);
    for (const FallbackHit& h : pending) out.fallback.push_back({prev, v, h.value, h.direct});
    pending.clear();
    prev = v;
  };
  for (size_t i = 0; i < c.size; ++i) {
    const uint8_t x = c.data[i];
    if (x > 3) {
      r.Reset();
    } else if (r.Push(x)) {
      const uint64_t v = r.Canonical();
      if (threshold != 0 && r.Asymmetric() && FallbackPasses(v, threshold))
        pending.push_back({v, r.Direct()});
      if (dist >= S && cand.Has(v)) {
        emit(v);
        dist = 0;
        r.Reset();
        from = i + 1;
      }
    }
    ++dist;
  }
  // Right end as in WalkContig; the records of the windows after it go with it too.
  Roller back(k);
  for (size_t i = c.size; i > from; --i) {
    const uint8_t x = c.data[i - 1];
    if (x > 3) {
      back.Reset();
    } else if (back.PushFront(x)) {
      const uint64_t v = back.Canonical();
      if (cand.Has(v)) {
        emit(v);
        break;
      }
    }
  }
  pending.clear();
}

}  // namespace

MinedSplitters MineSplitters(const std::vector<CodeSpan>& contigs, int k,
                             const std::vector<CodeSpan>& reference, uint64_t S, uint64_t threshold,
                             unsigned threads) {
  CheckK(k);
  if (S == 0) throw AgcError("segment size must be positive", ErrorKind::kInput);
  std::vector<std::vector<uint64_t>> own = NewSingletons(contigs, k, reference, threads);
  // Each contig's walk on its own (any thread), joined in contig order.
  std::vector<MinedSplitters> per(contigs.size());
  ParallelFor(contigs.size(), threads, [&](size_t i) {
    std::vector<FallbackHit> pending;
    {
      SortedLookup cand(own[i]);
      WalkContigWithFallback(contigs[i], k, S, cand, threshold, pending, per[i]);
    }
    own[i] = std::vector<uint64_t>();
  });
  MinedSplitters out;
  size_t ns = 0, nf = 0;
  for (const MinedSplitters& m : per) {
    ns += m.splitters.size();
    nf += m.fallback.size();
  }
  out.splitters.reserve(ns);
  out.fallback.reserve(nf);
  for (MinedSplitters& m : per) {
    out.splitters.insert(out.splitters.end(), m.splitters.begin(), m.splitters.end());
    out.fallback.insert(out.fallback.end(), m.fallback.begin(), m.fallback.end());
    m = MinedSplitters();
  }
  return out;
}

}  // namespace agc

// LZ-diff V2 encoder side; see lz_diff.h and docs/format.md 5.6, 7.5 for the token grammar and
// the quirks of Estimate that decide group choices (and so the archive bytes).
#include "agc/lz_diff.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "agc/archive.h"

namespace agc {

namespace {

constexpr uint32_t kHashingStep = 4;
constexpr uint32_t kMaxTries = 64;
constexpr double kMaxLoadFactor = 0.7;

// Token bytes (docs/format.md 5.6).
constexpr uint8_t kLitFirst = 0x41;     // literal: 'A' + code
constexpr uint8_t kLitLastScan = 0x5a;  // 'Z': end of the literal range scanned for '!'
constexpr uint8_t kBang = 0x21;         // literal equal to the reference at its predicted position
constexpr uint8_t kMinus = 0x2d;
constexpr uint8_t kComma = 0x2c;
constexpr uint8_t kDot = 0x2e;
constexpr uint8_t kDigit0 = 0x30;
constexpr uint8_t kNRun = 0x1e;
constexpr uint8_t kNRunEnd = 0x04;
constexpr uint32_t kMinNRun = 4;
constexpr uint8_t kNCode = 4;

uint64_t Murmur64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Decimal digits of v capped at 8 (Estimate's length of a number).
uint32_t Ulen8(uint64_t v) {
  uint32_t d = 1;
  while (d < 8 && v >= 10) {
    v /= 10;
    d++;
  }
  return d;
}

// Decimal digits of v capped at 10 (the cost vector's length of a number).
uint32_t Dlen10(uint64_t v) {
  uint32_t d = 1;
  while (d < 10 && v >= 10) {
    v /= 10;
    d++;
  }
  return d;
}

// Length of the N run at text[i..] (0 unless the first three symbols are N); i + 2 < n.
size_t NRunLength(const uint8_t* text, size_t i, size_t n) {
  if (text[i] != kNCode || text[i + 1] != kNCode || text[i + 2] != kNCode) return 0;
  size_t len = 3;
  while (i + len < n && text[i + len] == kNCode) len++;
  return len;
}

// Bits of a slot that hold the low bits of the hashed word: what the position leaves free in 31
// bits, at most 16. A probe whose tag differs cannot match a whole word, so it is skipped without
// touching the reference.
uint32_t TagBits(size_t ref_len) {
  uint32_t pos_bits = 1;
  const uint64_t words = ref_len / kHashingStep;
  while (pos_bits < 31 && (uint64_t(1) << pos_bits) <= words) pos_bits++;
  const uint32_t free_bits = 31 - pos_bits;
  return free_bits < 16 ? free_bits : 16;
}

// The matching machinery shared by the three scans.
class Matcher {
 public:
  Matcher(const LzRef& ref)
      : ref_(ref.padded),
        padded_len_(ref.padded_len),
        ref_len_(ref.padded_len - LzKeyLength(ref.min_match_len)),
        index_(ref.index),
        mask_(ref.index_size - 1),
        kl_(LzKeyLength(ref.min_match_len)),
        min_match_(ref.min_match_len),
        code_mask_(kl_ >= 32 ? ~uint64_t(0) : (uint64_t(1) << (2 * kl_)) - 1),
        tag_bits_(TagBits(ref_len_)),
        tag_mask_((uint32_t(1) << tag_bits_) - 1) {
    LzCheckParams(ref.padded_len, ref.min_match_len);
    if (ref.index_size < 8 || (ref.index_size & (ref.index_size - 1)) != 0)
      throw AgcError("LZ-diff index size must be a power of two of at least 8", ErrorKind::kInput);
  }

  size_t ref_len() const { return ref_len_; }
  uint32_t key_len() const { return kl_; }
  uint32_t min_match() const { return min_match_; }
  const uint8_t* ref() const { return ref_; }

  bool EqualsReference(const uint8_t* text, size_t n) const {
    return n == ref_len_ && (n == 0 || std::memcmp(text, ref_, n) == 0);
  }

  // Word at text[i..i+kl) into code_; false if a symbol is not ACGT.
  bool CodeAt(const uint8_t* s, size_t i) {
    uint64_t c = 0;
    for (size_t j = i, end = i + kl_; j < end; j++) {
      const uint8_t x = s[j];
      if (x > 3) return false;
      c = (c << 2) | x;
    }
    code_ = c;
    return true;
  }

  // Word at i: rolled from the previous one after a literal, else computed afresh (this choice
  // decides which windows count as invalid, as upstream's does).
  bool NextCode(const uint8_t* text, size_t i, bool prev_valid, size_t lits) {
    if (prev_valid && lits > 0) {
      const uint8_t y = text[i + kl_ - 1];
      if (y > 3) return false;
      code_ = ((code_ << 2) | y) & code_mask_;
      return true;
    }
    return CodeAt(text, i);
  }

  // Longest back+forward match longer than L among the word's slots (the first probe wins ties).
  bool FindBestMatch(const uint8_t* text, size_t i, size_t n, size_t lits) {
    size_t best = min_match_;
    bool found = false;
    const uint32_t tag = uint32_t(code_) & tag_mask_;
    size_t h = size_t(Murmur64(code_) & mask_);
    const size_t max_len = n - i;
    for (uint32_t t = 0; t < kMaxTries; t++) {
      const int32_t v = index_[h];
      if (v == kLzEmptySlot) break;
      h = (h + 1) & mask_;
      if ((uint32_t(v) & tag_mask_) != tag) continue;
      const size_t rp = size_t(uint32_t(v) >> tag_bits_) * kHashingStep;
      if (v < 0 || rp >= ref_len_)
        throw AgcError("LZ-diff index does not belong to this reference", ErrorKind::kInput);
      const size_t fmax = max_len < padded_len_ - rp ? max_len : padded_len_ - rp;
      size_t f = 0;
      while (f < fmax && text[i + f] == ref_[rp + f]) f++;
      if (f < kl_) continue;
      const size_t bmax = lits < rp ? lits : rp;
      size_t b = 0;
      while (b < bmax && text[i - b - 1] == ref_[rp - b - 1]) b++;
      if (b + f > best) {
        best = b + f;
        pos_ = rp;
        back_ = b;
        fwd_ = f;
        found = true;
      }
    }
    return found;
  }

  size_t pos_ = 0, back_ = 0, fwd_ = 0;

 private:
  const uint8_t* ref_;
  size_t padded_len_;
  size_t ref_len_;
  const int32_t* index_;
  size_t mask_;
  uint32_t kl_;
  uint32_t min_match_;
  uint64_t code_mask_;
  uint32_t tag_bits_;
  uint32_t tag_mask_;
  uint64_t code_ = 0;
};

void PutUint(std::vector<uint8_t>& out, uint64_t v) {
  char digits[24];
  int k = 0;
  do {
    digits[k++] = char(kDigit0 + v % 10);
    v /= 10;
  } while (v > 0);
  while (k > 0) out.push_back(uint8_t(digits[--k]));
}

void PutInt(std::vector<uint8_t>& out, int64_t v) {
  if (v < 0) {
    out.push_back(kMinus);
    PutUint(out, uint64_t(-v));
  } else {
    PutUint(out, uint64_t(v));
  }
}

}  // namespace

void LzCheckParams(size_t padded_len, uint32_t min_match_len) {
  if (min_match_len < 15 || min_match_len > 32)
    throw AgcError("min match length " + std::to_string(min_match_len) + " is outside 15..32",
                   ErrorKind::kInput);
  if (padded_len < LzKeyLength(min_match_len))
    throw AgcError("padded LZ-diff reference is shorter than its padding", ErrorKind::kInput);
  // Slots hold position / 4 in 31 bits.
  if (uint64_t(padded_len) >= (uint64_t(1) << 33))
    throw AgcError("LZ-diff reference is too long (8 GiB or more)", ErrorKind::kInput);
}

size_t LzIndexSize(const uint8_t* padded, size_t padded_len, uint32_t min_match_len) {
  LzCheckParams(padded_len, min_match_len);
  const uint32_t kl = LzKeyLength(min_match_len);
  const size_t ref_len = padded_len - kl;
  // Positions i = 0 mod 4 whose kl symbols (inside the unpadded reference) are all ACGT.
  size_t cnt = 0, run = 0;
  const size_t kl_mod = kl % kHashingStep;
  for (size_t j = 0; j < ref_len; j++) {
    run = padded[j] < 4 ? run + 1 : 0;
    if ((j + 1) % kHashingStep == kl_mod && run >= kl) cnt++;
  }
  size_t size = size_t(double(cnt) / kMaxLoadFactor);
  if (size > 0) {
    size_t p = 1;
    while (p * 2 <= size) p *= 2;
    size = p;
  }
  size *= 2;
  return size < 8 ? 8 : size;
}

void LzFillIndex(const uint8_t* padded, size_t padded_len, uint32_t min_match_len, int32_t* index,
                 size_t size) {
  LzCheckParams(padded_len, min_match_len);
  if (size < 8 || (size & (size - 1)) != 0)
    throw AgcError("LZ-diff index size must be a power of two of at least 8", ErrorKind::kInput);
  std::fill(index, index + size, kLzEmptySlot);
  LzRef view{padded, padded_len, index, size, min_match_len};
  Matcher m(view);
  const size_t ref_len = m.ref_len();
  const uint32_t tag_bits = TagBits(ref_len);
  const uint32_t tag_mask = (uint32_t(1) << tag_bits) - 1;
  const size_t mask = size - 1;
  // The key of the kl symbols from i on, rolled symbol by symbol (one pass over the reference
  // rather than kl symbols per position): `run` counts the ACGT symbols before j since the last
  // other one, `code` holds the last kl of them.
  const size_t kl = m.key_len();
  const uint64_t key_mask = kl >= 32 ? ~uint64_t(0) : (uint64_t(1) << (2 * kl)) - 1;
  uint64_t code = 0;
  size_t run = 0, j = 0;
  for (size_t i = 0; i < ref_len; i += kHashingStep) {
    for (; j < i + kl; j++) {
      const uint8_t x = padded[j];
      if (x > 3) {
        run = 0;
        code = 0;
      } else {
        code = ((code << 2) | x) & key_mask;
        run++;
      }
    }
    if (run < kl) continue;
    const size_t pos = size_t(Murmur64(code) & mask);
    const int32_t slot_value =
        int32_t((uint32_t(i / kHashingStep) << tag_bits) | (uint32_t(code) & tag_mask));
    for (uint32_t t = 0; t < kMaxTries; t++) {
      const size_t slot = (pos + t) & mask;
      if (index[slot] == kLzEmptySlot) {
        index[slot] = slot_value;
        break;
      }
    }
  }
}

uint64_t LzEstimate(const LzRef& ref, const uint8_t* text, size_t n, double bound) {
  Matcher m(ref);
  if (m.EqualsReference(text, n)) return 0;
  const size_t kl = m.key_len();
  const size_t L = m.min_match();
  const size_t R = m.ref_len();
  uint64_t cost = 0;
  size_t i = 0, pred = 0, lits = 0;
  bool prev_valid = false;
  while (i + kl < n) {
    if (double(cost) > bound) return cost;
    const bool valid = m.NextCode(text, i, prev_valid, lits);
    prev_valid = valid;
    if (!valid) {
      const size_t r = NRunLength(text, i, n);
      if (r >= kMinNRun) {
        cost += 2 + Ulen8(r);
        i += r;
        lits = 0;
      } else {
        cost++;
        i++;
        pred++;
        lits++;
      }
      continue;
    }
    if (!m.FindBestMatch(text, i, n, lits)) {
      cost++;
      i++;
      pred++;
      lits++;
      continue;
    }
    // Estimate does not rewind by the backward extension (an upstream quirk kept for identical
    // group choices).
    const size_t h = m.pos_;
    const size_t tot = m.back_ + m.fwd_;
    const int64_t d = int64_t(h) - int64_t(pred);
    uint64_t c = (d >= 0 ? Ulen8(uint64_t(d)) : 1 + Ulen8(uint64_t(-d))) + 1;
    if (!(i + tot == n && h + tot == R)) c += 1 + Ulen8(tot - L);
    cost += c;
    pred = h + tot;
    i += tot;
    lits = 0;
  }
  return uint32_t(cost + (n - i));
}

void LzEncode(const LzRef& ref, const uint8_t* text, size_t n, std::vector<uint8_t>& out) {
  Matcher m(ref);
  if (m.EqualsReference(text, n)) return;
  const size_t kl = m.key_len();
  const size_t L = m.min_match();
  const size_t R = m.ref_len();
  const uint8_t* r = m.ref();
  const size_t base = out.size();
  out.reserve(base + (n >> 6) + 64);
  size_t i = 0, lits = 0;
  int64_t pred = 0;
  bool prev_valid = false;
  while (i + kl < n) {
    const bool valid = m.NextCode(text, i, prev_valid, lits);
    prev_valid = valid;
    if (!valid) {
      const size_t run = NRunLength(text, i, n);
      if (run >= kMinNRun) {
        out.push_back(kNRun);
        PutUint(out, run - kMinNRun);
        out.push_back(kNRunEnd);
        i += run;
        lits = 0;
      } else {
        out.push_back(uint8_t(kLitFirst + text[i]));
        i++;
        pred++;
        lits++;
      }
      continue;
    }
    if (!m.FindBestMatch(text, i, n, lits)) {
      out.push_back(uint8_t(kLitFirst + text[i]));
      i++;
      pred++;
      lits++;
      continue;
    }
    size_t mpos = m.pos_;
    const size_t lb = m.back_;
    const size_t tot = lb + m.fwd_;
    // The backward extension takes back the literals it covers (lb <= lits, all in `out`).
    out.resize(out.size() - lb);
    mpos -= lb;
    pred -= int64_t(lb);
    i -= lb;
    if (int64_t(mpos) == pred) {
      // Literals equal to the reference at their predicted position become '!'.
      const size_t e = out.size() - base;
      for (size_t t = 1; t < e && t < mpos; t++) {
        const uint8_t b = out[base + e - t];
        if (b < kLitFirst || b > kLitLastScan) break;
        if (b - kLitFirst == r[mpos - t]) out[base + e - t] = kBang;
      }
    }
    PutInt(out, int64_t(mpos) - pred);
    if (!(i + tot == n && mpos + tot == R)) {
      out.push_back(kComma);
      PutUint(out, tot - L);
    }
    out.push_back(kDot);
    pred = int64_t(mpos + tot);
    i += tot;
    lits = 0;
  }
  for (; i < n; i++) out.push_back(uint8_t(kLitFirst + text[i]));
}

void LzCosts(const LzRef& ref, const uint8_t* text, size_t n, bool prefix, uint32_t* v) {
  Matcher m(ref);
  const size_t kl = m.key_len();
  const size_t L = m.min_match();
  std::fill(v, v + n, 0u);
  size_t i = 0, lits = 0;
  int64_t pred = 0;
  bool prev_valid = false;
  while (i + kl < n) {
    const bool valid = m.NextCode(text, i, prev_valid, lits);
    prev_valid = valid;
    if (!valid) {
      const size_t r = NRunLength(text, i, n);
      if (r >= kMinNRun) {
        v[prefix ? i : i + r - 1] = 2 + Dlen10(r - kMinNRun);
        i += r;
        lits = 0;
      } else {
        v[i] = 1;
        i++;
        pred++;
        lits++;
      }
      continue;
    }
    if (!m.FindBestMatch(text, i, n, lits)) {
      v[i] = 1;
      i++;
      pred++;
      lits++;
      continue;
    }
    size_t mpos = m.pos_;
    const size_t lb = m.back_;
    const size_t tot = lb + m.fwd_;
    for (size_t j = i - lb; j < i; j++) v[j] = 0;
    mpos -= lb;
    pred -= int64_t(lb);
    i -= lb;
    const int64_t d = int64_t(mpos) - pred;
    const uint32_t tc =
        (d >= 0 ? Dlen10(uint64_t(d)) : Dlen10(uint64_t(-d)) + 1) + Dlen10(tot - L) + 2;
    v[prefix ? i : i + tot - 1] = tc;
    pred = int64_t(mpos + tot);
    i += tot;
    lits = 0;
  }
  for (; i < n; i++) v[i] = 1;
}

void LzFillIndexes(const std::vector<LzIndexJob>& jobs, uint32_t min_match_len, unsigned threads) {
  for (const LzIndexJob& j : jobs) {
    LzCheckParams(j.padded_len, min_match_len);
    if (j.size < 8 || (j.size & (j.size - 1)) != 0)
      throw AgcError("LZ-diff index size must be a power of two of at least 8", ErrorKind::kInput);
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      try {
        const LzIndexJob& j = jobs[i];
        LzFillIndex(j.padded, j.padded_len, min_match_len, j.index, j.size);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  const size_t used = std::min<size_t>(std::max(1u, threads), jobs.size());
  std::vector<std::thread> pool;
  try {
    for (size_t t = 1; t < used; ++t) pool.emplace_back(run);
  } catch (...) {
    // no thread to be had: the ones started and this one do the work
  }
  run();
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace agc

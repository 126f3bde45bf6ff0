// LZ-diff V2 encoder side (docs/format.md 5.6, 7.5): the sparse hash index over a group
// reference, Encode (the delta bytes), Estimate (the cost used to choose a group) and the
// per-symbol cost vector used to split a segment between two groups.
//
// Why C++: the compressor runs these scans over every segment against several candidate groups;
// the same loops in TypeScript cost about three times as much CPU. The functions are stateless
// over caller-owned memory (the padded reference and the index), so any thread can use one index
// and the JavaScript side owns (and the garbage collector accounts for) all buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace agc {

// Symbols that follow the reference in its padded copy (never equal to a sequence code).
constexpr uint8_t kLzPadSymbol = 31;
// Empty slot of the index.
constexpr int32_t kLzEmptySlot = -1;

// Key length (symbols per hashed word) for min match length L: L - 3.
inline uint32_t LzKeyLength(uint32_t min_match_len) { return min_match_len - 3; }

// A group reference ready for matching. `padded` is the reference followed by LzKeyLength(L)
// kLzPadSymbol bytes; `index` was filled by LzFillIndex for the same padded reference and L.
struct LzRef {
  const uint8_t* padded;
  size_t padded_len;
  const int32_t* index;
  size_t index_size;
  uint32_t min_match_len;
};

// Throws AgcError(kInput) unless 15 <= L <= 32 and padded_len >= LzKeyLength(L).
void LzCheckParams(size_t padded_len, uint32_t min_match_len);

// Number of slots of the index of a padded reference (a power of two, at least 8).
size_t LzIndexSize(const uint8_t* padded, size_t padded_len, uint32_t min_match_len);

// Fills index[0..size) (size from LzIndexSize).
void LzFillIndex(const uint8_t* padded, size_t padded_len, uint32_t min_match_len, int32_t* index,
                 size_t size);

// One index to fill: a padded reference and its index[0..size) (size from LzIndexSize).
struct LzIndexJob {
  const uint8_t* padded;
  size_t padded_len;
  int32_t* index;
  size_t size;
};

// LzFillIndex for every job, on up to `threads` threads (the caller's included); every job is
// checked before any is filled, so a bad one throws AgcError(kInput) with nothing written.
void LzFillIndexes(const std::vector<LzIndexJob>& jobs, uint32_t min_match_len, unsigned threads);

// Estimated encoded size of text (0 when it equals the reference). Stops early, returning the cost
// so far, once the cost exceeds `bound` at the top of the scan loop. The full result wraps to 32
// bits as upstream's does. Throws AgcError(kInput) when the index does not fit the reference.
uint64_t LzEstimate(const LzRef& ref, const uint8_t* text, size_t n, double bound);

// The delta of text against the reference, appended to `out` (nothing when text equals it).
void LzEncode(const LzRef& ref, const uint8_t* text, size_t n, std::vector<uint8_t>& out);

// One cost per symbol of text into out[0..n): literal 1; N-run and match costs on their first
// symbol when `prefix`, else on their last; symbols rewound by a match's backward extension 0.
void LzCosts(const LzRef& ref, const uint8_t* text, size_t n, bool prefix, uint32_t* out);

}  // namespace agc

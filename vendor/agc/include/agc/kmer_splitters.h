// Splitter k-mers of a reference (docs/format.md 7.2): the canonical k-mers of every full window
// counted in place (one 64-bit word per window, no second buffer), and the per-contig walk that
// picks splitters at least S symbols apart, alone or with fallback records for adaptive mining.
// Same results as lib/write/splitters.ts, which keeps the walk of create's fallback mode.
//
// A k-mer (17 <= k <= 32) is left-aligned in 64 bits: symbol i (0 = oldest) sits in bits
// 63-2i..62-2i, the low 64-2k bits are zero; its canonical value is min(forward, reverse
// complement). Symbols are codes 0..3 (A, C, G, T); any other code ends the current window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace agc {

// A contig as codes (pointer and length; the memory belongs to the caller).
struct CodeSpan {
  const uint8_t* data;
  size_t size;
};

// Canonical values of a reference, sorted ascending: those seen in exactly one window, and those
// seen in two or more (each listed once).
struct KmerCounts {
  std::vector<uint64_t> singletons;
  std::vector<uint64_t> duplicates;
  // Number of full windows over all contigs.
  uint64_t windows = 0;
};

// Counts the canonical k-mers of all full windows of `contigs`. `keep_duplicates` false leaves
// `duplicates` empty. Up to `threads` threads (the caller's included) share a large input; the
// result is the same for any number. Throws AgcError (kInput) when k is outside 17..32.
KmerCounts CountKmers(const std::vector<CodeSpan>& contigs, int k, bool keep_duplicates,
                      unsigned threads = 1);

// A sorted (ascending), unique list of values held as high and low 32-bit halves, the layout of
// the TypeScript side (memory belongs to the caller).
struct SplitKmers {
  const uint32_t* hi;
  const uint32_t* lo;
  size_t size;
};

// Removes from `sorted` (ascending) every value that `exclude` holds, keeping the order. An
// `exclude` that is not sorted gives an incomplete removal, never an out-of-bounds access.
void SubtractSorted(std::vector<uint64_t>& sorted, const SplitKmers& exclude);

// Adaptive mining's candidates (docs/format.md 2.5) for several contigs at once: per contig, in
// order, the values seen in exactly one of its own full windows and in no full window of
// `reference`, ascending. This is the contig's singletons minus the reference's singletons and
// duplicates, without the reference's values ever being counted or stored: one scan of the
// reference, however many contigs, keeps only the windows that pass a bit filter of the contigs'
// values. Up to `threads` threads (the caller's included) share the work; the result is the same
// for any number. Throws AgcError (kInput) when k is outside 17..32.
std::vector<std::vector<uint64_t>> NewSingletons(const std::vector<CodeSpan>& contigs, int k,
                                                 const std::vector<CodeSpan>& reference,
                                                 unsigned threads = 1);

// find_splitters_in_contig for every contig, in order, with candidates `sorted` (ascending,
// unique): per contig, the first candidate window once at least S symbols follow the previous
// splitter (the window after a splitter starts empty), and at the end the newest candidate among
// the windows since the last splitter. Returns the splitters in emission order (a value may
// repeat). Throws AgcError (kInput) when k is outside 17..32 or S is 0.
// Up to `threads` threads walk different contigs; the result is the same for any number.
std::vector<uint64_t> WalkSplitters(const std::vector<CodeSpan>& contigs, int k, uint64_t S,
                                    const std::vector<uint64_t>& sorted, unsigned threads = 1);

// CountKmers + WalkSplitters over the singletons, without keeping the counts: the splitters of a
// reference when neither adaptive mining nor the fallback filter needs the candidates afterwards.
std::vector<uint64_t> ReferenceSplitters(const std::vector<CodeSpan>& contigs, int k, uint64_t S,
                                         unsigned threads = 1);

// The fallback-minimizer filter (docs/format.md 2.6): x passes iff
// (MurMur64(x) XOR 0xD73F8BF11046C40E) < threshold; threshold 0 lets nothing pass.
bool FallbackPasses(uint64_t x, uint64_t threshold);

// A full window of a contig whose canonical k-mer passes the fallback filter.
struct FallbackHit {
  uint64_t value;  // canonical, left-aligned
  bool direct;     // forward <= reverse complement (palindromes count as direct)
};

// Every passing window of `seq`, in order (the per-position scan of the fallback lookup; about
// one window in 1/threshold-fraction passes, so the caller handles few). Throws AgcError (kInput)
// when k is outside 17..32.
std::vector<FallbackHit> FallbackKmers(const CodeSpan& seq, int k, uint64_t threshold);

// A fallback record of a walk (docs/format.md 2.6): the window `value` (canonical, passing the
// filter, not a palindrome) lies between splitters `prev` (~0 before a contig's first) and
// `splitter`; `direct` is its orientation (forward < reverse complement).
struct FallbackRecord {
  uint64_t prev;
  uint64_t splitter;
  uint64_t value;
  bool direct;
};

// What adaptive mining adds at a batch end: the splitters, in emission order, and the fallback
// records of the walks.
struct MinedSplitters {
  std::vector<uint64_t> splitters;
  std::vector<FallbackRecord> fallback;
};

// find_new_splitters (docs/format.md 2.5) for several contigs, in order: each contig's
// NewSingletons become the candidates of its walk (as WalkSplitters), and with a non-zero
// fallback `threshold` every filtered asymmetric window yields a record naming the splitters
// around it (windows after a contig's last splitter are dropped). Up to `threads` threads share
// the scan and the walks; the result is the same for any number. Throws AgcError (kInput) when k
// is outside 17..32 or S is 0.
MinedSplitters MineSplitters(const std::vector<CodeSpan>& contigs, int k,
                             const std::vector<CodeSpan>& reference, uint64_t S, uint64_t threshold,
                             unsigned threads = 1);

// Positions i of the values (hi[i], lo[i]) that pass the fallback filter, ascending.
std::vector<uint32_t> FallbackFilterIndices(const SplitKmers& values, uint64_t threshold);

}  // namespace agc

// Per-symbol scans of whole contigs that the compressor runs over every input base: FASTA body
// conversion and the splitter prefilter of segmentation (docs/format.md 7.1, 7.3).
//
// Why C++: these loops touch each base once or twice and TypeScript spent 10-15 ns per base on
// them (about 1 s of main-thread time on a 44 Mbp collection). The tables and filters are the
// caller's, so the rules stay defined in one place (lib/format/alphabet.ts,
// lib/write/segmentation.ts).
#pragma once

#include <cstddef>
#include <cstdint>

namespace agc {

// Progress of one FASTA record's body; updated by ConvertFastaBody across chunks.
struct FastaBodyState {
  size_t written = 0;      // codes in `out` so far
  size_t lines = 0;        // '\n' bytes seen (added to)
  int64_t bad_index = -1;  // chunk index of the first byte whose code is `invalid_code`
  uint8_t bad_byte = 0;
  int64_t letter_pos = -1;  // 1-based sequence position of the first non-IUPAC letter
  uint8_t letter_byte = 0;
};

// Converts chunk[0..n) of a FASTA body: bytes < 64 are dropped ('\n' counted), others map through
// `table` (256 entries). Codes 0..15 are stored. `invalid_code` is dropped and its first
// occurrence recorded (only if bad_index is -1). Other codes > 15 are letters outside IUPAC:
// replaced by `replacement` when it is >= 0, else stored, their first position recorded when
// `replacement` is -1. `out` must have room for state.written + n codes.
void ConvertFastaBody(const uint8_t* chunk, size_t n, const uint8_t* table, uint8_t invalid_code,
                      int replacement, uint8_t* out, FastaBodyState& state);

// End positions of the windows of k ACGT symbols (since the last non-ACGT) whose last 16 symbols
// pass the one-bit-per-slot filter `bits` (2^filter_bits bits; slot = (tail * 0x9e3779b1) >>
// (32 - filter_bits)). Writes at most `cap` positions to `out` and returns how many there are in
// total (callers retry with more room when the result exceeds cap).
size_t FindSplitterCandidates(const uint8_t* seq, size_t n, uint32_t k, const uint8_t* bits,
                              uint32_t filter_bits, uint32_t* out, size_t cap);

// Reverse complement of codes: 3 - c for ACGT, other codes unchanged; dst must not overlap src.
void ReverseComplementCodes(const uint8_t* src, size_t n, uint8_t* dst);

// The packing choice of a group reference (docs/format.md 7.6): for lags 4..31 the fraction of
// positions j < n - lag with ref[j] == ref[j + lag] among the ACGT positions j < n - lag (as IEEE
// doubles); returns the largest, stopping at the first that reaches 0.5.
double BestLagMatchFraction(const uint8_t* ref, size_t n);

}  // namespace agc

// Reader-side decoding kernels for random access (docs/format.md 5.3-5.5): ranges of a group
// reference kept in its stored (packed) form, and ranges of LZ-diff entries decoded against such a
// reference, written as letters into caller-owned memory.
//
// Why C++ and why packed: a random query touches a group once or twice, so whole references
// unpacked to letters (four times their packed size) were mostly unpacked for nothing and churned
// through memory; the TypeScript decoders spent about as long again per decoded symbol. Here the
// reference stays as zstd gave it and only the symbols a range needs are unpacked. The TypeScript
// decoders (lib/format) stay the definition for the web reader and the tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace agc {

// How the bytes of a packed reference are laid out.
enum class RefForm : int {
  kCodes = 0,   // one code per byte (stored raw, or zstd of the codes)
  kTuples = 1,  // tuple-packed codes ending in the marker byte (docs/format.md 5.3)
};

// A reference in packed form, with its layout parsed. Bytes are the caller's.
struct PackedRef {
  const uint8_t* bytes = nullptr;
  size_t size = 0;
  uint32_t per_byte = 1;  // symbols per full byte (1: codes)
  uint32_t base = 256;
  size_t full = 0;        // full bytes (tuples)
  uint32_t leftover = 0;  // symbols in the byte after the full bytes
  size_t length = 0;      // symbols
};

// Parses the layout; throws AgcError (corrupt) for a bad tuple marker or empty tuple data.
PackedRef MakePackedRef(const uint8_t* bytes, size_t size, RefForm form);

// Letter tables: `symbols` maps every code 0..255 to its letter, `complement` every letter to its
// complement letter (both 256 entries).
struct LetterTables {
  const uint8_t* symbols;
  const uint8_t* complement;
};

// Letters of ref symbols [from, from + count) into dst[0, count); the caller checks the range.
void RefRangeLetters(const PackedRef& ref, size_t from, size_t count, const uint8_t* symbols,
                     uint8_t* dst);

// Resume points of one LZ-diff entry, so that a later range need not parse the tokens before it
// again: words[0] = count, words[1] = step, then per checkpoint its token index, symbol position
// and predicted reference position, at the first token boundary at least `step` symbols past the
// previous one (the first at symbol 0 is implicit). The decoder extends them as it parses.
struct LzCheckpoints {
  uint32_t* words;
  size_t capacity;  // checkpoints that fit after the two header words
};

// Letters of symbols [from, to) of the LZ-diff entry enc[0, enc_len) decoded against `ref`, for a
// segment of n symbols, into dst[0, to - from). Tokens before `from` are parsed, not expanded
// (from the last checkpoint at or before `from`, when `checkpoints` is given); parsing stops at
// `to`. Throws AgcError (corrupt) for a malformed entry, a match outside the reference or an entry
// longer than n (as far as it is read), AgcError (input) for checkpoints outside the entry.
// Requires from <= to <= n.
void LzDiffDecodeRangeLetters(const PackedRef& ref, const uint8_t* enc, size_t enc_len,
                              uint32_t min_match_len, const uint8_t* symbols, size_t n, size_t from,
                              size_t to, uint8_t* dst, LzCheckpoints* checkpoints = nullptr);

// Checkpoints of an LZ-diff entry found from its tokens alone, without the reference (so that a
// thread that decompresses packs ahead of the queries can record them): appended to `triples`
// (token index, symbol position, predicted reference position) at the first token boundary at
// least `step` symbols past the previous one, as the decoder records them. Stops at the first
// match that runs to the reference end (its length needs the reference) and, quietly, at a
// malformed token (the decoder reports it when a range reaches it).
void LzDiffScanCheckpoints(const uint8_t* enc, size_t enc_len, uint32_t min_match_len,
                           uint32_t step, std::vector<uint32_t>& triples);

// The compact form of an LZ-diff entry, for entries kept decoded in memory: the same tokens with
// binary fields, so about half the bytes and no decimal parsing. One-symbol tokens and the N-run
// marker keep their bytes; an N-run's field follows as a base-128 varint (no end byte); a match
// is 0x80 + offset or 0xc0 + offset (forward or backward offset below 64, 0xff unused) then the
// length field, or 0x01 / 0x02 (forward / backward) with varint offset and length fields, or
// 0x03 / 0x04 with the offset only for a match that runs to the reference end. Fields hold what
// the text holds (length minus the min match length). Never longer than the text: `out` needs
// enc_len bytes apart from `enc` (bytes past the compact length may be overwritten). Returns the
// compact length, or SIZE_MAX for a malformed entry (the text decoder reports it). Appends
// checkpoints (positions in the compact bytes) as LzDiffScanCheckpoints.
size_t LzDiffCompact(const uint8_t* enc, size_t enc_len, uint32_t min_match_len, uint32_t step,
                     uint8_t* out, std::vector<uint32_t>& triples);

// As LzDiffDecodeRangeLetters, for an entry in compact form.
void LzCompactDecodeRangeLetters(const PackedRef& ref, const uint8_t* enc, size_t enc_len,
                                 uint32_t min_match_len, const uint8_t* symbols, size_t n,
                                 size_t from, size_t to, uint8_t* dst,
                                 LzCheckpoints* checkpoints = nullptr);

// Reverse complement of letters dst[0, n) in place.
void ReverseComplementLetters(uint8_t* dst, size_t n, const uint8_t* complement);

}  // namespace agc

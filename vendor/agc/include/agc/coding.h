// Primitive encodings of the collection payloads (docs/format.md 4.3, 4.4, 4.6): the collection
// varint CV, zigzag against a prediction ZP, and the component-wise coding of contig names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace agc {

// ---- CV: 1..5 byte prefix-coded u32 ----
void AppendCV(std::vector<uint8_t>& out, uint32_t x);
void AppendCStr(std::vector<uint8_t>& out, const std::string& s);

// Bounds-checked cursor over a decoded payload. Every failure throws AgcError whose message is
// "<context> (<what went wrong>)", so callers only have to describe where they are reading.
class PayloadReader {
 public:
  PayloadReader(const uint8_t* data, size_t size, std::string context)
      : p_(data), end_(data + size), context_(std::move(context)) {}

  uint32_t ReadCV();
  std::string ReadCStr();
  // Raw bytes, e.g. the zstd frames that follow the details header.
  const uint8_t* Take(size_t n);
  size_t Remaining() const { return static_cast<size_t>(end_ - p_); }
  bool AtEnd() const { return p_ == end_; }
  // Rejects a count that could not possibly fit in what is left (every item takes >= min_bytes),
  // so corrupt counts never drive a huge allocation.
  uint32_t ReadCount(size_t min_bytes_per_item, const char* what);
  [[noreturn]] void Fail(const std::string& what) const;
  const std::string& Context() const { return context_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  std::string context_;
};

// ---- ZP: zigzag of x against a prediction p (all u64) ----
inline uint64_t ZP(uint64_t x, uint64_t p) {
  if (x < p) return 2 * (p - x) - 1;
  if (x < 2 * p) return 2 * (x - p);
  return x;
}
inline uint64_t ZPinv(uint64_t v, uint64_t p) {
  if (v >= 2 * p) return v;
  if (v & 1) return (2 * p - v) / 2;
  return (v + 2 * p) / 2;
}

// ---- contig names ----
// Prefix up to the first space, tab, CR or LF (upstream extract_contig_name).
std::string ShortContigName(const std::string& name);
// Cut at every 0x20, keeping empty components ("" -> [""]).
std::vector<std::string> SplitName(const std::string& name);
// Encoding of `cur` against `prev` (same component count).
std::string EncodeSplit(const std::vector<std::string>& prev, const std::vector<std::string>& cur);
// Rebuilds the components of an encoded name in place (`cur` = SplitName(encoded), same count as
// `prev`) and returns the joined name. Upstream reads out of bounds for names with bytes >= 0x80;
// here a byte that cannot be a run marker, or whose run would pass the end of the previous
// component, is taken as a literal, so decoding never fails and never reads outside `prev`.
std::string DecodeSplit(const std::vector<std::string>& prev, std::vector<std::string>& cur);

}  // namespace agc

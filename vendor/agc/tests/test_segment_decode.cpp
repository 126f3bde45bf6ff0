// Reader kernels: ranges of packed references and of LZ-diff entries, checked against a plain
// decoder written here from docs/format.md 5.3-5.5 (the TypeScript decoders are checked against
// the same results by test/range-kernels.test.ts).
#include <cstring>
#include <string>
#include <vector>

#include "agc/archive.h"
#include "agc/segment_decode.h"
#include "agc/zstd_util.h"
#include "test_framework.h"

namespace {

const char* kLetters = "ACGTNRYSWKMBDHVU";

std::vector<uint8_t> SymbolTable() {
  std::vector<uint8_t> t(256, ' ');
  for (int i = 0; i < 16; i++) t[i] = uint8_t(kLetters[i]);
  return t;
}

std::vector<uint8_t> ComplementTable() {
  std::vector<uint8_t> t(256);
  for (int i = 0; i < 256; i++) t[i] = uint8_t(i);
  t['A'] = 'T';
  t['T'] = 'A';
  t['C'] = 'G';
  t['G'] = 'C';
  return t;
}

// Tuple packing of codes (docs/format.md 5.3): nb symbols per byte in base b, first most
// significant, then the leftover byte and the marker.
std::vector<uint8_t> PackTuples(const std::vector<uint8_t>& codes, uint32_t nb) {
  const uint32_t base = nb == 4 ? 4 : nb == 3 ? 6 : 16;
  std::vector<uint8_t> out;
  size_t i = 0;
  for (; i + nb <= codes.size(); i += nb) {
    uint32_t v = 0;
    for (uint32_t d = 0; d < nb; d++) v = v * base + codes[i + d];
    out.push_back(uint8_t(v));
  }
  uint32_t v = 0;
  const uint32_t r = uint32_t(codes.size() - i);
  for (; i < codes.size(); i++) v = v * base + codes[i];
  out.push_back(uint8_t(v));
  out.push_back(uint8_t((nb << 4) | r));
  return out;
}

std::vector<uint8_t> RandomCodes(size_t n, uint32_t alphabet, uint32_t seed) {
  std::vector<uint8_t> c(n);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    c[i] = uint8_t((seed >> 24) % alphabet);
  }
  return c;
}

std::string Letters(const std::vector<uint8_t>& codes, size_t from, size_t count) {
  std::string s;
  for (size_t i = from; i < from + count; i++) s += kLetters[codes[i]];
  return s;
}

std::string RefRange(const agc::PackedRef& ref, size_t from, size_t count) {
  const std::vector<uint8_t> sym = SymbolTable();
  std::string out(count, '?');
  agc::RefRangeLetters(ref, from, count, sym.data(), reinterpret_cast<uint8_t*>(&out[0]));
  return out;
}

std::string LzRange(const agc::PackedRef& ref, const std::string& enc, size_t n, size_t from,
                    size_t to, agc::LzCheckpoints* cps = nullptr) {
  const std::vector<uint8_t> sym = SymbolTable();
  std::string out(to - from, '?');
  agc::LzDiffDecodeRangeLetters(ref, reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), 20,
                                sym.data(), n, from, to, reinterpret_cast<uint8_t*>(&out[0]), cps);
  return out;
}

}  // namespace

TEST(segment_decode_reference_ranges_in_every_packing) {
  for (uint32_t nb : {4u, 3u, 2u}) {
    const uint32_t alphabet = nb == 4 ? 4 : nb == 3 ? 6 : 16;
    for (size_t n : {size_t(1), size_t(7), size_t(64), size_t(1001)}) {
      const std::vector<uint8_t> codes = RandomCodes(n, alphabet, uint32_t(n * 7 + nb));
      const std::vector<uint8_t> packed = PackTuples(codes, nb);
      const agc::PackedRef ref =
          agc::MakePackedRef(packed.data(), packed.size(), agc::RefForm::kTuples);
      REQUIRE(ref.length == n);
      // every start and a few lengths, across byte boundaries and into the leftover symbols
      for (size_t from = 0; from < n; from += (n > 100 ? 37 : 1))
        for (size_t count : {size_t(0), size_t(1), size_t(5), n - from})
          if (from + count <= n) CHECK_EQ(RefRange(ref, from, count), Letters(codes, from, count));
    }
  }
  const std::vector<uint8_t> codes = RandomCodes(50, 16, 3);
  const agc::PackedRef plain = agc::MakePackedRef(codes.data(), codes.size(), agc::RefForm::kCodes);
  CHECK_EQ(RefRange(plain, 3, 40), Letters(codes, 3, 40));
  // marker 0x1? : the codes as they are, before the marker
  std::vector<uint8_t> one = codes;
  one.push_back(0x10);
  const agc::PackedRef unpacked = agc::MakePackedRef(one.data(), one.size(), agc::RefForm::kTuples);
  CHECK_EQ(unpacked.length, size_t(50));
  CHECK_EQ(RefRange(unpacked, 0, 50), Letters(codes, 0, 50));
}

TEST(segment_decode_rejects_bad_tuple_markers) {
  const uint8_t bad1[] = {0x12, 0x54};  // nb 5
  const uint8_t bad2[] = {0x12, 0x44};  // leftover 4 of 4
  CHECK_THROWS(agc::MakePackedRef(bad1, 2, agc::RefForm::kTuples));
  CHECK_THROWS(agc::MakePackedRef(bad2, 2, agc::RefForm::kTuples));
  CHECK_THROWS(agc::MakePackedRef(bad1, 0, agc::RefForm::kTuples));
}

TEST(segment_decode_lz_ranges_match_the_whole_entry) {
  // reference ACGT... (40 symbols, tuple-packed)
  const std::vector<uint8_t> codes = RandomCodes(40, 4, 11);
  const std::vector<uint8_t> packed = PackTuples(codes, 4);
  const agc::PackedRef ref =
      agc::MakePackedRef(packed.data(), packed.size(), agc::RefForm::kTuples);
  // literal G, '!' (ref[1]), N-run of 5, match at pred+2 of 20 (mml 20 -> ",0."), literals,
  // match to the reference end from 30 ("-N." form relative to pred)
  std::string enc;
  enc += char('A' + 2);
  enc += '!';
  enc +=
      "\x1e"
      "1"
      "\x04";
  enc += "1,0.";  // pred 2 -> rp 3, 20 symbols; pred 23
  enc += char('A' + 4);
  enc += char('A' + 0);
  enc += "5.";  // pred 25 -> rp 30 to the end (10 symbols)
  std::string expected;
  expected += 'G';
  expected += kLetters[codes[1]];
  expected += "NNNNN";
  expected += Letters(codes, 3, 20);
  expected += "NA";
  expected += Letters(codes, 30, 10);
  const size_t n = expected.size();
  CHECK_EQ(LzRange(ref, enc, n, 0, n), expected);
  for (size_t from = 0; from < n; from++)
    for (size_t to = from; to <= n; to += 3)
      CHECK_EQ(LzRange(ref, enc, n, from, to), expected.substr(from, to - from));
  // with checkpoints every 4 symbols: the same, however the ranges come
  std::vector<uint32_t> words(2 + 3 * 16, 0);
  words[1] = 4;
  agc::LzCheckpoints cps{words.data(), 16};
  for (size_t from : {size_t(30), size_t(2), size_t(17), size_t(0), size_t(35), size_t(9)})
    CHECK_EQ(LzRange(ref, enc, n, from, n, &cps), expected.substr(from));
  CHECK(words[0] >= 2u);
  for (size_t from = 0; from < n; from++)
    CHECK_EQ(LzRange(ref, enc, n, from, from + 1, &cps), expected.substr(from, 1));
  // checkpoints found from the tokens alone (as the prefetch thread does) resume alike
  std::vector<uint32_t> triples;
  agc::LzDiffScanCheckpoints(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), 20, 4,
                             triples);
  REQUIRE(triples.size() >= 6);
  std::vector<uint32_t> scanned = {uint32_t(triples.size() / 3), 4};
  scanned.insert(scanned.end(), triples.begin(), triples.end());
  for (size_t i = 0; i < triples.size(); i++) CHECK_EQ(scanned[2 + i], words[2 + i]);
  agc::LzCheckpoints found{scanned.data(), triples.size() / 3};
  for (size_t from = 0; from < n; from++)
    CHECK_EQ(LzRange(ref, enc, n, from, n, &found), expected.substr(from));
  // checkpoints pointing outside the entry are refused, not followed
  words[2 + 3 * (words[0] - 1)] = uint32_t(enc.size() + 5);
  CHECK_THROWS(LzRange(ref, enc, n, n - 1, n, &cps));
}

TEST(segment_decode_lz_errors_are_corrupt_data) {
  const std::vector<uint8_t> codes = RandomCodes(40, 4, 5);
  const agc::PackedRef ref = agc::MakePackedRef(codes.data(), codes.size(), agc::RefForm::kCodes);
  auto corrupt = [&](const std::string& enc, size_t n) {
    try {
      LzRange(ref, enc, n, 0, n);
    } catch (const agc::AgcError& e) {
      return e.kind() == agc::ErrorKind::kCorrupt;
    }
    return false;
  };
  CHECK(corrupt("AAA", 4));     // too short
  CHECK(corrupt("AAAAA", 4));   // too long
  CHECK(corrupt("50,0.", 20));  // match past the reference end
  CHECK(corrupt("-1,0.", 20));  // before the reference start
  CHECK(
      corrupt("\x1e"
              "x\x04",
              4));                           // malformed N-run
  CHECK(corrupt("1,2", 22));                 // unterminated match
  CHECK(corrupt("99999999999999999.", 5));   // number out of range
  CHECK(corrupt(std::string(41, '!'), 41));  // '!' past the reference end
  CHECK(corrupt("\x7f", 1));                 // not a token
}

// The compact form of an entry of one-symbol tokens, by its definition (segment_decode.h): the
// tokens that are not bases split it into runs of bases; a run of 16 or more is kBases, its count
// and its codes four to a byte (a last byte with the rest), anything else keeps its bytes.
std::vector<uint8_t> CompactByDefinition(const std::string& t) {
  std::vector<uint8_t> out;
  auto base = [](char c) { return c >= 'A' && c <= 'D'; };
  for (size_t p = 0; p < t.size();) {
    size_t r = p;
    while (r < t.size() && base(t[r])) r++;
    if (r - p < 16) {
      // the short run and the token after it
      const size_t e = r < t.size() ? r + 1 : r;
      out.insert(out.end(), t.begin() + long(p), t.begin() + long(e));
      p = e;
      continue;
    }
    out.push_back(0x05);
    for (size_t v = r - p;; v >>= 7) {
      out.push_back(uint8_t((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
      if (v < 0x80) break;
    }
    size_t i = p;
    for (; i + 4 <= r; i += 4)
      out.push_back(uint8_t((t[i] - 'A') << 6 | (t[i + 1] - 'A') << 4 | (t[i + 2] - 'A') << 2 |
                            (t[i + 3] - 'A')));
    if (i < r) {
      uint32_t v = 0;
      for (; i < r; i++) v = v * 4 + uint32_t(t[i] - 'A');
      out.push_back(uint8_t(v));
    }
    p = r;
  }
  return out;
}

TEST(segment_decode_compact_packs_runs_of_16_bases_between_other_tokens) {
  // runs of every length up to 40 and up to 300, split by letters that are not bases and by '!'
  // (runs of them too), at every offset a 16-letter step could take
  uint32_t seed = 11;
  auto next = [&] { return (seed = seed * 1664525u + 1013904223u) >> 8; };
  const char* others = "EFGHIJKLMNOPQRSTU!";
  for (int c = 0; c < 3000; c++) {
    std::string t;
    const int pieces = int(next() % 8);
    for (int k = 0; k < pieces; k++) {
      const size_t run = next() % (k % 3 == 0 ? 300 : 40);
      for (size_t i = 0; i < run; i++) t += char('A' + next() % 4);
      const size_t split = next() % 20;
      for (size_t i = 0; i < split; i++) t += others[next() % 18];
    }
    // exactly the text's size, inside a guard that must stay untouched
    std::vector<uint8_t> buf(t.size() + 64, 0xee);
    std::vector<uint32_t> triples;
    const size_t n = agc::LzDiffCompact(reinterpret_cast<const uint8_t*>(t.data()), t.size(), 20, 0,
                                        buf.data(), triples);
    const std::vector<uint8_t> want = CompactByDefinition(t);
    REQUIRE(n == want.size());
    CHECK(std::equal(want.begin(), want.end(), buf.begin()));
    for (size_t i = t.size(); i < buf.size(); i++) CHECK_EQ(int(buf[i]), 0xee);
  }
}

TEST(segment_decode_reverse_complement_any_length) {
  const std::vector<uint8_t> comp = ComplementTable();
  for (size_t n = 0; n < 100; n++) {
    std::string s;
    for (size_t i = 0; i < n; i++) s += "ACGTNRYACGTTGCA"[(i * 7 + n) % 15];
    std::string expected(s.rbegin(), s.rend());
    for (char& c : expected) c = char(comp[uint8_t(c)]);
    agc::ReverseComplementLetters(reinterpret_cast<uint8_t*>(&s[0]), n, comp.data());
    CHECK_EQ(s, expected);
  }
  // another complement table takes the byte-wise path
  std::vector<uint8_t> other = comp;
  other['N'] = 'n';
  std::string s(40, 'N');
  agc::ReverseComplementLetters(reinterpret_cast<uint8_t*>(&s[0]), s.size(), other.data());
  CHECK_EQ(s, std::string(40, 'n'));
}

TEST(segment_decode_zstd_into_caller_memory) {
  std::vector<uint8_t> src(5000);
  for (size_t i = 0; i < src.size(); i++) src[i] = uint8_t(i * 13 % 7);
  const std::vector<uint8_t> frame = agc::ZstdCompress(src.data(), src.size(), 3);
  std::vector<uint8_t> out(5000);
  CHECK_EQ(agc::ZstdDecompressInto(frame.data(), frame.size(), out.data(), out.size()),
           size_t(5000));
  CHECK(out == src);
  std::vector<uint8_t> small(4999);
  CHECK_THROWS(agc::ZstdDecompressInto(frame.data(), frame.size(), small.data(), small.size()));
  CHECK_THROWS(agc::ZstdDecompressInto(frame.data(), frame.size() - 1, out.data(), out.size()));
}

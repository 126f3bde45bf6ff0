#include "agc/segment_decode.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "agc/archive.h"  // AgcError

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define AGC_SCAN_SSE2 1
#endif

namespace agc {

namespace {

// Token bytes of docs/format.md 5.5 (lib/format/lz-diff-tokens.ts defines the same).
constexpr uint8_t kLitFirst = 'A';
constexpr uint8_t kLitLast = 'A' + 20;
constexpr uint8_t kBang = '!';
constexpr uint8_t kMinus = '-';
constexpr uint8_t kComma = ',';
constexpr uint8_t kDot = '.';
constexpr uint8_t kNRun = 0x1e;
constexpr uint8_t kNRunEnd = 0x04;
constexpr size_t kMinNRun = 4;
constexpr uint8_t kNCode = 4;
// Decimal fields of valid entries are below 2^32; anything longer is corrupt (and must not wrap).
constexpr uint64_t kMaxField = uint64_t(1) << 40;
// Match bytes of the compact form (LzDiffCompact); its one-symbol tokens and N-run marker are
// the text's bytes. A small match carries its offset in the byte: forward 0x80 + offset, back
// 0xc0 + offset (offsets below 64), with the length field following.
constexpr uint8_t kCompactMatch = 0x01;      // forward offset, length
constexpr uint8_t kCompactBack = 0x02;       // backward offset, length
constexpr uint8_t kCompactToEnd = 0x03;      // forward offset, to the reference end
constexpr uint8_t kCompactBackToEnd = 0x04;  // backward offset, to the reference end
// A run of literals of codes 0..3 (the bases): count as a varint, then the codes four to a byte
// as tuple-packed references hold them (docs/format.md 5.3: first symbol most significant; the
// last byte holds count % 4 codes, if any). Divergent entries are mostly such runs.
constexpr uint8_t kCompactBases = 0x05;
constexpr size_t kMinPackedBases = 16;
constexpr uint8_t kCompactSmallMatch = 0x80;
constexpr uint8_t kCompactSmallBack = 0xc0;

// The letters of every packed byte value for each tuple packing, for one symbols table. Tuple
// digits are codes below 16, so the first 16 symbols decide the tables; they are rebuilt only when
// a call brings other symbols (in practice once per thread).
struct TupleTables {
  uint8_t key[16];
  bool valid = false;
  uint8_t quad[256 * 4];
  uint8_t triple[256 * 3];
  uint8_t pair[256 * 2];
};

void Fill(uint8_t* t, uint32_t nb, uint32_t base, const uint8_t* symbols) {
  for (uint32_t v = 0; v < 256; v++) {
    uint32_t x = v;
    for (int d = int(nb) - 1; d >= 0; d--) {
      const uint32_t digit = x % base;
      t[v * nb + uint32_t(d)] = symbols[digit];
      x = (x - digit) / base;
    }
  }
}

const TupleTables& TablesFor(const uint8_t* symbols) {
  thread_local TupleTables t;
  if (!t.valid || std::memcmp(t.key, symbols, 16) != 0) {
    std::memcpy(t.key, symbols, 16);
    Fill(t.quad, 4, 4, symbols);
    Fill(t.triple, 3, 6, symbols);
    Fill(t.pair, 2, 16, symbols);
    t.valid = true;
  }
  return t;
}

const uint8_t* TableOf(const TupleTables& t, uint32_t nb) {
  return nb == 4 ? t.quad : nb == 3 ? t.triple : t.pair;
}

// Leftover symbol d (0-based, of r) of the byte after the full bytes; first symbol most
// significant.
uint8_t LeftoverSymbol(const PackedRef& ref, uint32_t d, const uint8_t* symbols) {
  uint32_t v = ref.bytes[ref.full];
  for (uint32_t k = ref.leftover - 1; k > d; k--) v /= ref.base;
  return symbols[v % ref.base];
}

uint8_t SymbolAt(const PackedRef& ref, size_t i, const uint8_t* symbols, const TupleTables* tt) {
  if (ref.per_byte == 1) return symbols[ref.bytes[i]];
  const uint32_t nb = ref.per_byte;
  const size_t b = nb == 4 ? i >> 2 : i / nb;
  if (b >= ref.full) return LeftoverSymbol(ref, uint32_t(i - ref.full * nb), symbols);
  return TableOf(*tt, nb)[ref.bytes[b] * nb + (i - b * nb)];
}

void RangeLetters(const PackedRef& ref, size_t from, size_t count, const uint8_t* symbols,
                  const TupleTables* tt, uint8_t* dst) {
  const uint8_t* t = ref.bytes;
  if (ref.per_byte == 1) {
    for (size_t i = 0; i < count; i++) dst[i] = symbols[t[from + i]];
    return;
  }
  const uint32_t nb = ref.per_byte;
  const uint8_t* tab = TableOf(*tt, nb);
  const size_t end = from + count;
  const size_t packed_end = ref.full * nb;
  size_t i = from;
  const size_t body_end = end < packed_end ? end : packed_end;
  if (i < body_end) {
    size_t b = i / nb;
    uint32_t d = uint32_t(i - b * nb);
    // head: the rest of a partly needed byte
    while (d != 0 && i < body_end) {
      *dst++ = tab[t[b] * nb + d];
      i++;
      if (++d == nb) {
        d = 0;
        b++;
      }
    }
    // whole bytes
    const size_t whole = (body_end - i) / nb;
    // (copies of a constant size: a copy of nb bytes was a call per byte)
    if (nb == 4) {
      for (size_t k = 0; k < whole; k++, dst += 4) std::memcpy(dst, tab + t[b + k] * 4, 4);
    } else if (nb == 3) {
      for (size_t k = 0; k < whole; k++, dst += 3) std::memcpy(dst, tab + t[b + k] * 3, 3);
    } else {
      for (size_t k = 0; k < whole; k++, dst += 2) std::memcpy(dst, tab + t[b + k] * 2, 2);
    }
    b += whole;
    i += whole * nb;
    // tail: the start of a partly needed byte
    for (uint32_t e = 0; i < body_end; i++, e++) *dst++ = tab[t[b] * nb + e];
  }
  for (; i < end; i++) *dst++ = LeftoverSymbol(ref, uint32_t(i - packed_end), symbols);
}

[[noreturn]] void Corrupt(const std::string& what) { throw AgcError("LZ-diff: " + what); }

[[noreturn]] void TooLong(size_t n) {
  Corrupt("entry decodes to more than " + std::to_string(n) + " symbols");
}

// Decimal digits from enc[p]; returns the value, advances p; -1 when there is no digit.
int64_t Digits(const uint8_t* enc, size_t enc_len, size_t& p) {
  const size_t start = p;
  uint64_t v = 0;
  while (p < enc_len && enc[p] >= '0' && enc[p] <= '9') {
    v = v * 10 + uint64_t(enc[p++] - '0');
    if (v > kMaxField) Corrupt("number out of range");
  }
  return p == start ? -1 : int64_t(v);
}

// Bytes that are one-symbol tokens: literals 'A'..'A'+20 and '!'.
struct OneSymbolTable {
  bool is[256] = {};
  constexpr OneSymbolTable() {
    for (int b = kLitFirst; b <= kLitLast; b++) is[b] = true;
    is[kBang] = true;
  }
  constexpr bool operator[](uint8_t b) const { return is[b]; }
};
constexpr OneSymbolTable kOneSymbol;

#ifdef AGC_SCAN_SSE2
// Bit i set when letter i of v is a base, 'A'..'D' (codes 0..3).
inline unsigned BaseMask(__m128i v) {
  const __m128i in = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(char(kLitFirst - 1))),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8(char(kLitFirst + 4))));
  return unsigned(_mm_movemask_epi8(in));
}

// Bit i set when letter i of v is a one-symbol token: 'A'..'A'+20 or '!'. As signed bytes
// everything >= 0x80 is negative, so "< 'A' and not '!'" or "> 'A'+20" marks every other byte.
inline unsigned OneSymbolMask(__m128i v) {
  const __m128i below = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(char(kBang))),
                                         _mm_cmplt_epi8(v, _mm_set1_epi8(char(kLitFirst))));
  const __m128i other = _mm_or_si128(below, _mm_cmpgt_epi8(v, _mm_set1_epi8(char(kLitLast))));
  return unsigned(_mm_movemask_epi8(other)) ^ 0xffffu;
}

// The 16 bases of v four to a byte at out (4 bytes).
inline void PackSixteen(__m128i v, uint8_t* out) {
  const __m128i c = _mm_sub_epi8(v, _mm_set1_epi8(char(kLitFirst)));
  // pairs: 4 * first + second in each 16-bit lane, then 16 * pair + pair in each 32-bit lane
  const __m128i pairs = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(c, _mm_set1_epi16(0x00ff)), 2),
                                     _mm_srli_epi16(c, 8));
  const __m128i quads = _mm_or_si128(
      _mm_slli_epi32(_mm_and_si128(pairs, _mm_set1_epi32(0xffff)), 4), _mm_srli_epi32(pairs, 16));
  const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(quads, quads), quads);
  const uint32_t four = uint32_t(_mm_cvtsi128_si32(bytes));
  std::memcpy(out, &four, 4);
}
#endif

// End of the run of one-symbol tokens that starts before enc[p]: the first index at or after p
// that holds another byte (or enc_len). Runs are most of a divergent entry and queries scan the
// runs before their range, so 16 bytes are classified at a time where SSE2 is there.
size_t OneSymbolRunEnd(const uint8_t* enc, size_t p, size_t enc_len) {
#ifdef AGC_SCAN_SSE2
  while (p + 16 <= enc_len) {
    const unsigned other =
        OneSymbolMask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(enc + p))) ^ 0xffffu;
    if (other != 0) return p + size_t(__builtin_ctz(other));
    p += 16;
  }
#endif
  while (p < enc_len && kOneSymbol[enc[p]]) p++;
  return p;
}

// A '!' of the tokens whose reference position is past the reference end is corrupt (checked only
// when the run reaches that far).
void CheckBangs(const uint8_t* tok, size_t count, int64_t first_ref, int64_t ref_len) {
  for (size_t i = 0; i < count; i++)
    if (tok[i] == kBang && first_ref + int64_t(i) >= ref_len)
      Corrupt("same-as-reference literal beyond the reference end (" +
              std::to_string(first_ref + int64_t(i)) + " >= " + std::to_string(ref_len) + ")");
}

// Letters of `count` one-symbol tokens; '!' at token i copies reference symbol first_ref + i.
void ExpandLiterals(const PackedRef& ref, const uint8_t* tok, size_t count, size_t first_ref,
                    const uint8_t* symbols, const TupleTables* tt, uint8_t* dst) {
  for (size_t i = 0; i < count; i++) {
    const uint8_t b = tok[i];
    dst[i] = b == kBang ? SymbolAt(ref, first_ref + i, symbols, tt) : symbols[b - kLitFirst];
  }
}

}  // namespace

PackedRef MakePackedRef(const uint8_t* bytes, size_t size, RefForm form) {
  PackedRef r;
  r.bytes = bytes;
  r.size = size;
  if (form == RefForm::kCodes) {
    r.length = size;
    return r;
  }
  if (size < 1) throw AgcError("tuple-packed reference is empty");
  const uint8_t marker = bytes[size - 1];
  const uint32_t nb = marker >> 4;
  const uint32_t rest = marker & 15;
  if (nb == 1) {
    r.length = size - 1;
    return r;
  }
  if ((nb != 2 && nb != 3 && nb != 4) || rest >= nb || size < 2) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%x", marker);
    throw AgcError(std::string("bad tuple marker 0x") + hex);
  }
  r.per_byte = nb;
  r.base = nb == 4 ? 4 : nb == 3 ? 6 : 16;
  r.full = size - 2;
  r.leftover = rest;
  r.length = r.full * nb + rest;
  return r;
}

void RefRangeLetters(const PackedRef& ref, size_t from, size_t count, const uint8_t* symbols,
                     uint8_t* dst) {
  RangeLetters(ref, from, count, symbols, ref.per_byte == 1 ? nullptr : &TablesFor(symbols), dst);
}

namespace {

// The text grammar of docs/format.md 5.5: decimal fields, ',' and '.' delimited.
struct TextTokens {
  static constexpr bool kPackedBases = false;
  // The N-run whose marker was before enc[p]: its length field; p moves past its end byte.
  static uint64_t NRun(const uint8_t* enc, size_t enc_len, size_t& p) {
    const int64_t v = Digits(enc, enc_len, p);
    if (v < 0 || p >= enc_len || enc[p] != kNRunEnd) Corrupt("malformed N-run");
    p++;
    return uint64_t(v);
  }
  // The match at enc[p]: its reference position and length (not yet checked against the
  // reference); p moves past it.
  static void Match(const uint8_t* enc, size_t enc_len, size_t& p, int64_t pred, int64_t ref_len,
                    uint32_t min_match_len, int64_t& rp, int64_t& len) {
    const size_t at = p;
    const uint8_t b = enc[p];
    const bool neg = b == kMinus;
    if (neg) p++;
    const int64_t off = Digits(enc, enc_len, p);
    if (off < 0 || p >= enc_len) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%x", b);
      Corrupt(std::string("unexpected byte 0x") + hex + " at " + std::to_string(at));
    }
    rp = neg ? pred - off : pred + off;
    if (enc[p] == kComma) {
      p++;
      const int64_t v = Digits(enc, enc_len, p);
      if (v < 0 || p >= enc_len || enc[p] != kDot) Corrupt("malformed match length");
      len = v + int64_t(min_match_len);
    } else if (enc[p] == kDot) {
      len = ref_len - rp;
    } else {
      Corrupt("malformed match at " + std::to_string(at + (neg ? 1 : 0)));
    }
    p++;
  }
};

// A little-endian base-128 field of the compact form; p moves past it.
uint64_t Varint(const uint8_t* enc, size_t enc_len, size_t& p) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift <= 35; shift += 7) {
    if (p >= enc_len) break;
    const uint8_t b = enc[p++];
    v |= uint64_t(b & 0x7f) << shift;
    if (b < 0x80) {
      if (v > kMaxField) break;
      return v;
    }
  }
  Corrupt("malformed number in a compact entry");
}

// The compact grammar (see LzDiffCompact).
struct CompactTokens {
  static constexpr bool kPackedBases = true;
  static uint64_t NRun(const uint8_t* enc, size_t enc_len, size_t& p) {
    return Varint(enc, enc_len, p);
  }
  static void Match(const uint8_t* enc, size_t enc_len, size_t& p, int64_t pred, int64_t ref_len,
                    uint32_t min_match_len, int64_t& rp, int64_t& len) {
    const uint8_t b = enc[p++];
    int64_t off;
    bool neg, to_end = false;
    if (b >= kCompactSmallMatch) {
      neg = b >= kCompactSmallBack;
      off = b & 0x3f;
    } else if (b >= kCompactMatch && b <= kCompactBackToEnd) {
      neg = b == kCompactBack || b == kCompactBackToEnd;
      to_end = b >= kCompactToEnd;
      off = int64_t(Varint(enc, enc_len, p));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%x", b);
      Corrupt(std::string("unexpected byte 0x") + hex + " in a compact entry");
    }
    rp = neg ? pred - off : pred + off;
    len = to_end ? ref_len - rp : int64_t(Varint(enc, enc_len, p)) + int64_t(min_match_len);
  }
};

template <typename Grammar>
void DecodeRange(const PackedRef& ref, const uint8_t* enc, size_t enc_len, uint32_t min_match_len,
                 const uint8_t* symbols, size_t n, size_t from, size_t to, uint8_t* dst,
                 LzCheckpoints* checkpoints) {
  const TupleTables* tt = ref.per_byte == 1 ? nullptr : &TablesFor(symbols);
  const int64_t ref_len = int64_t(ref.length);
  // o: symbols decoded so far; pred: predicted reference position
  size_t o = 0;
  int64_t pred = 0;
  size_t p = 0;
  // Checkpoints: resume from the last one at or before `from`; record new ones past the last.
  uint32_t* cp = nullptr;
  size_t cp_count = 0, cp_cap = 0, step = 0, next_mark = SIZE_MAX;
  // (positions are stored in 32 bits: longer entries go without; the prediction runs past the
  // reference end by at most the literals of the segment)
  if (checkpoints && checkpoints->words && checkpoints->capacity > 0 && enc_len <= UINT32_MAX &&
      n <= UINT32_MAX && ref.length + n <= UINT32_MAX) {
    cp = checkpoints->words;
    cp_cap = checkpoints->capacity;
    cp_count = cp[0];
    step = cp[1];
    if (cp_count > cp_cap || step == 0)
      throw AgcError("LZ-diff checkpoints: bad header", ErrorKind::kInput);
    size_t k = cp_count;
    while (k > 0 && cp[2 + 3 * (k - 1) + 1] > from) k--;
    if (k > 0) {
      const uint32_t* c = cp + 2 + 3 * (k - 1);
      if (c[0] > enc_len || c[1] > n || c[2] > ref.length + n)
        throw AgcError("LZ-diff checkpoints: outside the entry", ErrorKind::kInput);
      p = c[0];
      o = c[1];
      pred = c[2];
    }
    const size_t last_o = cp_count > 0 ? cp[2 + 3 * (cp_count - 1) + 1] : 0;
    next_mark = cp_count < cp_cap ? last_o + step : SIZE_MAX;
  }
  // Records a checkpoint (token p, symbol o, prediction pr); returns the next mark.
  auto record = [&](size_t at_p, size_t at_o, int64_t at_pred) {
    uint32_t* c = cp + 2 + 3 * cp_count;
    c[0] = uint32_t(at_p);
    c[1] = uint32_t(at_o);
    c[2] = uint32_t(at_pred);
    cp[0] = uint32_t(++cp_count);
    next_mark = cp_count < cp_cap ? at_o + step : SIZE_MAX;
  };
  while (p < enc_len && o < to) {
    const uint8_t b = enc[p];
    if (o >= next_mark && !kOneSymbol[b]) record(p, o, pred);
    if (kOneSymbol[b]) {
      // A run of one-symbol tokens (literals and '!'): counted in one tight scan, and only the
      // part inside the range is expanded. Divergent segments are mostly such runs.
      const size_t q = OneSymbolRunEnd(enc, p + 1, enc_len);
      const size_t m = q - p;
      if (m > n - o) TooLong(n);
      const size_t s = o > from ? o : from;
      const size_t e = o + m < to ? o + m : to;
      if (s < e) {
        const int64_t first_ref = pred + int64_t(s - o);
        if (first_ref + int64_t(e - s) > ref_len)
          CheckBangs(enc + p + (s - o), e - s, first_ref, ref_len);
        ExpandLiterals(ref, enc + p + (s - o), e - s, size_t(first_ref), symbols, tt,
                       dst + (s - from));
      }
      // every symbol of a run is a token boundary: marks inside it are recorded exactly
      while (next_mark < o + m) {
        const size_t k = next_mark > o ? next_mark - o : 0;
        record(p + k, o + k, pred + int64_t(k));
      }
      o += m;
      pred += int64_t(m);
      p = q;
    } else if (Grammar::kPackedBases && b == kCompactBases) {
      p++;
      const uint64_t m = Varint(enc, enc_len, p);
      const size_t bytes = size_t(m / 4) + (m % 4 != 0);
      if (bytes > enc_len - p) Corrupt("packed bases past the end of a compact entry");
      if (m > n - o) TooLong(n);
      const size_t s = o > from ? o : from;
      const size_t e = o + m < to ? o + m : to;
      if (s < e) {
        PackedRef run;
        run.bytes = enc + p;
        run.size = bytes;
        run.per_byte = 4;
        run.base = 4;
        run.full = size_t(m / 4);
        run.leftover = uint32_t(m % 4);
        run.length = size_t(m);
        RangeLetters(run, s - o, e - s, symbols, &TablesFor(symbols), dst + (s - from));
      }
      o += m;
      pred += int64_t(m);
      p += bytes;
    } else if (b == kNRun) {
      p++;
      const uint64_t v = Grammar::NRun(enc, enc_len, p);
      const size_t len = size_t(v) + kMinNRun;
      if (len > n - o) TooLong(n);
      const size_t s = o > from ? o : from;
      const size_t e = o + len < to ? o + len : to;
      if (s < e) std::memset(dst + (s - from), symbols[kNCode], e - s);
      o += len;
    } else {
      int64_t rp, len;
      Grammar::Match(enc, enc_len, p, pred, ref_len, min_match_len, rp, len);
      if (rp < 0 || len < 0 || rp + len > ref_len)
        Corrupt("match [" + std::to_string(rp) + ", " + std::to_string(rp + len) +
                ") outside the reference (length " + std::to_string(ref_len) + ")");
      if (size_t(len) > n - o) TooLong(n);
      const size_t s = o > from ? o : from;
      const size_t e = o + size_t(len) < to ? o + size_t(len) : to;
      if (s < e) RangeLetters(ref, size_t(rp) + (s - o), e - s, symbols, tt, dst + (s - from));
      o += size_t(len);
      pred = rp + len;
    }
  }
  if (o < to)
    Corrupt("entry decodes to " + std::to_string(o) + " symbols, expected " + std::to_string(n));
}

}  // namespace

void LzDiffDecodeRangeLetters(const PackedRef& ref, const uint8_t* enc, size_t enc_len,
                              uint32_t min_match_len, const uint8_t* symbols, size_t n, size_t from,
                              size_t to, uint8_t* dst, LzCheckpoints* checkpoints) {
  DecodeRange<TextTokens>(ref, enc, enc_len, min_match_len, symbols, n, from, to, dst, checkpoints);
}

void LzCompactDecodeRangeLetters(const PackedRef& ref, const uint8_t* enc, size_t enc_len,
                                 uint32_t min_match_len, const uint8_t* symbols, size_t n,
                                 size_t from, size_t to, uint8_t* dst, LzCheckpoints* checkpoints) {
  DecodeRange<CompactTokens>(ref, enc, enc_len, min_match_len, symbols, n, from, to, dst,
                             checkpoints);
}

void LzDiffScanCheckpoints(const uint8_t* enc, size_t enc_len, uint32_t min_match_len,
                           uint32_t step, std::vector<uint32_t>& triples) {
  if (step == 0 || enc_len > UINT32_MAX) return;
  uint64_t o = 0, pred = 0;
  size_t p = 0;
  uint64_t next_mark = step;
  auto record = [&](size_t at_p, uint64_t at_o, uint64_t at_pred) {
    triples.push_back(uint32_t(at_p));
    triples.push_back(uint32_t(at_o));
    triples.push_back(uint32_t(at_pred));
    next_mark = at_o + step;
  };
  while (p < enc_len) {
    if (o > UINT32_MAX - 1 || pred > UINT32_MAX - 1) return;
    const uint8_t b = enc[p];
    if (kOneSymbol[b]) {
      const size_t q = OneSymbolRunEnd(enc, p + 1, enc_len);
      const size_t m = q - p;
      while (next_mark < o + m) {
        const uint64_t k = next_mark > o ? next_mark - o : 0;
        if (o + k > UINT32_MAX || pred + k > UINT32_MAX) return;
        record(p + size_t(k), o + k, pred + k);
      }
      o += m;
      pred += m;
      p = q;
      continue;
    }
    if (o >= next_mark) record(p, o, pred);
    if (b == kNRun) {
      p++;
      int64_t v;
      try {
        v = Digits(enc, enc_len, p);
      } catch (const AgcError&) {
        return;
      }
      if (v < 0 || p >= enc_len || enc[p] != kNRunEnd) return;
      p++;
      o += uint64_t(v) + kMinNRun;
      continue;
    }
    const bool neg = b == kMinus;
    if (neg) p++;
    int64_t off, len;
    try {
      off = Digits(enc, enc_len, p);
      if (off < 0 || p >= enc_len || enc[p] != kComma) return;  // malformed, or runs to the end
      p++;
      len = Digits(enc, enc_len, p);
    } catch (const AgcError&) {
      return;
    }
    if (len < 0 || p >= enc_len || enc[p] != kDot) return;
    p++;
    const int64_t rp = neg ? int64_t(pred) - off : int64_t(pred) + off;
    if (rp < 0) return;
    len += min_match_len;
    o += uint64_t(len);
    pred = uint64_t(rp) + uint64_t(len);
  }
}

namespace {

// Appends v as a little-endian base-128 field.
uint8_t* PutVarint(uint8_t* out, uint64_t v) {
  while (v >= 0x80) {
    *out++ = uint8_t(v | 0x80);
    v >>= 7;
  }
  *out++ = uint8_t(v);
  return out;
}

// The end of the literals of codes 0..3 ('A'..'D') from enc[p], at most q.
size_t BasesRunEnd(const uint8_t* enc, size_t p, size_t q) {
#ifdef AGC_SCAN_SSE2
  const __m128i first = _mm_set1_epi8(char(kLitFirst - 1));
  const __m128i last = _mm_set1_epi8(char(kLitFirst + 4));
  while (p + 16 <= q) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(enc + p));
    const __m128i in = _mm_and_si128(_mm_cmpgt_epi8(v, first), _mm_cmplt_epi8(v, last));
    const int mask = _mm_movemask_epi8(in) ^ 0xffff;
    if (mask != 0) return p + size_t(__builtin_ctz(unsigned(mask)));
    p += 16;
  }
#endif
  while (p < q && enc[p] >= kLitFirst && enc[p] < kLitFirst + 4) p++;
  return p;
}

// Letters 'A'..'D' (codes 0..3) four to a byte, first most significant; a last byte holds the
// count % 4 remaining codes as the low digits. Returns the end of what was written.
uint8_t* PackBases(const uint8_t* lit, size_t m, uint8_t* out) {
  size_t i = 0;
#ifdef AGC_SCAN_SSE2
  for (; i + 16 <= m; i += 16, out += 4)
    PackSixteen(_mm_loadu_si128(reinterpret_cast<const __m128i*>(lit + i)), out);
#endif
  for (; i + 4 <= m; i += 4)
    *out++ = uint8_t(((lit[i] - kLitFirst) << 6) | ((lit[i + 1] - kLitFirst) << 4) |
                     ((lit[i + 2] - kLitFirst) << 2) | (lit[i + 3] - kLitFirst));
  if (i < m) {
    uint32_t v = 0;
    for (; i < m; i++) v = v * 4 + uint32_t(lit[i] - kLitFirst);
    *out++ = uint8_t(v);
  }
  return out;
}

// Whether the 16 letters at lit are all 'A'..'D'.
inline bool SixteenBases(const uint8_t* lit) {
#ifdef AGC_SCAN_SSE2
  return BaseMask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(lit))) == 0xffff;
#else
  for (int i = 0; i < 16; i++)
    if (lit[i] < kLitFirst || lit[i] >= kLitFirst + 4) return false;
  return true;
#endif
}

// The run of bases at enc[p] (its first 16 checked by the caller) as a kCompactBases token at out,
// in one pass over the letters: each 16 are checked and packed at once (runs of bases are nearly
// all of a divergent entry's text). The packed bytes go first after room for the longest count
// field the rest of the entry allows, and move back once the count is known; every write stays
// inside the text's own extent, as the compact form must. Returns the end of what was written; r
// is the run's end.
uint8_t* PackBasesRun(const uint8_t* enc, size_t p, size_t enc_len, uint8_t* out, size_t& r) {
  uint8_t field[10];
  const size_t room = size_t(PutVarint(field, enc_len - p) - field);
  uint8_t* packed = out + 1 + room;
  uint8_t* end = packed;
  size_t i = p;
#ifdef AGC_SCAN_SSE2
  for (; i + 16 <= enc_len; i += 16, end += 4) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(enc + i));
    if (BaseMask(v) != 0xffff) break;
    PackSixteen(v, end);
  }
#else
  for (; i + 16 <= enc_len && SixteenBases(enc + i); i += 16) end = PackBases(enc + i, 16, end);
#endif
  // the rest (fewer than 16) as PackBases ends a run
  size_t t = i;
  while (t < enc_len && enc[t] >= kLitFirst && enc[t] < kLitFirst + 4) t++;
  end = PackBases(enc + i, t - i, end);
  r = t;
  *out = kCompactBases;
  uint8_t* at = PutVarint(out + 1, t - p);
  if (at != packed) std::memmove(at, packed, size_t(end - packed));
  return at + (end - packed);
}

// Decimal digits from enc[p] into v; false when there is none or the field is out of range.
bool DigitsQuiet(const uint8_t* enc, size_t enc_len, size_t& p, uint64_t& v) {
  const size_t start = p;
  v = 0;
  while (p < enc_len && enc[p] >= '0' && enc[p] <= '9') {
    v = v * 10 + uint64_t(enc[p++] - '0');
    if (v > kMaxField) return false;
  }
  return p != start;
}

}  // namespace

size_t LzDiffCompact(const uint8_t* enc, size_t enc_len, uint32_t min_match_len, uint32_t step,
                     uint8_t* out, std::vector<uint32_t>& triples) {
  uint8_t* const begin = out;
  // Checkpoints as the decoder records them, at positions of the compact bytes; none past a match
  // that runs to the reference end (its length needs the reference) or past 32-bit positions.
  bool marking = step > 0 && enc_len <= UINT32_MAX;
  uint64_t o = 0, pred = 0, next_mark = step;
  auto mark = [&](size_t at_p, uint64_t at_o, uint64_t at_pred) {
    if (at_o > UINT32_MAX || at_pred > UINT32_MAX) {
      marking = false;
      return;
    }
    triples.push_back(uint32_t(at_p));
    triples.push_back(uint32_t(at_o));
    triples.push_back(uint32_t(at_pred));
    next_mark = at_o + step;
  };
  size_t p = 0;
  while (p < enc_len) {
    const uint8_t b = enc[p];
    if (kOneSymbol[b]) {
      // One-symbol tokens keep their bytes, but for runs of bases (16 or more), which are packed.
      // A run of one-symbol tokens is split at the tokens that are not bases into runs of bases
      // (the first starting at p): the runs of 16 or more are packed, the rest is copied.
      size_t m;
#ifdef AGC_SCAN_SSE2
      if (p + 16 <= enc_len && size_t(out - begin) + 16 <= enc_len) {
        // 16 letters at a time: a run of bases at p, else the letters up to the end of the
        // one-symbol tokens, or through the last token in view that is not a base (no run of 16
        // bases starts before it), as one copy of all 16 (8 x 60 Mbp packs: whole '!' and short
        // runs at once, where a step took at most one such token).
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(enc + p));
        const unsigned bases = BaseMask(v);
        if (bases != 0xffff) {
          const unsigned ones = OneSymbolMask(v);
          m = ones != 0xffff ? size_t(__builtin_ctz(~ones))
                             : size_t(32 - __builtin_clz(~bases & 0xffffu));
          while (marking && next_mark < o + m) {
            const uint64_t k = next_mark > o ? next_mark - o : 0;
            mark(size_t(out - begin) + size_t(k), o + k, pred + k);
          }
          _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
          out += m;
          o += m;
          pred += m;
          p += m;
          continue;
        }
      }
#endif
      if (p + kMinPackedBases <= enc_len && SixteenBases(enc + p)) {
        if (marking && o >= next_mark) mark(size_t(out - begin), o, pred);
        size_t r = 0;
        out = PackBasesRun(enc, p, enc_len, out, r);
        o += r - p;
        pred += r - p;
        p = r;
        continue;
      }
      // (near the end: the short run of bases at p and the one-symbol token after it, if any)
      const size_t r = BasesRunEnd(enc, p, std::min(enc_len, p + kMinPackedBases));
      const size_t e = r < enc_len && kOneSymbol[enc[r]] ? r + 1 : r;
      m = e - p;
      const size_t base = size_t(out - begin);
      while (marking && next_mark < o + m) {
        const uint64_t k = next_mark > o ? next_mark - o : 0;
        mark(base + size_t(k), o + k, pred + k);
      }
      std::memcpy(out, enc + p, m);
      out += m;
      o += m;
      pred += m;
      p = e;
      continue;
    }
    if (marking && o >= next_mark) mark(size_t(out - begin), o, pred);
    uint64_t v;
    if (b == kNRun) {
      p++;
      if (!DigitsQuiet(enc, enc_len, p, v) || p >= enc_len || enc[p] != kNRunEnd) return SIZE_MAX;
      p++;
      *out++ = kNRun;
      out = PutVarint(out, v);
      o += v + kMinNRun;
      continue;
    }
    const bool neg = b == kMinus;
    if (neg) p++;
    uint64_t off;
    if (!DigitsQuiet(enc, enc_len, p, off) || p >= enc_len) return SIZE_MAX;
    if (enc[p] == kDot) {
      p++;
      *out++ = neg ? kCompactBackToEnd : kCompactToEnd;
      out = PutVarint(out, off);
      marking = false;
      continue;
    }
    if (enc[p] != kComma) return SIZE_MAX;
    p++;
    if (!DigitsQuiet(enc, enc_len, p, v) || p >= enc_len || enc[p] != kDot) return SIZE_MAX;
    p++;
    if (off < 0x40 && !(neg && off == 0x3f)) {
      *out++ = uint8_t((neg ? kCompactSmallBack : kCompactSmallMatch) + off);
    } else {
      *out++ = neg ? kCompactBack : kCompactMatch;
      out = PutVarint(out, off);
    }
    out = PutVarint(out, v);
    // (a match before the reference start is left for the decoder to report)
    if (neg && off > pred) marking = false;
    pred = neg ? pred - off : pred + off;
    pred += v + min_match_len;
    o += v + min_match_len;
  }
  return size_t(out - begin);
}

namespace {

#ifdef AGC_SCAN_SSE2
// The usual complement (A<->T, C<->G, every other byte unchanged), which the vector loop builds in.
bool IsUsualComplement(const uint8_t* complement) {
  static const struct Usual {
    uint8_t t[256];
    Usual() {
      for (int i = 0; i < 256; i++) t[i] = uint8_t(i);
      t['A'] = 'T';
      t['T'] = 'A';
      t['C'] = 'G';
      t['G'] = 'C';
    }
  } usual;
  return std::memcmp(complement, usual.t, 256) == 0;
}

// 16 letters reversed and complemented (A<->T by xor 0x15, C<->G by xor 0x04).
inline __m128i ReverseComplement16(__m128i v) {
  v = _mm_shuffle_epi32(v, _MM_SHUFFLE(0, 1, 2, 3));
  v = _mm_shufflelo_epi16(v, _MM_SHUFFLE(2, 3, 0, 1));
  v = _mm_shufflehi_epi16(v, _MM_SHUFFLE(2, 3, 0, 1));
  v = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
  const __m128i at =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('A')), _mm_cmpeq_epi8(v, _mm_set1_epi8('T')));
  const __m128i cg =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('C')), _mm_cmpeq_epi8(v, _mm_set1_epi8('G')));
  v = _mm_xor_si128(v, _mm_and_si128(at, _mm_set1_epi8('A' ^ 'T')));
  return _mm_xor_si128(v, _mm_and_si128(cg, _mm_set1_epi8('C' ^ 'G')));
}
#endif

}  // namespace

void ReverseComplementLetters(uint8_t* dst, size_t n, const uint8_t* complement) {
  if (n == 0) return;
  size_t i = 0, j = n;  // [i, j) is still to do
#ifdef AGC_SCAN_SSE2
  // 16 letters from each end per step (a query of 4 kb spent more here than in decoding).
  if (n >= 32 && IsUsualComplement(complement)) {
    while (j - i >= 32) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + j - 16));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), ReverseComplement16(b));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j - 16), ReverseComplement16(a));
      i += 16;
      j -= 16;
    }
  }
#endif
  for (j--; i < j; i++, j--) {
    const uint8_t a = dst[i];
    dst[i] = complement[dst[j]];
    dst[j] = complement[a];
  }
  if (i == j) dst[i] = complement[dst[i]];
}

}  // namespace agc

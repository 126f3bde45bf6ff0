#include "agc/coding.h"

#include "agc/archive.h"

namespace agc {

namespace {
constexpr uint32_t kT1 = 1u << 7;
constexpr uint32_t kT2 = kT1 + (1u << 14);
constexpr uint32_t kT3 = kT2 + (1u << 21);
constexpr uint32_t kT4 = kT3 + (1u << 28);

// A run of equal bytes is stored as the byte (256 - run), run 1..100.
constexpr unsigned kMaxRun = 100;
constexpr uint8_t kSameComponent = 0x81;
constexpr uint8_t kSmallestRunMarker = 256 - kMaxRun;  // 0x9C
}  // namespace

void AppendCV(std::vector<uint8_t>& out, uint32_t x) {
  if (x < kT1) {
    out.push_back(static_cast<uint8_t>(x));
  } else if (x < kT2) {
    uint32_t m = x - kT1;
    out.push_back(static_cast<uint8_t>(0x80 | (m >> 8)));
    out.push_back(static_cast<uint8_t>(m));
  } else if (x < kT3) {
    uint32_t m = x - kT2;
    out.push_back(static_cast<uint8_t>(0xC0 | (m >> 16)));
    out.push_back(static_cast<uint8_t>(m >> 8));
    out.push_back(static_cast<uint8_t>(m));
  } else if (x < kT4) {
    uint32_t m = x - kT3;
    out.push_back(static_cast<uint8_t>(0xE0 | (m >> 24)));
    out.push_back(static_cast<uint8_t>(m >> 16));
    out.push_back(static_cast<uint8_t>(m >> 8));
    out.push_back(static_cast<uint8_t>(m));
  } else {
    uint32_t m = x - kT4;
    out.push_back(0xF0);
    out.push_back(static_cast<uint8_t>(m >> 24));
    out.push_back(static_cast<uint8_t>(m >> 16));
    out.push_back(static_cast<uint8_t>(m >> 8));
    out.push_back(static_cast<uint8_t>(m));
  }
}

void AppendCStr(std::vector<uint8_t>& out, const std::string& s) {
  out.insert(out.end(), s.begin(), s.end());
  out.push_back(0);
}

void PayloadReader::Fail(const std::string& what) const {
  throw AgcError(context_ + " (" + what + ")");
}

uint32_t PayloadReader::ReadCV() {
  if (p_ == end_) Fail("varint runs past end");
  const uint8_t b = *p_;
  size_t len;
  uint32_t base;
  if (b < 0x80) {
    len = 1, base = 0;
  } else if (b < 0xC0) {
    len = 2, base = kT1;
  } else if (b < 0xE0) {
    len = 3, base = kT2;
  } else if (b < 0xF0) {
    len = 4, base = kT3;
  } else {
    len = 5, base = kT4;
  }
  if (Remaining() < len) Fail("varint runs past end");
  uint32_t m;
  if (len == 5) {
    // The low bits of the 0xF? prefix byte carry nothing.
    m = (uint32_t(p_[1]) << 24) | (uint32_t(p_[2]) << 16) | (uint32_t(p_[3]) << 8) | p_[4];
  } else {
    static const uint8_t kPayloadMask[5] = {0, 0x7F, 0x3F, 0x1F, 0x0F};
    m = b & kPayloadMask[len];
    for (size_t i = 1; i < len; ++i) m = (m << 8) | p_[i];
  }
  p_ += len;
  return m + base;  // u32 wrap-around, as upstream
}

std::string PayloadReader::ReadCStr() {
  const uint8_t* q = p_;
  while (q != end_ && *q != 0) ++q;
  if (q == end_) Fail("unterminated string");
  std::string s(reinterpret_cast<const char*>(p_), static_cast<size_t>(q - p_));
  p_ = q + 1;
  return s;
}

const uint8_t* PayloadReader::Take(size_t n) {
  if (Remaining() < n) Fail("data runs past end");
  const uint8_t* r = p_;
  p_ += n;
  return r;
}

uint32_t PayloadReader::ReadCount(size_t min_bytes_per_item, const char* what) {
  uint32_t n = ReadCV();
  if (min_bytes_per_item > 0 && n > Remaining() / min_bytes_per_item)
    Fail(std::string("implausible ") + what + " " + std::to_string(n));
  return n;
}

std::string ShortContigName(const std::string& name) {
  size_t i = name.find_first_of(" \t\n\r");
  return i == std::string::npos ? name : name.substr(0, i);
}

std::vector<std::string> SplitName(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t sp = name.find(' ', start);
    if (sp == std::string::npos) {
      parts.emplace_back(name, start);
      return parts;
    }
    parts.emplace_back(name, start, sp - start);
    start = sp + 1;
  }
}

std::string EncodeSplit(const std::vector<std::string>& prev, const std::vector<std::string>& cur) {
  std::string enc;
  for (size_t i = 0; i < cur.size(); ++i) {
    if (i) enc.push_back(' ');
    const std::string& a = prev[i];
    const std::string& b = cur[i];
    if (a == b) {
      enc.push_back(static_cast<char>(kSameComponent));
    } else if (a.size() != b.size()) {
      enc.append(b);
    } else {
      unsigned run = 0;
      for (size_t j = 0; j < b.size(); ++j) {
        if (a[j] == b[j]) {
          if (run == kMaxRun) {
            enc.push_back(static_cast<char>(256 - run));
            run = 1;
          } else {
            ++run;
          }
        } else {
          if (run) enc.push_back(static_cast<char>(256 - run));
          run = 0;
          enc.push_back(b[j]);
        }
      }
      if (run) enc.push_back(static_cast<char>(256 - run));
    }
  }
  return enc;
}

std::string DecodeSplit(const std::vector<std::string>& prev, std::vector<std::string>& cur) {
  std::string name;
  std::string rebuilt;
  for (size_t i = 0; i < cur.size(); ++i) {
    if (i) name.push_back(' ');
    const std::string& ref = prev[i];
    if (cur[i].size() == 1 && static_cast<uint8_t>(cur[i][0]) == kSameComponent) {
      cur[i] = ref;
    } else {
      rebuilt.clear();
      size_t cursor = 0;
      for (char ch : cur[i]) {
        const uint8_t b = static_cast<uint8_t>(ch);
        const size_t run = 256u - b;
        if (b >= kSmallestRunMarker && cursor <= ref.size() && run <= ref.size() - cursor) {
          rebuilt.append(ref, cursor, run);
          cursor += run;
        } else {
          rebuilt.push_back(ch);
          ++cursor;
        }
      }
      cur[i].swap(rebuilt);
    }
    name.append(cur[i]);
  }
  return name;
}

}  // namespace agc

// See sequence_scan.h.
#include "agc/sequence_scan.h"

namespace agc {

void ConvertFastaBody(const uint8_t* chunk, size_t n, const uint8_t* table, uint8_t invalid_code,
                      int replacement, uint8_t* out, FastaBodyState& st) {
  size_t w = st.written;
  for (size_t i = 0; i < n; i++) {
    const uint8_t c = chunk[i];
    if (c < 64) {
      st.lines += c == 10;
      continue;
    }
    uint8_t code = table[c];
    if (code > 15) {
      if (code == invalid_code) {
        if (st.bad_index < 0) {
          st.bad_index = int64_t(i);
          st.bad_byte = c;
        }
        continue;
      }
      if (replacement >= 0) {
        code = uint8_t(replacement);
      } else if (replacement == -1 && st.letter_pos < 0) {
        st.letter_pos = int64_t(w + 1);
        st.letter_byte = c;
      }
    }
    out[w++] = code;
  }
  st.written = w;
}

size_t FindSplitterCandidates(const uint8_t* seq, size_t n, uint32_t k, const uint8_t* bits,
                              uint32_t filter_bits, uint32_t* out, size_t cap) {
  uint32_t tail = 0;
  uint32_t len = 0;
  size_t found = 0;
  const uint32_t shift = 32 - filter_bits;
  for (size_t pos = 0; pos < n; pos++) {
    const uint8_t x = seq[pos];
    if (x > 3) {
      len = 0;
      continue;
    }
    tail = (tail << 2) | x;
    if (++len < k) continue;
    len = k;  // no overflow on long ACGT runs
    const uint32_t slot = (tail * 0x9e3779b1u) >> shift;
    if ((bits[slot >> 3] & (1u << (slot & 7))) == 0) continue;
    if (found < cap) out[found] = uint32_t(pos);
    found++;
  }
  return found;
}

void ReverseComplementCodes(const uint8_t* src, size_t n, uint8_t* dst) {
  for (size_t i = 0; i < n; i++) {
    const uint8_t c = src[n - 1 - i];
    dst[i] = c < 4 ? uint8_t(3 - c) : c;
  }
}

double BestLagMatchFraction(const uint8_t* ref, size_t n) {
  // acgt_prefix over the whole reference once; each lag drops the tail it cannot compare.
  size_t acgt_all = 0;
  for (size_t j = 0; j < n; j++) acgt_all += ref[j] < 4;
  double best = 0.0;
  for (size_t lag = 4; lag < 32; lag++) {
    size_t eq = 0, acgt = 0;
    if (n > lag) {
      const size_t lim = n - lag;
      for (size_t j = 0; j < lim; j++) eq += ref[j] == ref[j + lag];
      acgt = acgt_all;
      for (size_t j = lim; j < n; j++) acgt -= ref[j] < 4;
    }
    const double frac = acgt ? double(eq) / double(acgt) : 0.0;
    if (frac > best) {
      best = frac;
      if (best >= 0.5) break;
    }
  }
  return best;
}

}  // namespace agc

// FASTA body conversion and the splitter prefilter scan.
#include <string>
#include <vector>

#include "agc/sequence_scan.h"
#include "test_framework.h"

TEST(sequence_scan_fasta_body_records_first_problems) {
  std::vector<uint8_t> table(256, 30);  // letters outside IUPAC
  for (int c = 128; c < 256; c++) table[c] = 0xff;
  table['A'] = 0;
  table['C'] = 1;
  table['G'] = 2;
  table['T'] = 3;
  const std::string body = "AC\nGT\r\nAXC\x80G\nXA";
  std::vector<uint8_t> out(body.size());
  agc::FastaBodyState st;
  agc::ConvertFastaBody(reinterpret_cast<const uint8_t*>(body.data()), body.size(), table.data(),
                        0xff, -1, out.data(), st);
  CHECK_EQ(st.written, size_t(10));  // ACGTAXCGXA: line breaks and the 0x80 byte dropped
  CHECK_EQ(st.lines, size_t(3));
  CHECK_EQ(st.bad_index, int64_t(10));
  CHECK_EQ(int(st.bad_byte), 0x80);
  CHECK_EQ(st.letter_pos, int64_t(6));
  CHECK_EQ(int(st.letter_byte), int('X'));
  // A replacement letter takes the place of the letters outside IUPAC.
  agc::FastaBodyState st2;
  agc::ConvertFastaBody(reinterpret_cast<const uint8_t*>(body.data()), body.size(), table.data(),
                        0xff, 2, out.data(), st2);
  CHECK_EQ(int(out[5]), 2);
  CHECK_EQ(st2.letter_pos, int64_t(-1));
}

TEST(sequence_scan_splitter_candidates_need_k_acgt_symbols) {
  std::vector<uint8_t> bits(1 << 5, 0xff);  // 2^8 bits, all set: every full window passes
  std::vector<uint8_t> seq = {0, 1, 2, 3, 0, 4, 1, 2, 3, 0, 1};
  std::vector<uint32_t> out(16);
  const size_t n = agc::FindSplitterCandidates(seq.data(), seq.size(), 3, bits.data(), 8,
                                               out.data(), out.size());
  // Windows of 3 ACGT symbols end at 2, 3, 4 and (after the N at 5) at 8, 9, 10.
  REQUIRE(n == 6);
  CHECK_EQ(out[0], 2u);
  CHECK_EQ(out[3], 8u);
  CHECK_EQ(out[5], 10u);
  // With room for 2 the count is still complete.
  CHECK_EQ(agc::FindSplitterCandidates(seq.data(), seq.size(), 3, bits.data(), 8, out.data(), 2),
           size_t(6));
}

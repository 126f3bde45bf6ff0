// Bulk extraction: whole contigs as FASTA records from an archive written here (a zstd-packed
// reference, a pack with an LZ-diff entry, a raw group), checked against a plain assembly of the
// known segments (docs/format.md 5.7, 6.3); the part cache shared by threads and under a budget.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agc/archive.h"
#include "agc/contig_extract.h"
#include "agc/lz_diff.h"
#include "agc/zstd_util.h"
#include "test_framework.h"

namespace {

const char* kLetters = "ACGTNRYSWKMBDHVU";
constexpr uint32_t kMinMatch = 20;
constexpr uint32_t kK = 11;

struct Tables {
  std::vector<uint8_t> symbols = std::vector<uint8_t>(256, ' ');
  std::vector<uint8_t> complement = std::vector<uint8_t>(256);
  Tables() {
    for (int i = 0; i < 16; i++) symbols[i] = uint8_t(kLetters[i]);
    for (int i = 0; i < 256; i++) complement[i] = uint8_t(i);
    complement['A'] = 'T';
    complement['T'] = 'A';
    complement['C'] = 'G';
    complement['G'] = 'C';
  }
  agc::LetterTables view() const { return {symbols.data(), complement.data()}; }
};

std::vector<uint8_t> RandomCodes(size_t n, uint32_t seed) {
  std::vector<uint8_t> c(n);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    c[i] = uint8_t((seed >> 24) & 3);
  }
  return c;
}

std::string Oriented(const std::vector<uint8_t>& codes, bool rc) {
  std::string s;
  for (uint8_t c : codes) s += kLetters[c];
  if (!rc) return s;
  std::string r(s.rbegin(), s.rend());
  for (char& ch : r) ch = ch == 'A' ? 'T' : ch == 'T' ? 'A' : ch == 'C' ? 'G' : 'C';
  return r;
}

std::vector<uint8_t> LzEntry(const std::vector<uint8_t>& ref, const std::vector<uint8_t>& text) {
  std::vector<uint8_t> padded = ref;
  padded.resize(ref.size() + agc::LzKeyLength(kMinMatch), agc::kLzPadSymbol);
  std::vector<int32_t> index(agc::LzIndexSize(padded.data(), padded.size(), kMinMatch));
  agc::LzFillIndex(padded.data(), padded.size(), kMinMatch, index.data(), index.size());
  const agc::LzRef lz{padded.data(), padded.size(), index.data(), index.size(), kMinMatch};
  std::vector<uint8_t> out;
  agc::LzEncode(lz, text.data(), text.size(), out);
  return out;
}

// An archive with group 16 (reference: zstd of the codes, marker 0; pack 0: one LZ-diff entry
// and a corrupt one) and raw group 0 (pack 0: two raw entries), and the segments' codes.
struct Fixture {
  std::string path = agctest::TempPath("contig-extract");
  std::vector<uint8_t> ref = RandomCodes(5000, 1);
  std::vector<uint8_t> text, raw0, raw1;
  int32_t ref_stream = -1, delta16 = -1, delta0 = -1;
  // decoded, as the cache accounts them: their blocks' sizes and 4 bytes per entry end
  size_t ref_bytes = agc::PartStore::BlockSize(ref.size());
  size_t pack16_bytes = 0, pack0_bytes = 0;

  Fixture() {
    text = ref;
    for (size_t i = 100; i < text.size(); i += 777) text[i] = uint8_t((text[i] + 1) & 3);
    text.resize(4200);
    raw0 = RandomCodes(1500, 2);
    raw1 = RandomCodes(30, 3);
    agc::CArchive a(false);
    a.Open(path);
    ref_stream = a.RegisterStream("ref16");
    delta16 = a.RegisterStream("delta16");
    delta0 = a.RegisterStream("delta0");
    std::vector<uint8_t> part = agc::ZstdCompress(ref.data(), ref.size(), 3);
    part.push_back(0);
    a.AddPart(size_t(ref_stream), part, ref.size());
    std::vector<uint8_t> pack = LzEntry(ref, text);
    pack.push_back(0xff);
    pack.push_back('Z');  // not a valid token
    pack.push_back(0xff);
    a.AddPart(size_t(delta16), pack, 0);
    pack16_bytes = agc::PartStore::BlockSize(pack.size()) + 4 * 2;
    std::vector<uint8_t> raw = raw0;
    raw.push_back(0xff);
    raw.insert(raw.end(), raw1.begin(), raw1.end());
    raw.push_back(0xff);
    std::vector<uint8_t> z = agc::ZstdCompress(raw.data(), raw.size(), 3);
    z.push_back(0);
    a.AddPart(size_t(delta0), z, raw.size());
    pack0_bytes = agc::PartStore::BlockSize(raw.size()) + 4 * 2;
    a.Close();
  }

  std::shared_ptr<agc::CArchive> Open() const {
    auto a = std::make_shared<agc::CArchive>(true);
    a->Open(path);
    return a;
  }

  agc::SegmentPlace Seg(uint32_t group, uint32_t id, uint32_t len, bool rc) const {
    return {
        group, id, len, rc ? 1u : 0u, group < 16 ? -1 : ref_stream, group < 16 ? delta0 : delta16};
  }

  // ref, then text reverse-complemented, then raw0: each later segment without its first k.
  std::vector<agc::SegmentPlace> Contig() const {
    return {Seg(16, 0, uint32_t(ref.size()), false), Seg(16, 1, uint32_t(text.size()), true),
            Seg(0, 0, uint32_t(raw0.size()), false), Seg(0, 1, uint32_t(raw1.size()), true)};
  }
  std::string Expected(const std::string& header, size_t line) const {
    std::string seq = Oriented(ref, false) + Oriented(text, true).substr(kK) +
                      Oriented(raw0, false).substr(kK) + Oriented(raw1, true).substr(kK);
    std::string out = header;
    for (size_t at = 0; at < seq.size(); at += line) out += seq.substr(at, line) + "\n";
    return out;
  }
};

std::string Record(agc::PartCache& cache, const std::vector<agc::SegmentPlace>& segs,
                   const std::string& header, size_t line) {
  static const Tables tables;
  const agc::ExtractParams params{kK, kMinMatch, 50};
  const size_t n = agc::ContigLength(segs.data(), segs.size(), kK);
  std::string out(agc::FastaRecordSize(header.size(), n, line), '?');
  const size_t size = agc::WriteFastaRecord(
      cache, params, tables.view(), reinterpret_cast<const uint8_t*>(header.data()), header.size(),
      segs.data(), segs.size(), line, reinterpret_cast<uint8_t*>(&out[0]));
  CHECK_EQ(size, out.size());
  return out;
}

}  // namespace

TEST(contig_extract_record_equals_plain_assembly) {
  Fixture f;
  agc::PartCache cache(f.Open(), size_t(1) << 30);
  const auto segs = f.Contig();
  CHECK_EQ(agc::ContigLength(segs.data(), segs.size(), kK),
           f.ref.size() + f.text.size() + f.raw0.size() + f.raw1.size() - 3 * kK);
  for (size_t line : {size_t(1), size_t(60), size_t(80), size_t(100000)})
    CHECK(Record(cache, segs, ">ctg x\n", line) == f.Expected(">ctg x\n", line));
  // one segment, an empty header, and no segments at all
  const std::string one = Oriented(f.raw1, false);
  std::string want;
  for (size_t at = 0; at < one.size(); at += 7) want += one.substr(at, 7) + "\n";
  const std::vector<agc::SegmentPlace> single{f.Seg(0, 1, uint32_t(f.raw1.size()), false)};
  CHECK(Record(cache, single, "", 7) == want);
  CHECK(Record(cache, std::vector<agc::SegmentPlace>(), ">empty\n", 80) == ">empty\n");
  CHECK(cache.CachedBytes() > 0);
}

TEST(contig_extract_pack_prefixes_give_the_same_records) {
  Fixture f;
  agc::PartCache cache(f.Open(), size_t(1) << 30, true);
  for (size_t line : {size_t(1), size_t(60), size_t(100000)})
    CHECK(Record(cache, f.Contig(), ">ctg x\n", line) == f.Expected(">ctg x\n", line));
  // a later entry of a pack decoded for an earlier one, and an entry past the end
  auto first = cache.GetPack(f.delta0, 0, 0);
  CHECK(first->ends.size() >= 1);
  auto second = cache.GetPack(f.delta0, 0, 1);
  CHECK_EQ(second->ends.size(), size_t(2));
  CHECK(second->whole);
  const std::vector<agc::SegmentPlace> past{f.Seg(0, 2, 10, false)};
  try {
    Record(cache, past, ">c\n", 80);
    CHECK(false);
  } catch (const agc::AgcError& e) {
    CHECK(std::string(e.what()).find("pack has 2 entries") != std::string::npos);
  }
}

TEST(contig_extract_pack_prefix_of_a_large_pack) {
  // A raw pack of many entries over several zstd blocks: the first entries come from a prefix,
  // the last one makes the cache decode the pack further.
  const std::string path = agctest::TempPath("contig-extract-prefix");
  std::vector<std::vector<uint8_t>> entries;
  std::vector<uint8_t> raw;
  for (uint32_t i = 0; i < 40; i++) {
    entries.push_back(RandomCodes(20000, 100 + i));
    raw.insert(raw.end(), entries.back().begin(), entries.back().end());
    raw.push_back(0xff);
  }
  int32_t stream = -1;
  {
    agc::CArchive a(false);
    a.Open(path);
    stream = a.RegisterStream("delta0");
    std::vector<uint8_t> z = agc::ZstdCompress(raw.data(), raw.size(), 3);
    z.push_back(0);
    a.AddPart(size_t(stream), z, raw.size());
    a.Close();
  }
  auto archive = std::make_shared<agc::CArchive>(true);
  archive->Open(path);
  agc::PartCache cache(archive, size_t(1) << 30, true);
  static const Tables tables;
  const agc::ExtractParams params{kK, kMinMatch, 50};
  for (uint32_t e : {0u, 3u, 39u, 1u}) {
    const agc::SegmentPlace s{0, e, 20000, 0, -1, stream};
    std::string out(20000, '?');
    agc::DecodeSegment(cache, params, tables.view(), s, reinterpret_cast<uint8_t*>(&out[0]));
    CHECK(out == Oriented(entries[e], false));
    if (e == 0) CHECK(!cache.GetPack(stream, 0, 0)->whole);
  }
  CHECK(cache.GetPack(stream, 0, 0)->whole);
  CHECK_EQ(cache.GetPack(stream, 0, 0)->ends.size(), size_t(40));
  // a cache without prefixes decodes it whole at once
  agc::PartCache plain(archive, size_t(1) << 30);
  CHECK(plain.GetPack(stream, 0, 0)->whole);
}

TEST(contig_extract_pieces_joined_equal_the_record) {
  Fixture f;
  agc::PartCache cache(f.Open(), size_t(1) << 30);
  static const Tables tables;
  const agc::ExtractParams params{kK, kMinMatch, 50};
  const auto segs = f.Contig();
  const std::string header = ">ctg\n";
  for (size_t line : {size_t(1), size_t(7), size_t(60), size_t(5000)}) {
    const std::string want = f.Expected(header, line);
    // every way of cutting the 4 segments into consecutive runs
    for (unsigned cuts = 0; cuts < 8; cuts++) {
      std::string got;
      size_t j0 = 0, from = 0;
      for (size_t j = 1; j <= segs.size(); j++) {
        if (j < segs.size() && !(cuts & (1u << (j - 1)))) continue;
        agc::FastaPiece p;
        p.segs = segs.data() + j0;
        p.count = j - j0;
        p.first = j0 == 0;
        p.last = j == segs.size();
        p.from = from;
        std::string out(agc::FastaPieceSize(p, header.size(), kK, line), '?');
        CHECK_EQ(agc::WriteFastaPiece(cache, params, tables.view(),
                                      reinterpret_cast<const uint8_t*>(header.data()),
                                      header.size(), p, line, reinterpret_cast<uint8_t*>(&out[0])),
                 out.size());
        got += out;
        from += agc::PieceLength(p, kK);
        j0 = j;
      }
      CHECK(got == want);
    }
  }
}

TEST(contig_extract_threads_share_one_cache) {
  Fixture f;
  agc::PartCache cache(f.Open(), size_t(1) << 30);
  const auto segs = f.Contig();
  const std::string want = f.Expected(">c\n", 80);
  std::vector<std::string> got(6);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); t++)
    threads.emplace_back([&, t] { got[t] = Record(cache, segs, ">c\n", 80); });
  for (auto& th : threads) th.join();
  for (const std::string& g : got) CHECK(g == want);
  // each of the three parts held once: the reference, and two packs with their entry ends
  CHECK_EQ(cache.CachedBytes(), f.ref_bytes + f.pack16_bytes + f.pack0_bytes);
}

TEST(contig_extract_part_store_recycles_blocks) {
  CHECK_EQ(agc::PartStore::BlockSize(1), size_t(4096));
  CHECK_EQ(agc::PartStore::BlockSize(4097), size_t(5120));
  CHECK_EQ(agc::PartStore::BlockSize(300000), size_t(327680));
  for (size_t n : {size_t(5000), size_t(65537), size_t(1) << 20, size_t(3000001)}) {
    CHECK(agc::PartStore::BlockSize(n) >= n);
    CHECK(agc::PartStore::BlockSize(n) <= n + n / 4);
  }
  agc::PartStore store(size_t(1) << 20);
  size_t cap = 0;
  auto a = store.Take(300000, cap);
  CHECK_EQ(cap, size_t(327680));
  uint8_t* const at = a.get();
  store.Give(std::move(a), cap);
  // a part of about the same size gets the block back; a part far smaller or larger does not
  auto tiny = store.Take(1000, cap);
  CHECK(tiny.get() != at);
  CHECK_EQ(cap, size_t(4096));
  auto big = store.Take(400000, cap);
  CHECK(big.get() != at);
  auto same = store.Take(310000, cap);
  CHECK(same.get() == at);
  CHECK_EQ(cap, size_t(327680));
  // beyond `keep` bytes unused, blocks given back are freed
  store.Give(std::move(same), 327680);
  store.Give(std::move(big), 458752);
  CHECK_EQ(store.KeptBytes(), size_t(327680 + 458752));
  auto c = store.Take(500000, cap);
  CHECK_EQ(cap, size_t(524288));
  store.Give(std::move(c), cap);
  CHECK_EQ(store.KeptBytes(), size_t(327680 + 458752));
  auto back = store.Take(400000, cap);
  CHECK_EQ(cap, size_t(458752));
  CHECK_EQ(store.KeptBytes(), size_t(327680));
}

TEST(contig_extract_cache_budget_drops_old_parts) {
  Fixture f;
  // room for about one part: every record still comes out right
  agc::PartCache cache(f.Open(), 2000);
  const auto segs = f.Contig();
  for (int round = 0; round < 3; round++)
    CHECK(Record(cache, segs, ">c\n", 61) == f.Expected(">c\n", 61));
  CHECK(cache.CachedBytes() <= size_t(6000));
}

TEST(contig_extract_new_budget_applies_to_later_decodes) {
  Fixture f;
  // filled without a bound, then handed over with a budget of about one part
  agc::PartCache cache(f.Open(), SIZE_MAX);
  const auto segs = f.Contig();
  CHECK(Record(cache, segs, ">c\n", 61) == f.Expected(">c\n", 61));
  const size_t all = f.ref_bytes + f.pack16_bytes + f.pack0_bytes;
  CHECK_EQ(cache.CachedBytes(), all);
  cache.SetBudget(2000);
  CHECK_EQ(cache.CachedBytes(), all);  // nothing dropped until the next decode
  agc::PartCache other(f.Open(), SIZE_MAX);
  CHECK(Record(other, segs, ">c\n", 61) == f.Expected(">c\n", 61));
  CHECK(Record(cache, {f.Seg(0, 1, uint32_t(f.raw1.size()), false)}, ">r\n", 61) ==
        Record(other, {f.Seg(0, 1, uint32_t(f.raw1.size()), false)}, ">r\n", 61));
  CHECK_EQ(cache.CachedBytes(), all);  // a part it held: no decode, nothing dropped
  agc::PartCache small(f.Open(), 2000);
  small.SetBudget(SIZE_MAX);
  CHECK(Record(small, segs, ">c\n", 61) == f.Expected(">c\n", 61));
  CHECK_EQ(small.CachedBytes(), all);  // the larger budget keeps them all
}

TEST(contig_extract_part_store_keeps_less_when_told) {
  agc::PartStore store(size_t(1) << 20);
  size_t cap = 0, cap2 = 0;
  auto a = store.Take(300000, cap);
  auto b = store.Take(400000, cap2);
  store.Give(std::move(a), cap);
  store.Give(std::move(b), cap2);
  CHECK_EQ(store.KeptBytes(), cap + cap2);
  store.SetKeep(cap + 1);  // the largest blocks go first
  CHECK_EQ(store.KeptBytes(), cap);
  store.SetKeep(0);
  CHECK_EQ(store.KeptBytes(), size_t(0));
  auto c = store.Take(1000, cap);
  store.Give(std::move(c), cap);
  CHECK_EQ(store.KeptBytes(), size_t(0));
}

TEST(contig_extract_corrupt_data_names_group_and_segment) {
  Fixture f;
  agc::PartCache cache(f.Open(), size_t(1) << 30);
  const auto expect_corrupt = [&](std::vector<agc::SegmentPlace> segs, const char* what) {
    try {
      Record(cache, segs, ">c\n", 80);
      CHECK(false);
    } catch (const agc::AgcError& e) {
      CHECK(e.kind() == agc::ErrorKind::kCorrupt);
      CHECK(std::string(e.what()).find(what) != std::string::npos);
    }
  };
  // the entry that is not valid LZ-diff
  expect_corrupt({f.Seg(16, 2, 100, false)}, "group 16, segment 2");
  // a raw length that does not match the stored entry or reference
  expect_corrupt({f.Seg(0, 0, 1499, false)}, "raw segment has 1500 symbols");
  expect_corrupt({f.Seg(16, 0, 4999, false)}, "reference has 5000 symbols");
  // an entry past the end of its pack, a pack that does not exist
  expect_corrupt({f.Seg(0, 2, 10, false)}, "pack has 2 entries");
  expect_corrupt({f.Seg(0, 50, 10, false)}, "no pack 1");
  // a group without a reference stream
  agc::SegmentPlace s = f.Seg(16, 0, 5000, false);
  s.ref_stream = -1;
  expect_corrupt({s}, "has no reference");
  // a later segment reaching before its contig's start
  expect_corrupt({f.Seg(0, 1, 5, false), f.Seg(0, 1, 30, false)}, "overlaps the start");
}

TEST(contig_extract_closed_archive_is_an_error_not_a_crash) {
  Fixture f;
  auto archive = f.Open();
  agc::PartCache cache(archive, size_t(1) << 30);
  archive->Close();
  try {
    Record(cache, f.Contig(), ">c\n", 80);
    CHECK(false);
  } catch (const agc::AgcError& e) {
    CHECK(e.kind() == agc::ErrorKind::kClosed);
  }
}

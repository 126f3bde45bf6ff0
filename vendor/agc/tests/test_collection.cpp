// Collection v3: primitive encodings, registration/placement rules, robustness of the decoder,
// and the acceptance check that every golden archive's collection streams are rebuilt byte for
// byte through the create-side API (and through the append path for the append cases).
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agc/archive.h"
#include "agc/coding.h"
#include "agc/collection_v3.h"
#include "agc/zstd_util.h"
#include "test_framework.h"

using agc::AgcError;
using agc::CArchive;
using agc::CCollection_V3;
using agc::ContigDesc;
using agc::SegmentDesc;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes cv(uint32_t x) {
  Bytes b;
  agc::AppendCV(b, x);
  return b;
}

uint32_t read_cv(const Bytes& b) {
  agc::PayloadReader r(b.data(), b.size(), "test");
  uint32_t x = r.ReadCV();
  CHECK(r.AtEnd());
  return x;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// ---- golden data ----

struct GoldenCase {
  std::string id;
  std::string archive;  // relative to golden/
  size_t samples = 0;
};

// MANIFEST.json is machine-written; pulling the three fields by key is enough here.
std::vector<GoldenCase> golden_cases() {
  Bytes raw = agctest::ReadFile(SharedPath("golden/MANIFEST.json"));
  std::string s(raw.begin(), raw.end());
  auto field = [&](size_t from, const std::string& key, size_t& at) {
    at = s.find("\"" + key + "\"", from);
    if (at == std::string::npos) throw std::runtime_error("MANIFEST.json: no " + key);
    size_t colon = s.find(':', at);
    size_t v = s.find_first_not_of(" \n\t", colon + 1);
    if (s[v] == '"') {
      size_t e = s.find('"', v + 1);
      return s.substr(v + 1, e - v - 1);
    }
    size_t e = s.find_first_of(",}\n", v);
    return s.substr(v, e - v);
  };
  std::vector<GoldenCase> out;
  size_t pos = 0, at = 0;
  while ((pos = s.find("\"id\"", pos)) != std::string::npos) {
    GoldenCase c;
    c.id = field(pos, "id", at);
    c.archive = field(at, "archive", at);
    c.samples = std::stoul(field(at, "samples", at));
    out.push_back(c);
    pos = at;
  }
  return out;
}

std::string read_text(const std::string& rel) {
  Bytes b = agctest::ReadFile(SharedPath(rel));
  return std::string(b.begin(), b.end());
}

struct Params {
  uint32_t k = 0, min_match = 0, P = 0, S = 0;
};

Params read_params(CArchive& a) {
  int id = a.GetStreamId("params");
  REQUIRE(id >= 0);
  Bytes d;
  uint64_t meta = 0;
  a.GetPart(static_cast<size_t>(id), 0, d, meta);
  REQUIRE(d.size() == 16);
  auto u32 = [&](size_t o) {
    return uint32_t(d[o]) | uint32_t(d[o + 1]) << 8 | uint32_t(d[o + 2]) << 16 |
           uint32_t(d[o + 3]) << 24;
  };
  return Params{u32(0), u32(4), u32(8), u32(12)};
}

std::unique_ptr<CArchive> open_input(const std::string& path) {
  auto a = std::make_unique<CArchive>(true);
  a->Open(path);
  return a;
}

// Registers a sample's contigs and places its segments in shuffled chunks of 32, as the
// compressor does (order of placements must not matter).
void add_sample(CCollection_V3& c, const std::string& sample, const std::vector<ContigDesc>& desc,
                bool concatenated) {
  const std::string reg_name = concatenated ? std::string() : sample;
  for (const ContigDesc& cd : desc) CHECK(c.register_sample_contig(reg_name, cd.name));
  struct Item {
    uint32_t contig, place;
    SegmentDesc d;
  };
  std::vector<Item> items;
  for (size_t ci = 0; ci < desc.size(); ++ci)
    for (size_t j = 0; j < desc[ci].segments.size(); ++j)
      items.push_back({static_cast<uint32_t>(ci), static_cast<uint32_t>(j), desc[ci].segments[j]});
  uint32_t state = 12345;
  for (size_t i = items.size(); i > 1; --i) {
    state = state * 1103515245u + 12345u;
    std::swap(items[i - 1], items[(state >> 8) % i]);
  }
  for (size_t i = 0; i < items.size(); i += 32) {
    agc::PlacementBatch b;
    b.sample_names = {reg_name};
    for (const ContigDesc& cd : desc) b.contig_names.push_back(cd.name);
    for (size_t j = i; j < std::min(items.size(), i + 32); ++j) {
      b.sample_index.push_back(0);
      b.contig_index.push_back(items[j].contig);
      b.place.push_back(items[j].place);
      b.group_id.push_back(items[j].d.group_id);
      b.in_group_id.push_back(items[j].d.in_group_id);
      b.raw_length.push_back(items[j].d.raw_length);
      b.rev_comp.push_back(items[j].d.is_rev_comp ? 1 : 0);
    }
    c.add_segments_placed(b);
  }
}

void check_same_collection_streams(CArchive& expected, CArchive& actual, const std::string& what) {
  for (const char* name : {"collection-samples", "collection-contigs", "collection-details"}) {
    int e = expected.GetStreamId(name);
    int a = actual.GetStreamId(name);
    REQUIRE(e >= 0 && a >= 0);
    const size_t n = expected.GetNoParts(static_cast<size_t>(e));
    CHECK_EQ(actual.GetNoParts(static_cast<size_t>(a)), n);
    if (actual.GetNoParts(static_cast<size_t>(a)) != n) continue;
    for (size_t p = 0; p < n; ++p) {
      Bytes de, da;
      uint64_t me = 0, ma = 0;
      expected.GetPart(static_cast<size_t>(e), p, de, me);
      actual.GetPart(static_cast<size_t>(a), p, da, ma);
      if (de != da || me != ma)
        agctest::ReportFailure(__FILE__, __LINE__,
                               what + ": " + name + " part " + std::to_string(p) + " differs");
    }
  }
}

uint32_t first_cv_of_contigs_part(CArchive& a, size_t part) {
  Bytes d;
  uint64_t raw = 0;
  a.GetPart(static_cast<size_t>(a.GetStreamId("collection-contigs")), part, d, raw);
  Bytes payload = agc::ZstdDecompress(d.data(), d.size(), static_cast<size_t>(raw));
  agc::PayloadReader r(payload.data(), payload.size(), "test");
  return r.ReadCV();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// encodings

TEST(collection_cv_encoding) {
  CHECK_EQ(cv(120029), (Bytes{0xC1, 0x94, 0x5D}));
  CHECK_EQ(cv(0), (Bytes{0x00}));
  CHECK_EQ(cv(127), (Bytes{0x7F}));
  CHECK_EQ(cv(128), (Bytes{0x80, 0x00}));
  CHECK_EQ(cv(16511), (Bytes{0xBF, 0xFF}));
  CHECK_EQ(cv(16512), (Bytes{0xC0, 0x00, 0x00}));
  CHECK_EQ(cv(2113663), (Bytes{0xDF, 0xFF, 0xFF}));
  CHECK_EQ(cv(2113664), (Bytes{0xE0, 0x00, 0x00, 0x00}));
  CHECK_EQ(cv(270549119), (Bytes{0xEF, 0xFF, 0xFF, 0xFF}));
  CHECK_EQ(cv(270549120), (Bytes{0xF0, 0x00, 0x00, 0x00, 0x00}));
  // 0xFFFFFFFF - 270549120 = 0xEFDFBF7F
  CHECK_EQ(cv(0xFFFFFFFFu), (Bytes{0xF0, 0xEF, 0xDF, 0xBF, 0x7F}));
  for (uint32_t x : {0u, 1u, 127u, 128u, 300u, 16511u, 16512u, 65535u, 2113663u, 2113664u,
                     270549119u, 270549120u, 1u << 31, 0xFFFFFFFEu, 0xFFFFFFFFu})
    CHECK_EQ(read_cv(cv(x)), x);
  // The low bits of a 5-byte prefix are ignored.
  CHECK_EQ(read_cv(Bytes{0xFF, 0, 0, 0, 1}), 270549121u);
  // Truncated varints name the context.
  for (Bytes b : {Bytes{}, Bytes{0x80}, Bytes{0xC0, 0}, Bytes{0xE0, 0, 0}, Bytes{0xF0, 0, 0, 0}}) {
    agc::PayloadReader r(b.data(), b.size(), "f.agc: corrupt x part 3");
    std::string e = error_of([&] { r.ReadCV(); });
    CHECK(contains(e, "f.agc: corrupt x part 3 (varint runs past end)"));
  }
}

TEST(collection_cstr_and_counts) {
  Bytes b;
  agc::AppendCStr(b, "ab");
  agc::AppendCStr(b, "");
  CHECK_EQ(b, (Bytes{'a', 'b', 0, 0}));
  agc::PayloadReader r(b.data(), b.size(), "ctx");
  CHECK_EQ(r.ReadCStr(), std::string("ab"));
  CHECK_EQ(r.ReadCStr(), std::string(""));
  CHECK_THROWS_AS(r.ReadCStr(), AgcError);
  Bytes u{'x', 'y'};
  agc::PayloadReader r2(u.data(), u.size(), "ctx");
  CHECK(contains(error_of([&] { r2.ReadCStr(); }), "unterminated"));
  // A count larger than the remaining bytes is refused before anything is allocated.
  Bytes big = cv(1000000);
  big.push_back(0);
  agc::PayloadReader r3(big.data(), big.size(), "ctx");
  CHECK(contains(error_of([&] { r3.ReadCount(1, "sample count"); }), "implausible sample count"));
}

TEST(collection_zigzag_prediction) {
  CHECK_EQ(agc::ZP(16, 60031), uint64_t{120029});
  CHECK_EQ(agc::ZPinv(120029, 60031), uint64_t{16});
  CHECK_EQ(agc::ZP(60031, 60031), uint64_t{0});
  CHECK_EQ(agc::ZP(60032, 60031), uint64_t{2});
  CHECK_EQ(agc::ZP(60030, 60031), uint64_t{1});
  CHECK_EQ(agc::ZP(120062, 60031), uint64_t{120062});  // x >= 2p: as is
  CHECK_EQ(agc::ZP(5, 0), uint64_t{5});
  for (uint64_t p : {0ull, 1ull, 2ull, 7ull, 60031ull, 0xFFFFFFFFull})
    for (uint64_t x = 0; x < 300; ++x) {
      const uint64_t xs[2] = {x, p * 2 + x - (x < 150 ? 0 : 300)};
      for (uint64_t v : xs) CHECK_EQ(agc::ZPinv(agc::ZP(v, p), p), v);
    }
}

TEST(collection_contig_name_split_coding) {
  using V = std::vector<std::string>;
  CHECK_EQ(agc::SplitName(""), V{""});
  CHECK_EQ(agc::SplitName("a  b"), (V{"a", "", "b"}));
  CHECK_EQ(agc::SplitName(" x "), (V{"", "x", ""}));
  CHECK_EQ(agc::ShortContigName("chr1 descr"), std::string("chr1"));
  CHECK_EQ(agc::ShortContigName("chr1\tx y"), std::string("chr1"));
  CHECK_EQ(agc::ShortContigName("chr1\rx"), std::string("chr1"));
  CHECK_EQ(agc::ShortContigName(" x"), std::string(""));

  auto enc = [](const std::string& a, const std::string& b) {
    return agc::EncodeSplit(agc::SplitName(a), agc::SplitName(b));
  };
  auto dec = [](const std::string& a, const std::string& e) {
    V cur = agc::SplitName(e);
    return agc::DecodeSplit(agc::SplitName(a), cur);
  };
  // same component -> 0x81; different length -> verbatim; same length -> runs + literals
  CHECK_EQ(enc("chr1 len=100 x", "chr2 len=100 yy"), std::string("\xFD"
                                                                 "2 \x81 yy"));
  CHECK_EQ(dec("chr1 len=100 x",
               "\xFD"
               "2 \x81 yy"),
           std::string("chr2 len=100 yy"));
  CHECK_EQ(enc("abcd", "abce"), std::string("\xFD"
                                            "e"));
  CHECK_EQ(enc("abcd", "xbcd"), std::string("x\xFD"));
  CHECK_EQ(enc("a b", "a "), std::string("\x81 "));  // empty vs "b": different length
  CHECK_EQ(dec("a b", "\x81 "), std::string("a "));
  CHECK_EQ(enc(" ", " "), std::string("\x81 \x81"));

  // Runs longer than 100 are split: 249 equal bytes then one different.
  std::string p250(250, 'a'), c250(249, 'a');
  c250 += 'b';
  CHECK_EQ(enc(p250, c250), std::string("\x9C\x9C\xCF"
                                        "b"));
  CHECK_EQ(dec(p250,
               "\x9C\x9C\xCF"
               "b"),
           c250);
  std::string c250b = p250;
  c250b[0] = 'z';
  CHECK_EQ(enc(p250, c250b), std::string("z\x9C\x9C\xCF"));  // 249 = 100 + 100 + 49
  CHECK_EQ(dec(p250, "z\x9C\x9C\xCF"), c250b);
  // Exactly 100 and 101 equal bytes.
  CHECK_EQ(enc(std::string(100, 'q') + "1", std::string(100, 'q') + "2"), std::string("\x9C"
                                                                                      "2"));
  CHECK_EQ(enc(std::string(101, 'q') + "1", std::string(101, 'q') + "2"), std::string("\x9C\xFF"
                                                                                      "2"));

  // A run that would pass the end of the previous component is a literal, not an overread.
  CHECK_EQ(dec("ab", "\xFF\xFF\xFF"), std::string("ab\xFF"));
}

// ---------------------------------------------------------------------------------------------
// create-side rules

TEST(collection_registration_and_placement_rules) {
  const std::string path = agctest::TempPath("rules.agc");
  CArchive out(false);
  out.Open(path);
  CCollection_V3 c;
  c.prepare_for_compression(&out, 2, 100, 5);
  CHECK_EQ(out.GetStreamId("collection-samples"), 0);
  CHECK_EQ(out.GetStreamId("collection-contigs"), 1);
  CHECK_EQ(out.GetStreamId("collection-details"), 2);

  c.reset_prev_sample_name();
  CHECK(c.register_sample_contig("s1", "c1 first"));
  CHECK(c.register_sample_contig("s1", "c2"));
  CHECK(c.register_sample_contig("s1", "c1 first"));  // duplicate full name: allowed
  c.reset_prev_sample_name();
  CHECK(!c.register_sample_contig("s1", "c3"));  // s1 exists and is not the previous sample
  CHECK(c.register_sample_contig("", "tig7 some description"));  // -c: short name
  CHECK(c.register_sample_contig("", "tig7 again"));             // consecutive: joins
  CHECK(c.register_sample_contig("", "tig8"));
  CHECK(!c.register_sample_contig("", "tig7 later"));  // repeated, not consecutive
  CHECK_EQ(c.get_no_samples(), size_t{3});
  std::vector<std::string> names;
  c.get_samples_list(names);
  CHECK_EQ(names, (std::vector<std::string>{"s1", "tig7", "tig8"}));

  agc::PlacementBatch b;
  b.sample_names = {"s1", "nope", ""};
  b.contig_names = {"c1 first", "c2", "missing", "tig7 again"};
  auto add = [&](uint32_t s, uint32_t ct, uint32_t place, uint32_t g) {
    b.sample_index.push_back(s);
    b.contig_index.push_back(ct);
    b.place.push_back(place);
    b.group_id.push_back(g);
    b.in_group_id.push_back(g + 1);
    b.raw_length.push_back(g + 2);
    b.rev_comp.push_back(g & 1);
  };
  add(0, 0, 2, 10);  // first "c1 first" grows to 3 segments
  add(0, 2, 0, 11);  // unknown contig: ignored
  add(2, 3, 0, 12);  // empty sample -> short name tig7
  add(0, 1, 0, 13);
  add(1, 0, 0, 14);  // unknown sample: the rest of the batch is abandoned
  add(0, 1, 1, 15);
  c.add_segments_placed(b);

  std::vector<ContigDesc> d;
  REQUIRE(c.get_sample_desc("s1", d));
  REQUIRE(d.size() == 3);
  CHECK_EQ(d[0].segments.size(), size_t{3});
  CHECK_EQ(d[0].segments[0].group_id, ~0u);  // default descriptor
  CHECK_EQ(d[0].segments[2].group_id, 10u);
  CHECK_EQ(d[0].segments[2].in_group_id, 11u);
  CHECK_EQ(d[0].segments[2].raw_length, 12u);
  CHECK_EQ(d[0].segments[2].is_rev_comp, false);
  CHECK_EQ(d[1].segments.size(), size_t{1});  // entry 15 came after the unknown sample
  CHECK_EQ(d[1].segments[0].group_id, 13u);
  CHECK_EQ(d[1].segments[0].is_rev_comp, true);
  CHECK_EQ(d[2].segments.size(), size_t{0});  // the second "c1 first" never gets segments
  REQUIRE(c.get_sample_desc("tig7", d));
  REQUIRE(d.size() == 2);
  CHECK_EQ(d[1].segments.size(), size_t{1});
  CHECK(!c.get_sample_desc("nope", d));

  c.add_segment_placed("", "tig8", 1, 3, 4, true, 5);
  c.add_segment_placed("nope", "x", 0, 0, 0, false, 0);  // unknown sample: nothing
  REQUIRE(c.get_sample_desc("tig8", d));
  CHECK_EQ(d[0].segments.size(), size_t{2});
  CHECK_EQ(d[0].segments[1].raw_length, 5u);

  // Bad ranges and indices throw instead of crashing.
  CHECK_THROWS_AS(c.store_contig_batch(2, 4), AgcError);
  CHECK_THROWS_AS(c.store_contig_batch(2, 1), AgcError);
  agc::PlacementBatch bad = b;
  bad.contig_index[0] = 99;
  CHECK_THROWS_AS(c.add_segments_placed(bad), AgcError);
  bad = b;
  bad.place.pop_back();
  CHECK_THROWS_AS(c.add_segments_placed(bad), AgcError);
  bad = b;
  bad.place[0] = CCollection_V3::kMaxPlace;
  CHECK_THROWS_AS(c.add_segments_placed(bad), AgcError);
  CHECK_THROWS_AS(c.add_segment_placed("s1", "c2", 0xFFFFFFFFu, 0, 0, false, 0), AgcError);

  c.store_contig_batch(0, 2);
  REQUIRE(c.get_sample_desc("s1", d));
  CHECK(d.empty());  // stored samples are freed
  c.store_contig_batch(2, 3);
  c.complete_serialization();
  out.Close();

  // Read back: names, placements and lookups by short name.
  auto in = open_input(path);
  CCollection_V3 r;
  r.prepare_for_decompression(in.get(), 2, 100, 5);
  r.get_samples_list(names);
  CHECK_EQ(names, (std::vector<std::string>{"s1", "tig7", "tig8"}));
  REQUIRE(r.get_sample_desc("s1", d));
  REQUIRE(d.size() == 3);
  CHECK_EQ(d[0].name, std::string("c1 first"));
  CHECK_EQ(d[2].name, std::string("c1 first"));
  CHECK_EQ(d[0].segments.size(), size_t{3});
  CHECK_EQ(d[0].segments[0].group_id, ~0u);
  CHECK_EQ(d[0].segments[0].in_group_id, ~0u);
  CHECK_EQ(d[0].segments[2].in_group_id, 11u);
  CHECK_EQ(d[1].segments[0].is_rev_comp, true);
  std::string contig = "tig7";
  std::vector<SegmentDesc> segs;
  REQUIRE(r.get_contig_desc("tig7", contig, segs));
  CHECK_EQ(contig, std::string("tig7 some description"));
  CHECK(segs.empty());
  REQUIRE(r.get_sample_desc("tig8", d));
  CHECK_EQ(d[0].segments[1].raw_length, 5u);
  CHECK_EQ(r.get_no_contigs("tig7"), int64_t{2});
  CHECK_EQ(r.get_no_contigs("zzz"), int64_t{-1});
  CHECK_THROWS_AS(r.register_sample_contig("a", "b"), AgcError);
}

TEST(collection_in_group_id_coding_round_trip) {
  // Exercise every branch of the in-group-id coding (unset, 0, prev+1, jumps both ways,
  // group ids beyond 2^31) and read the values back.
  const std::string path = agctest::TempPath("igid.agc");
  std::vector<SegmentDesc> segs;
  uint32_t st = 7;
  for (int i = 0; i < 3000; ++i) {
    st = st * 1664525u + 1013904223u;
    SegmentDesc d;
    d.group_id = (st >> 8) % 40;
    if (i % 97 == 0) d.group_id = 0x80000000u + i;
    if (i % 101 == 0) d.group_id = 5000000u + i;
    d.in_group_id = (st >> 3) % 7 == 0 ? 0 : (st >> 12) % 300;
    if (i % 89 == 0) d.in_group_id = 0xFFFFFFF0u;
    d.raw_length = (st >> 5) % 130000;
    d.is_rev_comp = (st >> 20) & 1;
    segs.push_back(d);
  }
  {
    CArchive out(false);
    out.Open(path);
    CCollection_V3 c;
    c.prepare_for_compression(&out, 3, 60000, 31);
    for (int s = 0; s < 3; ++s) CHECK(c.register_sample_contig("s" + std::to_string(s), "c"));
    for (int s = 0; s < 3; ++s)
      for (size_t i = 0; i < segs.size(); ++i) {
        const SegmentDesc& d = segs[(i + s * 1000) % segs.size()];
        c.add_segment_placed("s" + std::to_string(s), "c", static_cast<uint32_t>(i), d.group_id,
                             d.in_group_id, d.is_rev_comp, d.raw_length);
      }
    c.store_contig_batch(0, 3);
    c.complete_serialization();
    out.Close();
  }
  auto in = open_input(path);
  CCollection_V3 r;
  r.prepare_for_decompression(in.get(), 3, 60000, 31);
  for (int s = 0; s < 3; ++s) {
    std::vector<ContigDesc> d;
    REQUIRE(r.get_sample_desc("s" + std::to_string(s), d));
    REQUIRE(d.size() == 1 && d[0].segments.size() == segs.size());
    size_t bad = 0;
    for (size_t i = 0; i < segs.size(); ++i) {
      const SegmentDesc& e = segs[(i + s * 1000) % segs.size()];
      const SegmentDesc& a = d[0].segments[i];
      bad += a.group_id != e.group_id || a.in_group_id != e.in_group_id ||
             a.raw_length != e.raw_length || a.is_rev_comp != e.is_rev_comp;
    }
    CHECK_EQ(bad, size_t{0});
  }
}

TEST(collection_concat_repeated_last_batch) {
  // -c mode with #contigs a multiple of P stores the last range twice; the second copy lists
  // the samples with no contigs (docs/format.md 7.7). Readers use part i/P and ignore it.
  const std::string path = agctest::TempPath("dup.agc");
  {
    CArchive out(false);
    out.Open(path);
    CCollection_V3 c;
    c.prepare_for_compression(&out, 2, 100, 5);
    for (int i = 0; i < 4; ++i) {
      CHECK(c.register_sample_contig("", "t" + std::to_string(i) + " d"));
      c.add_segment_placed("", "t" + std::to_string(i) + " d", 0, 16 + i, 0, false, 50 + i);
      if (i % 2 == 1) c.store_contig_batch(i - 1, i + 1);
    }
    c.store_contig_batch(2, 4);
    c.complete_serialization();
    out.Close();
  }
  auto in = open_input(path);
  CHECK_EQ(in->GetNoParts(static_cast<size_t>(in->GetStreamId("collection-contigs"))), size_t{3});
  CHECK_EQ(first_cv_of_contigs_part(*in, 2), 2u);
  CCollection_V3 r;
  r.prepare_for_decompression(in.get(), 2, 100, 5);
  std::vector<ContigDesc> d;
  REQUIRE(r.get_sample_desc("t3", d));
  REQUIRE(d.size() == 1);
  CHECK_EQ(d[0].name, std::string("t3 d"));
  CHECK_EQ(d[0].segments.size(), size_t{1});
  CHECK_EQ(d[0].segments[0].raw_length, 53u);

  // Appending to it drops the repeated part and copies the two full batches.
  const std::string path2 = agctest::TempPath("dup2.agc");
  {
    CArchive out(false);
    out.Open(path2);
    CCollection_V3 a;
    a.prepare_for_append(in.get(), &out, 2, 100, 5);
    CHECK_EQ(a.get_no_samples(), size_t{4});
    CHECK(a.register_sample_contig("", "t4"));
    a.add_segment_placed("", "t4", 0, 20, 0, true, 54);
    a.store_contig_batch(4, 5);
    a.complete_serialization();
    out.Close();
  }
  auto in2 = open_input(path2);
  CHECK_EQ(in2->GetNoParts(static_cast<size_t>(in2->GetStreamId("collection-contigs"))), size_t{3});
  CCollection_V3 r2;
  r2.prepare_for_decompression(in2.get(), 2, 100, 5);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(r2.get_sample_desc("t" + std::to_string(i), d));
    REQUIRE(d.size() == 1);
    REQUIRE(d[0].segments.size() == 1);
    CHECK_EQ(d[0].segments[0].raw_length, 50u + i);
  }
}

// ---------------------------------------------------------------------------------------------
// robustness

TEST(collection_corrupt_parts_give_clear_errors) {
  const std::string gold = SharedPath("golden/mers-46-append/archive.agc");
  auto src = open_input(gold);
  const Params prm = read_params(*src);
  const int cid = src->GetStreamId("collection-contigs");
  const int did = src->GetStreamId("collection-details");
  Bytes names_packed, details;
  uint64_t names_raw = 0, meta = 0;
  src->GetPart(static_cast<size_t>(cid), 1, names_packed, names_raw);
  src->GetPart(static_cast<size_t>(did), 1, details, meta);
  Bytes names = agc::ZstdDecompress(names_packed.data(), names_packed.size(), names_raw);
  auto batch = CCollection_V3::DecodeContigNames(names.data(), names.size(), "ctx");
  CHECK_EQ(batch.size(), size_t{prm.P});
  CCollection_V3::DecodeContigDetails(details.data(), details.size(), prm.S, prm.k, "ctx", batch);

  // Every truncation of both payloads fails with an AgcError (or decodes a prefix cleanly).
  size_t errors = 0;
  for (size_t n = 0; n < names.size(); ++n) {
    try {
      CCollection_V3::DecodeContigNames(names.data(), n, "ctx");
    } catch (const AgcError& e) {
      ++errors;
      CHECK(contains(e.what(), "ctx ("));
    }
  }
  CHECK(errors > names.size() / 2);
  for (size_t n = 0; n < details.size(); ++n) {
    auto b = batch;
    CHECK_THROWS_AS(CCollection_V3::DecodeContigDetails(details.data(), n, prm.S, prm.k, "ctx", b),
                    AgcError);
  }
  // Random byte flips: never a crash, only AgcError.
  uint32_t st = 99;
  for (int i = 0; i < 3000; ++i) {
    Bytes n2 = names, d2 = details;
    for (int f = 0; f < 1 + i % 4; ++f) {
      st = st * 1664525u + 1013904223u;
      if (i & 1)
        n2[(st >> 8) % n2.size()] ^= static_cast<uint8_t>(1u << (st % 8));
      else
        d2[(st >> 8) % d2.size()] ^= static_cast<uint8_t>(1u << (st % 8));
    }
    try {
      auto b = CCollection_V3::DecodeContigNames(n2.data(), n2.size(), "ctx");
      CCollection_V3::DecodeContigDetails(d2.data(), d2.size(), prm.S, prm.k, "ctx", b);
    } catch (const AgcError&) {
    }
  }
  // Byte flips inside the decompressed streams S0..S4 (re-packed into a valid part), so the
  // varint decoders and count checks see the damage rather than zstd.
  {
    agc::PayloadReader hdr(details.data(), details.size(), "hdr");
    uint32_t raw_len[5], packed_len[5];
    for (int i = 0; i < 5; ++i) raw_len[i] = hdr.ReadCV(), packed_len[i] = hdr.ReadCV();
    Bytes streams[5];
    for (int i = 0; i < 5; ++i) {
      const uint8_t* f = hdr.Take(packed_len[i]);
      streams[i] = agc::ZstdDecompress(f, packed_len[i], raw_len[i]);
    }
    size_t clean = 0, failed = 0;
    for (int i = 0; i < 600; ++i) {
      Bytes s[5];
      for (int j = 0; j < 5; ++j) s[j] = streams[j];
      st = st * 1664525u + 1013904223u;
      Bytes& victim = s[st % 5];
      if (victim.empty()) continue;
      if (i % 3 == 0)
        victim.resize((st >> 8) % victim.size());
      else
        victim[(st >> 8) % victim.size()] ^= static_cast<uint8_t>(1u << ((st >> 4) % 8));
      Bytes part;
      Bytes packed[5];
      for (int j = 0; j < 5; ++j) {
        packed[j] = agc::ZstdCompress(s[j].data(), s[j].size(), 1);
        agc::AppendCV(part, static_cast<uint32_t>(s[j].size()));
        agc::AppendCV(part, static_cast<uint32_t>(packed[j].size()));
      }
      for (int j = 0; j < 5; ++j) part.insert(part.end(), packed[j].begin(), packed[j].end());
      auto b = batch;
      try {
        CCollection_V3::DecodeContigDetails(part.data(), part.size(), prm.S, prm.k, "ctx", b);
        ++clean;
      } catch (const AgcError& e) {
        ++failed;
        CHECK(contains(e.what(), "ctx"));
      }
    }
    CHECK(failed > 50);
    CHECK(clean > 0);  // e.g. a flipped rev-comp or group id still decodes
  }

  // Details that disagree with the names (sample count).
  auto fewer = batch;
  fewer.pop_back();
  CHECK(contains(error_of([&] {
                   CCollection_V3::DecodeContigDetails(details.data(), details.size(), prm.S, prm.k,
                                                       "ctx", fewer);
                 }),
                 "samples"));

  // End to end: an archive whose details part is garbage names the file and the part.
  const std::string path = agctest::TempPath("corrupt.agc");
  {
    CArchive out(false);
    out.Open(path);
    CCollection_V3 c;
    c.prepare_for_compression(&out, 50, 100, 5);
    CHECK(c.register_sample_contig("s", "c"));
    c.complete_serialization();
    Bytes raw_names;
    agc::AppendCV(raw_names, 1);
    agc::AppendCV(raw_names, 1);
    agc::AppendCStr(raw_names, "c");
    Bytes z = agc::ZstdCompress(raw_names.data(), raw_names.size(), 18);
    out.AddPart(1, z, raw_names.size());
    out.AddPart(2, Bytes{0x05, 0x80}, 0);
    out.Close();
  }
  auto in = open_input(path);
  CCollection_V3 r;
  r.prepare_for_decompression(in.get(), 50, 100, 5);
  std::vector<std::string> contigs;
  CHECK(r.get_contig_list_in_sample("s", contigs));  // names alone are fine
  CHECK_EQ(contigs, std::vector<std::string>{"c"});
  std::vector<ContigDesc> d;
  std::string e = error_of([&] { r.get_sample_desc("s", d); });
  CHECK(contains(e, path + ": corrupt collection-details part 0 (varint runs past end)"));

  // A closed archive is reported, not used.
  in->Close();
  CCollection_V3 r2;
  CHECK(contains(error_of([&] { r2.prepare_for_decompression(in.get(), 50, 100, 5); }), "closed"));
  CHECK(contains(error_of([&] { r.get_sample_desc("s", d); }), "closed"));
}

// ---------------------------------------------------------------------------------------------
// golden acceptance

TEST(collection_golden_read_and_rebuild_byte_identical) {
  const std::vector<GoldenCase> cases = golden_cases();
  REQUIRE(cases.size() >= 10);
  for (const GoldenCase& gc : cases) {
    const std::string file = SharedPath("golden/" + gc.archive);
    auto in = open_input(file);
    const Params prm = read_params(*in);
    CCollection_V3 coll;
    coll.prepare_for_decompression(in.get(), prm.P, prm.S, prm.k);
    std::vector<std::string> samples, sorted;
    coll.get_samples_list(samples);
    coll.get_samples_list(sorted, true);
    CHECK_EQ(samples.size(), gc.samples);
    std::string listset, listctg;
    for (const std::string& s : sorted) listset += s + "\n";
    CHECK_EQ(listset, read_text("golden/" + gc.id + "/listset.txt"));
    std::string ref;
    REQUIRE(coll.get_reference_name(ref));
    CHECK_EQ(ref, read_text("golden/" + gc.id + "/listref.txt"));

    // Placements of every sample (visited in sorted order, so the batch cache is exercised).
    std::vector<std::vector<ContigDesc>> descs(samples.size());
    for (const std::string& s : sorted) {
      std::vector<std::string> names;
      REQUIRE(coll.get_contig_list_in_sample(s, names));
      listctg += s + "\n";
      for (const std::string& n : names) listctg += "   " + n + "\n";
      const size_t id = static_cast<size_t>(coll.get_sample_id(s));
      REQUIRE(coll.get_sample_desc(s, descs[id]));
      CHECK_EQ(descs[id].size(), names.size());
      for (const ContigDesc& c : descs[id]) {
        CHECK(!c.segments.empty());
        for (const SegmentDesc& d : c.segments) CHECK(d.raw_length > 0);
      }
    }
    CHECK_EQ(listctg, read_text("golden/" + gc.id + "/listctg.txt"));

    // Rebuild the collection streams batch by batch, with the boundaries the archive has.
    const bool concatenated = contains(gc.id, "concat");
    const std::string out_path = agctest::TempPath(gc.id + ".agc");
    {
      CArchive out(false);
      out.Open(out_path);
      CCollection_V3 w;
      w.prepare_for_compression(&out, prm.P, prm.S, prm.k);
      const size_t n_parts =
          in->GetNoParts(static_cast<size_t>(in->GetStreamId("collection-contigs")));
      size_t from = 0;
      for (size_t b = 0; b < n_parts; ++b) {
        const size_t n = first_cv_of_contigs_part(*in, b);
        if (from + n > samples.size() || (from == samples.size() && n > 0)) {
          w.store_contig_batch(static_cast<uint32_t>(from - n), static_cast<uint32_t>(from));
          continue;
        }
        w.reset_prev_sample_name();
        for (size_t i = from; i < from + n; ++i) add_sample(w, samples[i], descs[i], concatenated);
        w.store_contig_batch(static_cast<uint32_t>(from), static_cast<uint32_t>(from + n));
        out.FlushOutBuffers();
        from += n;
      }
      CHECK_EQ(from, samples.size());
      w.complete_serialization();
      out.Close();
    }
    auto rebuilt = open_input(out_path);
    check_same_collection_streams(*in, *rebuilt, gc.id);
  }
}

TEST(collection_golden_append_byte_identical) {
  size_t checked = 0;
  for (const GoldenCase& gc : golden_cases()) {
    const std::string base_path = SharedPath("golden/" + gc.id + "/base.agc");
    if (!agctest::FileExists(base_path)) continue;
    auto final_in = open_input(SharedPath("golden/" + gc.archive));
    const Params prm = read_params(*final_in);
    CCollection_V3 fin;
    fin.prepare_for_decompression(final_in.get(), prm.P, prm.S, prm.k);
    std::vector<std::string> samples;
    fin.get_samples_list(samples);

    auto base = open_input(base_path);
    const std::string out_path = agctest::TempPath(gc.id + "-append.agc");
    {
      CArchive out(false);
      out.Open(out_path);
      CCollection_V3 a;
      a.prepare_for_append(base.get(), &out, prm.P, prm.S, prm.k);
      size_t processed = a.get_no_samples();
      REQUIRE(processed < samples.size());
      std::vector<std::string> old;
      a.get_samples_list(old);
      CHECK(std::equal(old.begin(), old.end(), samples.begin()));
      // A sample of the input archive cannot be added again.
      a.reset_prev_sample_name();
      CHECK(!a.register_sample_contig(samples[0], "x"));
      // Samples of copied batches stay readable from the input.
      std::vector<ContigDesc> d0, f0;
      CHECK(a.get_sample_desc(samples[0], d0));
      CHECK(fin.get_sample_desc(samples[0], f0));
      CHECK_EQ(d0.size(), f0.size());
      for (size_t i = processed; i < samples.size(); ++i) {
        std::vector<ContigDesc> d;
        REQUIRE(fin.get_sample_desc(samples[i], d));
        a.reset_prev_sample_name();
        add_sample(a, samples[i], d, false);
        ++processed;
        if (processed % prm.P == 0)
          a.store_contig_batch(static_cast<uint32_t>(processed - prm.P),
                               static_cast<uint32_t>(processed));
        out.FlushOutBuffers();
      }
      if (processed % prm.P != 0)
        a.store_contig_batch(static_cast<uint32_t>(processed / prm.P * prm.P),
                             static_cast<uint32_t>(processed));
      a.complete_serialization();
      out.Close();
    }
    auto rebuilt = open_input(out_path);
    check_same_collection_streams(*final_in, *rebuilt, gc.id + " (append)");
    ++checked;
  }
  CHECK(checked >= 4);
}

TEST(collection_batch_cache_random_access) {
  // 46 samples in batches of 8: random access with names-only and full lookups mixed must give
  // the same answers as a sequential pass (cache hits, upgrades to details, evictions).
  auto in = open_input(SharedPath("golden/mers-46-append/archive.agc"));
  const Params prm = read_params(*in);
  REQUIRE(prm.P == 8);
  CCollection_V3 seq, rnd;
  seq.prepare_for_decompression(in.get(), prm.P, prm.S, prm.k);
  rnd.prepare_for_decompression(in.get(), prm.P, prm.S, prm.k);
  std::vector<std::string> samples;
  seq.get_samples_list(samples);
  REQUIRE(samples.size() == 46);
  std::vector<std::vector<ContigDesc>> expected(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) REQUIRE(seq.get_sample_desc(samples[i], expected[i]));
  uint32_t st = 5;
  size_t mismatches = 0;
  for (int i = 0; i < 400; ++i) {
    st = st * 1664525u + 1013904223u;
    const size_t id = (st >> 8) % samples.size();
    if ((st >> 20) & 1) {
      std::vector<std::string> names;
      REQUIRE(rnd.get_contig_list_in_sample(samples[id], names));
      mismatches += names.size() != expected[id].size() || names[0] != expected[id][0].name;
    } else {
      std::vector<ContigDesc> d;
      REQUIRE(rnd.get_sample_desc(samples[id], d));
      bool same = d.size() == expected[id].size();
      for (size_t c = 0; same && c < d.size(); ++c) {
        same = d[c].name == expected[id][c].name &&
               d[c].segments.size() == expected[id][c].segments.size();
        for (size_t s = 0; same && s < d[c].segments.size(); ++s) {
          const SegmentDesc& a = d[c].segments[s];
          const SegmentDesc& e = expected[id][c].segments[s];
          same = a.group_id == e.group_id && a.in_group_id == e.in_group_id &&
                 a.raw_length == e.raw_length && a.is_rev_comp == e.is_rev_comp;
        }
      }
      mismatches += !same;
    }
  }
  CHECK_EQ(mismatches, size_t{0});
}

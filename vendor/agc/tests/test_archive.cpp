// Container layer (docs/format.md section 1) and zstd helpers (5.9).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#ifndef _WIN32
#include <sys/stat.h>
#endif

#include "agc/archive.h"
#include "agc/zstd_util.h"
#include "test_framework.h"

using agc::AgcError;
using agc::CArchive;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes varint(uint64_t x) {
  Bytes out;
  CArchive::WriteVarint(out, x);
  return out;
}

// Archive paths listed in golden/MANIFEST.json (cases[].archive). The manifest is plain JSON
// written by a script; scanning for the key is enough and keeps the tests dependency-free.
std::vector<std::string> golden_archives() {
  Bytes raw = agctest::ReadFile(SharedPath("golden/MANIFEST.json"));
  std::string json(raw.begin(), raw.end());
  std::vector<std::string> out;
  const std::string key = "\"archive\"";
  for (size_t p = json.find(key); p != std::string::npos; p = json.find(key, p + 1)) {
    size_t colon = json.find(':', p + key.size());
    size_t q1 = json.find('"', colon + 1);
    size_t q2 = json.find('"', q1 + 1);
    if (colon == std::string::npos || q1 == std::string::npos || q2 == std::string::npos) break;
    out.push_back(json.substr(q1 + 1, q2 - q1 - 1));
  }
  return out;
}

struct PartRef {
  size_t stream, part;
  uint64_t offset;
};

// Reads everything and writes it back in file order; returns the output path.
std::string rewrite_in_file_order(const std::string& in_path, const std::string& stem) {
  CArchive in(true);
  in.Open(in_path);
  std::string out_path = agctest::TempPath(stem);
  CArchive out(false);
  out.Open(out_path);
  std::vector<PartRef> parts;
  for (size_t s = 0; s < in.GetNoStreams(); ++s) {
    CHECK_EQ(out.RegisterStream(in.GetStreamName(s)), static_cast<int>(s));
    for (size_t p = 0; p < in.GetNoParts(s); ++p) parts.push_back({s, p, in.GetPartOffset(s, p)});
  }
  std::sort(parts.begin(), parts.end(),
            [](const PartRef& a, const PartRef& b) { return a.offset < b.offset; });
  Bytes data;
  uint64_t meta = 0;
  for (const PartRef& r : parts) {
    in.GetPart(r.stream, r.part, data, meta);
    CHECK_EQ(out.GetPosition(), r.offset);
    CHECK_EQ(out.AddPart(r.stream, data, meta), r.part);
  }
  out.Close();
  return out_path;
}

// Opens and reads every part; returns true when opening succeeded. Any failure must be an
// AgcError naming the file (anything else propagates and fails the test).
bool open_and_read_all(const std::string& path, size_t& read_errors) {
  CArchive a(true);
  try {
    a.Open(path);
  } catch (const AgcError& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
    return false;
  }
  Bytes data;
  uint64_t meta = 0;
  for (size_t s = 0; s < a.GetNoStreams(); ++s)
    for (size_t p = 0; p < a.GetNoParts(s); ++p) {
      try {
        a.GetPart(s, p, data, meta);
        CHECK_EQ(static_cast<uint64_t>(data.size()), a.GetPartSize(s, p));
      } catch (const AgcError& e) {
        CHECK(std::string(e.what()).find(path) != std::string::npos);
        ++read_errors;
      }
    }
  return true;
}

std::string open_error(const std::string& path) {
  CArchive a(true);
  try {
    a.Open(path);
  } catch (const AgcError& e) {
    CHECK(!a.IsOpen());
    return e.what();
  }
  return "";
}

// The kind of the error Open throws (kInternal when it does not throw).
agc::ErrorKind open_error_kind(const std::string& path) {
  CArchive a(true);
  try {
    a.Open(path);
  } catch (const AgcError& e) {
    return e.kind();
  }
  return agc::ErrorKind::kInternal;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

void put_u64le(Bytes& b, uint64_t x) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(x >> (8 * i)));
}

// A file made of `data` followed by `footer` and its correct trailer.
std::string make_file(const std::string& stem, const Bytes& data, const Bytes& footer) {
  Bytes b = data;
  b.insert(b.end(), footer.begin(), footer.end());
  put_u64le(b, footer.size());
  std::string p = agctest::TempPath(stem);
  agctest::WriteFile(p, b);
  return p;
}

}  // namespace

// ---- varints -----------------------------------------------------------------------------------

TEST(archive_varint_encodings) {
  CHECK_EQ(varint(0), (Bytes{0x00}));
  CHECK_EQ(varint(1), (Bytes{0x01, 0x01}));
  CHECK_EQ(varint(0x284), (Bytes{0x02, 0x02, 0x84}));
  CHECK_EQ(varint(60000), (Bytes{0x02, 0xEA, 0x60}));
  CHECK_EQ(varint(255), (Bytes{0x01, 0xFF}));
  CHECK_EQ(varint(256), (Bytes{0x02, 0x01, 0x00}));
  CHECK_EQ(varint(0xFFFFFFFFFFFFFFFFULL),
           (Bytes{0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
  CHECK_EQ(varint(0x0100000000000000ULL),
           (Bytes{0x08, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST(archive_varint_read) {
  for (uint64_t x : {0ULL, 1ULL, 0x284ULL, 60000ULL, 0xFFFFFFFFULL, 0x123456789ABCDEFULL,
                     0xFFFFFFFFFFFFFFFFULL}) {
    Bytes b = varint(x);
    const uint8_t* p = b.data();
    CHECK_EQ(CArchive::ReadVarint(p, b.data() + b.size()), x);
    CHECK(p == b.data() + b.size());
  }
  // Non-minimal encodings are accepted on read.
  Bytes padded{0x03, 0x00, 0x00, 0x07};
  const uint8_t* p = padded.data();
  CHECK_EQ(CArchive::ReadVarint(p, padded.data() + padded.size()), 7u);

  Bytes bad_count{0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  p = bad_count.data();
  CHECK_THROWS_AS(CArchive::ReadVarint(p, bad_count.data() + bad_count.size()), AgcError);
  Bytes short_value{0x02, 0x01};
  p = short_value.data();
  CHECK_THROWS_AS(CArchive::ReadVarint(p, short_value.data() + short_value.size()), AgcError);
  p = short_value.data();
  CHECK_THROWS_AS(CArchive::ReadVarint(p, p), AgcError);
}

// ---- writing -----------------------------------------------------------------------------------

TEST(archive_footer_bytes_of_handmade_archive) {
  std::string path = agctest::TempPath("handmade.agc");
  {
    CArchive a(false);
    a.Open(path);
    CHECK_EQ(a.RegisterStream("ab"), 0);
    CHECK_EQ(a.RegisterStream("c"), 1);
    CHECK_EQ(a.RegisterStream("empty"), 2);
    CHECK_EQ(a.RegisterStream("ab"), 0);  // already known
    CHECK_EQ(a.AddPart(1, Bytes{0xAA}, 1), 0u);
    CHECK_EQ(a.AddPart(0, Bytes{}, 0), 0u);
    CHECK_EQ(a.AddPart(0, Bytes(300, 0x55), 60000), 1u);
    CHECK_EQ(a.GetPosition(), 3u + 1u + 303u);
    a.Close();
  }
  Bytes expected{0x01, 0x01, 0xAA,                               // c/0: AV(1) data
                 0x00,                                           // ab/0: AV(0), no data
                 0x02, 0xEA, 0x60};                              // ab/1: AV(60000) ...
  expected.insert(expected.end(), 300, 0x55);                    // ab/1
  Bytes footer{0x01, 0x03,                                       // 3 streams
               'a',  'b',  0x00, 0x01, 0x02, 0x00,               // "ab", 2 parts, raw_size 0
               0x01, 0x03, 0x00,                                 //   offset 3, size 0
               0x01, 0x04, 0x02, 0x01, 0x2C,                     //   offset 4, size 300
               'c',  0x00, 0x01, 0x01, 0x00,                     // "c", 1 part, raw_size 0
               0x00, 0x01, 0x01,                                 //   offset 0, size 1
               'e',  'm',  'p',  't',  'y',  0x00, 0x00, 0x00};  // "empty", no parts
  expected.insert(expected.end(), footer.begin(), footer.end());
  put_u64le(expected, footer.size());
  CHECK_EQ(agctest::ReadFile(path), expected);

  CArchive r(true);
  r.Open(path);
  CHECK_EQ(r.GetNoStreams(), 3u);
  CHECK_EQ(r.GetStreamName(2), std::string("empty"));
  CHECK_EQ(r.GetNoParts(2), 0u);
  CHECK_EQ(r.GetFileSize(), static_cast<uint64_t>(expected.size()));
  CHECK_EQ(r.GetPartOffset(0, 1), 4u);
  CHECK_EQ(r.GetPartSize(0, 1), 300u);
  Bytes data;
  uint64_t meta = 99;
  r.GetPart(0, 1, data, meta);
  CHECK_EQ(meta, 60000u);
  CHECK_EQ(data, Bytes(300, 0x55));
  r.GetPart(1, 0, data, meta);
  CHECK_EQ(meta, 1u);
  CHECK_EQ(data, Bytes{0xAA});
}

TEST(archive_empty_archive) {
  std::string path = agctest::TempPath("nothing.agc");
  {
    CArchive a(false);
    a.Open(path);
    a.Close();
  }
  Bytes expected{0x00, 1, 0, 0, 0, 0, 0, 0, 0};
  CHECK_EQ(agctest::ReadFile(path), expected);
  CArchive r(true);
  r.Open(path);
  CHECK_EQ(r.GetNoStreams(), 0u);
  CHECK_EQ(r.GetStreamId("x"), -1);
}

TEST(archive_round_trip_buffered_and_direct) {
  std::string path = agctest::TempPath("mixed.agc");
  std::vector<uint64_t> expect_offsets;
  {
    CArchive a(false);
    a.Open(path);
    int s0 = a.RegisterStream("zero");
    int s1 = a.RegisterStream("one");
    int s2 = a.RegisterStream("two");
    // Buffered parts are queued in a scrambled order; the flush writes stream 0, 1, 2 with
    // each stream's parts in FIFO order.
    a.AddPartBuffered(s2, Bytes{2, 0}, 20);
    a.AddPartBuffered(s0, Bytes{0, 0}, 0);
    a.AddPartBuffered(s2, Bytes{2, 1}, 21);
    a.AddPartBuffered(s1, Bytes{}, 7);  // empty part: metadata written but never read back
    a.AddPartBuffered(s0, Bytes{0, 1, 1}, 0xFFFFFFFFFFFFFFFFULL);
    CHECK_EQ(a.GetPosition(), 0u);
    // A direct part goes out at once, before everything still buffered.
    CHECK_EQ(a.AddPart(s1, Bytes{1, 9, 9, 9}, 300), 0u);
    CHECK_EQ(a.GetPosition(), 7u);
    CHECK_EQ(a.GetNoParts(s0), 0u);  // buffered parts have no index yet
    a.FlushOutBuffers();
    CHECK_EQ(a.GetNoParts(s0), 2u);
    CHECK_EQ(a.GetNoParts(s1), 2u);
    CHECK_EQ(a.GetNoParts(s2), 2u);
    // Buffered after the flush: written by Close().
    a.AddPartBuffered(s0, Bytes{0, 2}, 5);
    a.Close();
    a.Close();  // idempotent
    CHECK(!a.IsOpen());
    CHECK_THROWS_AS(a.AddPart(s0, Bytes{1}, 0), AgcError);
    CHECK_THROWS_AS(a.RegisterStream("late"), AgcError);
  }
  Bytes file = agctest::ReadFile(path);
  Bytes expected_data{0x02, 0x01, 0x2C, 1,    9,    9,    9,  // one/0 direct
                      0x00, 0,    0,                          // zero/0
                      0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 1,  // zero/1
                      0x01, 0x07,            // one/1 (empty)
                      0x01, 20,   2,    0,   // two/0
                      0x01, 21,   2,    1,   // two/1
                      0x01, 5,    0,    2};  // zero/2 at close
  REQUIRE(file.size() > expected_data.size());
  CHECK_EQ(Bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(expected_data.size())),
           expected_data);

  CArchive r(true);
  r.Open(path);
  CHECK_EQ(r.GetStreamId("zero"), 0);
  CHECK_EQ(r.GetStreamId("two"), 2);
  CHECK_EQ(r.GetStreamId("three"), -1);
  Bytes data;
  uint64_t meta = 0;
  r.GetPart(0, 1, data, meta);
  CHECK_EQ(meta, 0xFFFFFFFFFFFFFFFFULL);
  CHECK_EQ(data, (Bytes{0, 1, 1}));
  r.GetPart(0, 2, data, meta);
  CHECK_EQ(meta, 5u);
  CHECK_EQ(data, (Bytes{0, 2}));
  meta = 123;
  r.GetPart(1, 1, data, meta);  // empty: metadata 0, as upstream
  CHECK_EQ(meta, 0u);
  CHECK(data.empty());
  CHECK_EQ(r.GetPartOffset(1, 1), 22u);
  r.GetPart(2, 1, data, meta);
  CHECK_EQ(meta, 21u);
  CHECK_EQ(data, (Bytes{2, 1}));
  // Into caller memory: the same bytes and metadata; a short buffer or a bad id reads nothing.
  {
    uint8_t buf[8] = {7, 7, 7, 7, 7, 7, 7, 7};
    meta = 0;
    CHECK_EQ(r.ReadPartInto(0, 1, buf, sizeof buf, meta), 3u);
    CHECK_EQ(meta, 0xFFFFFFFFFFFFFFFFULL);
    CHECK_EQ(Bytes(buf, buf + 4), (Bytes{0, 1, 1, 7}));
    CHECK_EQ(r.ReadPartInto(1, 1, nullptr, 0, meta), 0u);  // empty part
    CHECK_EQ(meta, 0u);
    CHECK_EQ(r.ReadPartInto(1, 0, buf, 4, meta), 4u);
    CHECK_EQ(meta, 300u);
    CHECK_EQ(Bytes(buf, buf + 4), (Bytes{1, 9, 9, 9}));
    buf[0] = 42;
    try {
      r.ReadPartInto(1, 0, buf, 3, meta);
      CHECK(false);
    } catch (const AgcError& e) {
      CHECK(e.kind() == agc::ErrorKind::kInput);
    }
    CHECK_EQ(buf[0], 42);
    CHECK_THROWS_AS(r.ReadPartInto(1, 0, nullptr, 4, meta), AgcError);
    CHECK_THROWS_AS(r.ReadPartInto(3, 0, buf, sizeof buf, meta), AgcError);
    CHECK_THROWS_AS(r.ReadPartInto(2, 2, buf, sizeof buf, meta), AgcError);
    // the file position after a buffer read does not disturb the next GetPart
    r.GetPart(2, 1, data, meta);
    CHECK_EQ(data, (Bytes{2, 1}));
  }
  CHECK_THROWS_AS(r.GetPart(3, 0, data, meta), AgcError);
  CHECK_THROWS_AS(r.GetPart(2, 2, data, meta), AgcError);
  CHECK_THROWS_AS(r.GetPartSize(0, 3), AgcError);
  CHECK_THROWS_AS(r.GetStreamName(3), AgcError);
  // Mode misuse.
  CHECK_THROWS_AS(r.AddPart(0, Bytes{1}, 0), AgcError);
  CHECK_THROWS_AS(r.AddPartBuffered(0, Bytes{1}, 0), AgcError);
  CHECK_THROWS_AS(r.RegisterStream("x"), AgcError);
  CHECK_THROWS_AS(r.FlushOutBuffers(), AgcError);
  r.Close();
  r.Close();
  CHECK_THROWS_AS(r.GetPart(0, 0, data, meta), AgcError);
  uint8_t after_close[4];
  CHECK_THROWS_AS(r.ReadPartInto(0, 0, after_close, 4, meta), AgcError);
}

TEST(archive_destructor_writes_footer) {
  std::string path = agctest::TempPath("dtor.agc");
  {
    CArchive a(false);
    a.Open(path);
    int s = a.RegisterStream("s");
    a.AddPartBuffered(s, Bytes{1, 2, 3}, 3);
  }  // no Close(): the destructor must still finish the archive
  CArchive r(true);
  r.Open(path);
  REQUIRE(r.GetNoStreams() == 1u);
  REQUIRE(r.GetNoParts(0) == 1u);
  Bytes data;
  uint64_t meta = 0;
  r.GetPart(0, 0, data, meta);
  CHECK_EQ(meta, 3u);
  CHECK_EQ(data, (Bytes{1, 2, 3}));
}

TEST(archive_write_misuse) {
  std::string path = agctest::TempPath("misuse.agc");
  CArchive a(false);
  CHECK_THROWS_AS(a.RegisterStream("before open"), AgcError);
  a.Open(path);
  CHECK_THROWS_AS(a.RegisterStream(std::string("nul\0inside", 10)), AgcError);
  CHECK_THROWS_AS(a.AddPart(0, Bytes{1}, 0), AgcError);  // no such stream
  CHECK_THROWS_AS(a.AddPartBuffered(5, Bytes{1}, 0), AgcError);
  Bytes data;
  uint64_t meta = 0;
  CHECK_THROWS_AS(a.GetPart(0, 0, data, meta), AgcError);
  try {
    a.AddPart(0, Bytes{1}, 0);
  } catch (const AgcError& e) {
    CHECK(contains(e.what(), path));
  }
  a.Close();
}

TEST(archive_write_errors_name_the_file) {
  CArchive a(false);
  std::string dir_path = agctest::TempPath("no-such-dir") + "/x.agc";
  try {
    a.Open(dir_path);
    CHECK(false);
  } catch (const AgcError& e) {
    CHECK(contains(e.what(), dir_path));
    CHECK(contains(e.what(), "cannot create"));
  }
#ifdef __linux__
  // /dev/full fails every write with ENOSPC: the error must surface, name the file, and the
  // archive must end up closed (Close() after the error does not throw again).
  if (agctest::FileExists("/dev/full")) {
    CArchive f(false);
    f.Open("/dev/full");
    int s = f.RegisterStream("s");
    bool thrown = false;
    try {
      for (int i = 0; i < 64; ++i) f.AddPart(static_cast<size_t>(s), Bytes(1 << 20, 1), 0);
      f.Close();
    } catch (const AgcError& e) {
      thrown = true;
      CHECK(contains(e.what(), "/dev/full"));
    }
    CHECK(thrown);
    CHECK_NOTHROW(f.Close());
    CHECK(!f.IsOpen());

    // Small writes stay in the stdio buffer: the error shows up when Close() flushes.
    CArchive g(false);
    g.Open("/dev/full");
    g.AddPart(static_cast<size_t>(g.RegisterStream("s")), Bytes{1, 2, 3}, 0);
    thrown = false;
    try {
      g.Close();
    } catch (const AgcError& e) {
      thrown = true;
      CHECK(contains(e.what(), "/dev/full"));
    }
    CHECK(thrown);
    CHECK(!g.IsOpen());
    CHECK_NOTHROW(g.Close());
  }
#endif
}

// ---- reading bad files -------------------------------------------------------------------------

TEST(archive_open_errors) {
  std::string missing = agctest::TempPath("missing.agc");
  std::string e = open_error(missing);
  CHECK(contains(e, missing));
  CHECK(contains(e, "cannot open"));

  std::string empty = agctest::TempPath("empty.agc");
  agctest::WriteFile(empty, {});
  e = open_error(empty);
  CHECK(contains(e, empty + ": not an AGC archive (empty file)"));

  std::string tiny = agctest::TempPath("tiny.agc");
  agctest::WriteFile(tiny, {1, 2, 3, 4, 5, 6, 7});
  e = open_error(tiny);
  CHECK(contains(e, tiny + ": not an AGC archive (file too small: 7 bytes)"));

  // 100 bytes whose trailer claims a 123456-byte footer.
  std::string big = agctest::TempPath("bigfooter.agc");
  Bytes b(92, 0);
  put_u64le(b, 123456);
  agctest::WriteFile(big, b);
  e = open_error(big);
  CHECK(contains(e, big + ": not an AGC archive (footer length 123456 exceeds file size 100)"));

  std::string huge = agctest::TempPath("hugefooter.agc");
  b.assign(8, 0);
  put_u64le(b, 0xFFFFFFFFFFFFFFFFULL);
  agctest::WriteFile(huge, b);
  CHECK(contains(open_error(huge), "exceeds file size 16"));

  std::string zero = agctest::TempPath("zerofooter.agc");
  agctest::WriteFile(zero, Bytes(8, 0));
  CHECK(contains(open_error(zero), "empty footer"));

  std::string dir = SharedPath("golden");
  CHECK(contains(open_error(dir), dir));

  // The kinds the N-API bridge turns into codes: missing file and directory are bad input,
  // everything about the bytes is a corrupt archive.
  CHECK(open_error_kind(missing) == agc::ErrorKind::kInput);
  CHECK(open_error_kind(dir) == agc::ErrorKind::kInput);
  CHECK(open_error_kind(empty) == agc::ErrorKind::kCorrupt);
  CHECK(open_error_kind(big) == agc::ErrorKind::kCorrupt);

#ifndef _WIN32
  // A FIFO with no writer: rejected at once (an open for reading would otherwise wait for one).
  std::string fifo = agctest::TempPath("nowriter.fifo");
  std::remove(fifo.c_str());
  CHECK(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(contains(open_error(fifo), fifo + ": not a regular file"));
  CHECK(open_error_kind(fifo) == agc::ErrorKind::kInput);
  std::remove(fifo.c_str());
#endif
}

TEST(archive_corrupt_footers) {
  const Bytes data{0x01, 0x05, 'h', 'e', 'l', 'l', 'o'};  // one 5-byte part at offset 0
  auto err = [&](const std::string& stem, const Bytes& footer) {
    std::string p = make_file(stem, data, footer);
    std::string e = open_error(p);
    CHECK(contains(e, p + ": not an AGC archive ("));
    return e;
  };
  // A valid one first, so the failures below are about the single change each makes.
  {
    std::string p =
        make_file("valid.agc", data, {0x01, 0x01, 's', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x05});
    CArchive a(true);
    a.Open(p);
    Bytes d;
    uint64_t m = 0;
    a.GetPart(0, 0, d, m);
    CHECK_EQ(m, 5u);
    CHECK_EQ(d, (Bytes{'h', 'e', 'l', 'l', 'o'}));
  }
  CHECK(contains(err("count9.agc", {0x09, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01}),
                 "invalid varint"));
  CHECK(contains(err("varint_past.agc", {0x04, 0x01}), "footer ends inside"));
  CHECK(contains(err("many_streams.agc", {0x04, 0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00}),
                 "stream count 2147483647 cannot fit"));
  CHECK(contains(
      err("many_parts.agc", {0x01, 0x01, 's', 0x00, 0x08, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00}),
      "part count 1152921504606846976 of stream 's' cannot fit"));
  CHECK(contains(err("no_nul.agc", {0x01, 0x01, 's', 't', 'r', 'e', 'a', 'm'}),
                 "footer ends inside a stream name"));
  CHECK(contains(err("outside.agc", {0x01, 0x01, 's', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x07}),
                 "lies outside the data area of 7 bytes"));
  CHECK(
      contains(err("offset_past.agc", {0x01, 0x01, 's', 0x00, 0x01, 0x01, 0x00, 0x01, 0x07, 0x00}),
               "lies outside"));
  CHECK(contains(err("offset_huge.agc", {0x01, 0x01, 's', 0x00, 0x01, 0x01, 0x00, 0x08, 0xFF, 0xFF,
                                         0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02}),
                 "lies outside"));
  CHECK(contains(
      err("trailing.agc", {0x01, 0x01, 's', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x05, 0x00}),
      "1 unexpected bytes"));
  CHECK(
      contains(err("missing_part.agc", {0x01, 0x01, 's', 0x00, 0x01, 0x02, 0x00, 0x00, 0x01, 0x05}),
               "part count 2 of stream 's' cannot fit"));
  CHECK(contains(
      err("missing_part2.agc", {0x01, 0x01, 's', 0x00, 0x01, 0x02, 0x00, 0x00, 0x01, 0x05, 0x00}),
      "footer ends inside a part size"));

  // The metadata varint of a part is only checked when the part is read.
  {
    Bytes bad_meta{0x09, 'x', 'x', 'x', 'x', 'x', 'x'};
    std::string p = make_file("bad_meta.agc", bad_meta,
                              {0x01, 0x01, 's', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x02});
    CArchive a(true);
    a.Open(p);
    Bytes d;
    uint64_t m = 0;
    try {
      a.GetPart(0, 0, d, m);
      CHECK(false);
    } catch (const AgcError& e) {
      CHECK(contains(e.what(), p + ": corrupt part 0 of stream 's'"));
    }
    Bytes long_meta{0x05, 1, 2, 3, 4, 5, 'x'};  // varint runs into the data: 1+5+2 > 7
    p = make_file("long_meta.agc", long_meta,
                  {0x01, 0x01, 's', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x02});
    CArchive b(true);
    b.Open(p);
    CHECK_THROWS_AS(b.GetPart(0, 0, d, m), AgcError);
  }
  // Duplicate names: the later stream wins, as upstream.
  {
    std::string p = make_file(
        "dup.agc", data,
        {0x01, 0x02, 's', 0x00, 0x00, 0x00, 's', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x05});
    CArchive a(true);
    a.Open(p);
    CHECK_EQ(a.GetStreamId("s"), 1);
  }
}

#ifdef __linux__
// Offsets beyond 4 GiB (8-byte AVs, 64-bit seeks), on a sparse file so it costs no disk space.
TEST(archive_reads_offsets_beyond_4gib) {
  const uint64_t part_offset = (uint64_t(5) << 30) + 3;
  std::string p = agctest::TempPath("sparse.agc");
  {
    FILE* f = std::fopen(p.c_str(), "wb");
    REQUIRE(f);
    Bytes part{0x01, 0x2A, 'b', 'i', 'g'};
    Bytes footer{0x01, 0x01, 's', 0x00, 0x01, 0x01, 0x00};
    Bytes off = varint(part_offset);
    footer.insert(footer.end(), off.begin(), off.end());
    footer.push_back(0x01);
    footer.push_back(0x03);
    put_u64le(footer, footer.size());
    bool ok = fseeko(f, static_cast<off_t>(part_offset), SEEK_SET) == 0 &&
              std::fwrite(part.data(), 1, part.size(), f) == part.size() &&
              std::fwrite(footer.data(), 1, footer.size(), f) == footer.size();
    ok = (std::fclose(f) == 0) && ok;
    REQUIRE(ok);
  }
  CArchive a(true);
  a.Open(p);
  CHECK_EQ(a.GetFileSize(), part_offset + 5 + 15 + 8);  // part, footer, trailer
  CHECK_EQ(a.GetPartOffset(0, 0), part_offset);
  Bytes data;
  uint64_t meta = 0;
  a.GetPart(0, 0, data, meta);
  CHECK_EQ(meta, 42u);
  CHECK_EQ(data, (Bytes{'b', 'i', 'g'}));
  a.Close();
  std::remove(p.c_str());
}
#endif

// ---- golden archives ---------------------------------------------------------------------------

TEST(archive_golden_read_and_rewrite_byte_identical) {
  std::vector<std::string> archives = golden_archives();
  REQUIRE(archives.size() >= 10);
  for (const std::string& rel : archives) {
    std::string path = SharedPath("golden/" + rel);
    Bytes original = agctest::ReadFile(path);
    {
      CArchive a(true);
      a.Open(path);
      CHECK_EQ(a.GetFileSize(), static_cast<uint64_t>(original.size()));
      CHECK_EQ(a.GetStreamName(0), std::string("collection-samples"));
      CHECK(a.GetStreamId("params") >= 0);
      // Parts tile the data area (docs/format.md 1.1) with minimal metadata varints.
      std::vector<PartRef> parts;
      std::vector<uint64_t> meta_of;
      Bytes data;
      uint64_t meta = 0;
      for (size_t s = 0; s < a.GetNoStreams(); ++s)
        for (size_t p = 0; p < a.GetNoParts(s); ++p) {
          a.GetPart(s, p, data, meta);
          CHECK_EQ(static_cast<uint64_t>(data.size()), a.GetPartSize(s, p));
          parts.push_back({s, p, a.GetPartOffset(s, p)});
        }
      std::sort(parts.begin(), parts.end(),
                [](const PartRef& x, const PartRef& y) { return x.offset < y.offset; });
      uint64_t footer_len = 0;
      for (int i = 7; i >= 0; --i)
        footer_len = (footer_len << 8) | original[original.size() - 8 + static_cast<size_t>(i)];
      uint64_t expect_offset = 0;
      for (const PartRef& r : parts) {
        CHECK_EQ(r.offset, expect_offset);
        a.GetPart(r.stream, r.part, data, meta);
        uint64_t head = original[static_cast<size_t>(r.offset)];
        if (!data.empty()) CHECK_EQ(varint(meta).size(), static_cast<size_t>(head + 1));
        expect_offset = r.offset + 1 + head + data.size();
      }
      CHECK_EQ(expect_offset, original.size() - 8 - footer_len);
    }
    std::string copy = rewrite_in_file_order(path, "golden-copy.agc");
    Bytes written = agctest::ReadFile(copy);
    CHECK_EQ(written.size(), original.size());
    if (written != original) agctest::ReportFailure(__FILE__, __LINE__, "rewrite differs: " + rel);
    std::remove(copy.c_str());
  }
}

// ---- fuzzing ------------------------------------------------------------------------------------

TEST(archive_corrupt_inputs_never_crash) {
  std::string path = SharedPath("golden/mers-tiny-default/archive.agc");
  const Bytes original = agctest::ReadFile(path);
  const size_t n = original.size();
  std::string p = agctest::TempPath("mutant.agc");
  size_t opened = 0, failed = 0, read_errors = 0;

  // Truncation to many lengths: the last 700 bytes (footer, trailer) byte by byte, the rest
  // in steps.
  for (size_t len = 0; len < n; len += (len + 700 < n ? 97 : 1)) {
    agctest::WriteFile(
        p, Bytes(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(len)));
    (open_and_read_all(p, read_errors) ? opened : failed)++;
  }
  // A truncated file has no valid trailer: it can only open by accident.
  CHECK(failed > 600);

  // Bit flips with a fixed seed (xorshift32), half of them in the footer.
  uint32_t state = 0x2545F491u;
  auto rand = [&](uint32_t m) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state % m;
  };
  size_t flip_opened = 0;
  for (int i = 0; i < 1500; ++i) {
    Bytes b = original;
    int flips = 1 + static_cast<int>(rand(8));
    for (int f = 0; f < flips; ++f) {
      size_t pos = rand(2) ? n - 1 - rand(600) : rand(static_cast<uint32_t>(n));
      b[pos] ^= static_cast<uint8_t>(1u << rand(8));
    }
    agctest::WriteFile(p, b);
    if (open_and_read_all(p, read_errors)) ++flip_opened;
  }
  // Flips in the data area leave the footer intact, so many mutants still open.
  CHECK(flip_opened > 300);
  CHECK(flip_opened < 1500);
}

// ---- zstd
// ----------------------------------------------------------------------------------------

TEST(zstd_version_is_pinned) { CHECK_EQ(agc::ZstdVersion(), std::string("1.5.6")); }

TEST(zstd_prefix_stops_after_the_block_that_satisfies) {
  // 600 KB of text that does not compress to nothing: several 128 KiB blocks
  Bytes raw(600000);
  uint32_t seed = 7;
  for (auto& b : raw) {
    seed = seed * 1664525u + 1013904223u;
    b = uint8_t("ACGT"[(seed >> 24) & 3]);
  }
  Bytes z = agc::ZstdCompress(raw.data(), raw.size(), 3);
  Bytes out(raw.size(), 0);
  size_t asked = 0;
  const size_t got =
      agc::ZstdDecompressPrefix(z.data(), z.size(), out.data(), raw.size(), [&](size_t n) {
        asked++;
        return n >= 1000;
      });
  CHECK(asked >= 1);
  CHECK(got >= 1000);
  CHECK(got <= size_t(128) << 10);  // the first block at most
  CHECK(std::equal(out.begin(), out.begin() + long(got), raw.begin()));
  CHECK(out[raw.size() - 1] == 0);  // the later blocks were left alone
  // never enough: the whole frame, exactly
  Bytes all(raw.size(), 0);
  CHECK_EQ(agc::ZstdDecompressPrefix(z.data(), z.size(), all.data(), raw.size(),
                                     [](size_t) { return false; }),
           raw.size());
  CHECK(all == raw);
  // the frame checks of ZstdDecompressInto, and a frame cut short
  const auto never = [](size_t) { return false; };
  CHECK_THROWS_AS(agc::ZstdDecompressPrefix(z.data(), z.size(), all.data(), raw.size() - 1, never),
                  AgcError);
  Bytes trailing = z;
  trailing.push_back(0);
  CHECK_THROWS_AS(
      agc::ZstdDecompressPrefix(trailing.data(), trailing.size(), all.data(), raw.size(), never),
      AgcError);
  Bytes truncated(z.begin(), z.end() - 3);
  CHECK_THROWS_AS(
      agc::ZstdDecompressPrefix(truncated.data(), truncated.size(), all.data(), raw.size(), never),
      AgcError);
  Bytes flipped = z;
  flipped[flipped.size() / 2] ^= 0x55;
  try {
    agc::ZstdDecompressPrefix(flipped.data(), flipped.size(), all.data(), raw.size(), never);
  } catch (const AgcError&) {
    // either an error or (rarely) other bytes: never a crash or a read out of bounds
  }
}

TEST(zstd_round_trip_level19) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "ACGT" + std::to_string(i % 37) + "collection-samples\n";
  Bytes raw(text.begin(), text.end());
  Bytes z = agc::ZstdCompress(raw.data(), raw.size(), 19);
  CHECK(z.size() < raw.size() / 4);
  // One frame with the content size and no checksum (docs/format.md 0, Z19): magic, then FHD.
  REQUIRE(z.size() > 6);
  CHECK_EQ(z[0], 0x28);
  CHECK_EQ(z[1], 0xB5);
  CHECK_EQ(z[2], 0x2F);
  CHECK_EQ(z[3], 0xFD);
  CHECK_EQ(z[4] & 0x04, 0);                                   // no checksum flag
  CHECK(agc::ZstdCompress(raw.data(), raw.size(), 19) == z);  // context reuse changes nothing
  CHECK_EQ(agc::ZstdDecompress(z.data(), z.size(), raw.size()), raw);

  // Errors: wrong size, trailing bytes, garbage, absurd size.
  CHECK_THROWS_AS(agc::ZstdDecompress(z.data(), z.size(), raw.size() + 1), AgcError);
  CHECK_THROWS_AS(agc::ZstdDecompress(z.data(), z.size(), raw.size() - 1), AgcError);
  Bytes trailing = z;
  trailing.push_back(0);
  CHECK_THROWS_AS(agc::ZstdDecompress(trailing.data(), trailing.size(), raw.size()), AgcError);
  Bytes twice = z;
  twice.insert(twice.end(), z.begin(), z.end());
  CHECK_THROWS_AS(agc::ZstdDecompress(twice.data(), twice.size(), raw.size() * 2), AgcError);
  Bytes garbage{1, 2, 3, 4, 5, 6, 7, 8};
  CHECK_THROWS_AS(agc::ZstdDecompress(garbage.data(), garbage.size(), 10), AgcError);
  CHECK_THROWS_AS(agc::ZstdDecompress(nullptr, 0, 0), AgcError);
  Bytes truncated(z.begin(), z.end() - 3);
  CHECK_THROWS_AS(agc::ZstdDecompress(truncated.data(), truncated.size(), raw.size()), AgcError);
  CHECK_THROWS_AS(agc::ZstdDecompress(z.data(), z.size(), size_t(1) << 40), AgcError);
  CHECK_THROWS_AS(agc::ZstdCompress(raw.data(), raw.size(), 1000), AgcError);

  // The plausibility bound on raw_size must admit the most compressible input (RLE blocks).
  for (int level : {1, 19, 22}) {
    Bytes zeros(size_t(8) << 20, 0);
    Bytes zz = agc::ZstdCompress(zeros.data(), zeros.size(), level);
    CHECK(agc::ZstdDecompress(zz.data(), zz.size(), zeros.size()) == zeros);
  }

  Bytes empty_frame = agc::ZstdCompress(nullptr, 0, 19);
  CHECK(agc::ZstdDecompress(empty_frame.data(), empty_frame.size(), 0).empty());
}

// collection-samples is Z19 of its payload with the payload length as metadata
// (docs/format.md 2.2): recompressing the decoded payload must give the stored bytes, for every
// golden archive.
TEST(zstd_recompress_golden_collection_samples) {
  for (const std::string& rel : golden_archives()) {
    CArchive a(true);
    a.Open(SharedPath("golden/" + rel));
    int id = a.GetStreamId("collection-samples");
    REQUIRE(id >= 0);
    Bytes z;
    uint64_t meta = 0;
    a.GetPart(static_cast<size_t>(id), 0, z, meta);
    Bytes raw = agc::ZstdDecompress(z.data(), z.size(), static_cast<size_t>(meta));
    Bytes again = agc::ZstdCompress(raw.data(), raw.size(), 19);
    if (again != z) agctest::ReportFailure(__FILE__, __LINE__, "recompression differs: " + rel);
  }
}

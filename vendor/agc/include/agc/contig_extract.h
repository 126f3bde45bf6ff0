// Contigs decoded to FASTA text (docs/format.md 5.2-5.8, 6.3) for bulk extraction (getcol,
// getset): every segment decoded from its group's parts, the contig assembled from the segments'
// contributions and written as a header line and lines of letters (whole, or in pieces of
// consecutive segments), all in caller memory.
//
// Why here and not in TypeScript: bulk extraction decodes every symbol of an archive, and the
// TypeScript decoder plus its line wrapping cost about 7 ns per symbol on the JS thread, which
// no other thread could take over without paying a JS isolate's start-up first. These functions
// run on any thread; the decoded parts they need are shared through one PartCache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "agc/archive.h"
#include "agc/segment_decode.h"

namespace agc {

// One segment of a contig as the collection places it, with the streams of its group's parts
// (-1: the archive has no such stream).
struct SegmentPlace {
  uint32_t group = 0;
  uint32_t in_group = 0;
  uint32_t raw_length = 0;
  uint32_t rc = 0;  // 1: reverse-complemented
  int32_t ref_stream = -1;
  int32_t delta_stream = -1;
};

// Compression parameters that decoding needs.
struct ExtractParams {
  uint32_t k = 0;
  uint32_t min_match = 0;
  uint32_t pack_cardinality = 0;
};

// Groups below this id keep every segment raw in packs, without a reference (docs/format.md 5.2).
constexpr uint32_t kNoRawGroups = 16;

// Storage of decoded parts, recycled: what a PartCache drops comes back here and the next decodes
// take it. Memory already touched costs nothing more, while a fresh block (large ones are mmapped
// afresh each time, see native/addon.cc) is faulted in and zeroed by the kernel page by page:
// over a third of bulk extraction's decoding time when every part was decoded into new memory.
// Keeps at most `keep` bytes unused. Thread-safe.
class PartStore {
 public:
  explicit PartStore(size_t keep) : keep_(keep) {}
  // Uninitialised room for `size` bytes; `capacity` receives its real size.
  std::unique_ptr<uint8_t[]> Take(size_t size, size_t& capacity);
  void Give(std::unique_ptr<uint8_t[]> block, size_t capacity);
  // Size of the block that a Take(size) without a free block allocates.
  static size_t BlockSize(size_t size);
  // Bytes of the unused blocks kept.
  size_t KeptBytes();
  // Keep at most `keep` bytes of unused blocks from now on.
  void SetKeep(size_t keep);

 private:
  std::mutex mtx_;
  std::multimap<size_t, std::unique_ptr<uint8_t[]>> free_;  // by capacity
  size_t free_bytes_ = 0;
  size_t keep_;
};

// The bytes of one decoded part (uninitialised until written), given back to their store when
// dropped.
class PartBytes {
 public:
  PartBytes() = default;
  PartBytes(std::shared_ptr<PartStore> store, size_t size);
  PartBytes(const PartBytes&) = delete;
  PartBytes& operator=(const PartBytes&) = delete;
  PartBytes(PartBytes&& o) noexcept { *this = std::move(o); }
  PartBytes& operator=(PartBytes&& o) noexcept;
  ~PartBytes();

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }  // the memory held

 private:
  void Release();

  std::shared_ptr<PartStore> store_;
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Decompressed group references (packed form) and packs of one archive, each decoded once by the
// first thread that needs it while the others needing it wait. Least recently used parts are
// dropped once their bytes pass `budget` (a part in use stays alive with its users).
// Thread-safe.
class PartCache {
 public:
  struct Reference {
    PartBytes bytes;
    PackedRef packed;  // over `bytes`
  };
  struct Pack {
    PartBytes bytes;
    std::vector<uint32_t> ends;  // position of the 0xFF after each entry (decoded so far)
    bool whole = true;           // false: only the entries in `ends` were decoded
  };

  // `pack_prefixes`: a pack is decoded only up to the entry asked for, and again further when a
  // later entry is asked for. For one sample's extraction: a pack holds its group's segments in
  // the order their samples were added, so the entries after the sample's are of no use to it
  // (getset of one klebsiella sample: a quarter of the pack blocks left undecoded).
  PartCache(std::shared_ptr<CArchive> archive, size_t budget, bool pack_prefixes = false);

  // Part 0 of reference stream `stream`, decompressed; AgcError (corrupt) when it is invalid.
  std::shared_ptr<const Reference> GetReference(int32_t stream);
  // Part `part` of delta stream `stream`, decompressed (at least up to entry `entry` when the
  // pack has it), with its entry ends.
  std::shared_ptr<const Pack> GetPack(int32_t stream, uint32_t part, uint32_t entry = UINT32_MAX);

  size_t CachedBytes() const;
  bool PackPrefixes() const { return pack_prefixes_; }
  const std::shared_ptr<CArchive>& Archive() const { return archive_; }
  // A new budget (a cache filled for one user and then handed to another that asks for its own):
  // applies from the next decode on.
  void SetBudget(size_t budget);

 private:
  struct Entry {
    std::mutex mtx;  // held while decoding: other users of this part wait
    bool done = false;
    std::shared_ptr<Reference> ref;
    std::shared_ptr<Pack> pack;
  };
  struct Slot {
    std::shared_ptr<Entry> entry;
    std::list<uint64_t>::iterator lru;
    size_t bytes = 0;
  };

  std::shared_ptr<Entry> Obtain(uint64_t key);
  void Account(uint64_t key, size_t bytes);

  std::shared_ptr<CArchive> archive_;
  size_t budget_;
  std::shared_ptr<PartStore> store_;
  const bool pack_prefixes_;
  mutable std::mutex mtx_;
  std::unordered_map<uint64_t, Slot> slots_;
  std::list<uint64_t> lru_;  // most recent first
  size_t total_ = 0;
};

// Symbols of a contig made of these segments: all of the first, all but the first k of each later
// one (a later segment shorter than k contributes nothing).
size_t ContigLength(const SegmentPlace* segs, size_t count, uint32_t k);

// Bytes of a FASTA record: the header line as given, then `symbols` letters in lines of
// `line_length`, each ended by '\n'.
size_t FastaRecordSize(size_t header_size, size_t symbols, size_t line_length);

// Segment `s` decoded and oriented: `s.raw_length` letters into dst. AgcError (corrupt) naming the
// group and segment when its data is invalid.
void DecodeSegment(PartCache& cache, const ExtractParams& params, const LetterTables& tables,
                   const SegmentPlace& s, uint8_t* dst);

// A run of consecutive segments of one contig, so that a long contig is written in pieces of
// bounded size: `first` when it starts the contig (its first segment contributes all its symbols,
// and the header goes before it), `last` when it ends the contig (the last line gets its '\n'
// even when it is short); `from` is the contig position of its first contributed symbol, which
// places the line breaks.
struct FastaPiece {
  const SegmentPlace* segs = nullptr;
  size_t count = 0;
  bool first = true;
  bool last = true;
  size_t from = 0;
};

// Symbols a piece contributes.
size_t PieceLength(const FastaPiece& piece, uint32_t k);

// Bytes of a piece's text: its header (when first), its symbols and the line ends among them.
size_t FastaPieceSize(const FastaPiece& piece, size_t header_size, uint32_t k, size_t line_length);

// Writes a piece (the header bytes, copied as given and normally '>' name '\n', only when
// first) into dst, which must hold FastaPieceSize(...) bytes; returns that size. The pieces of
// a contig written one after another give its whole record. line_length >= 1.
size_t WriteFastaPiece(PartCache& cache, const ExtractParams& params, const LetterTables& tables,
                       const uint8_t* header, size_t header_size, const FastaPiece& piece,
                       size_t line_length, uint8_t* dst);

// The whole record of the contig made of `segs` (one piece, first and last).
size_t WriteFastaRecord(PartCache& cache, const ExtractParams& params, const LetterTables& tables,
                        const uint8_t* header, size_t header_size, const SegmentPlace* segs,
                        size_t count, size_t line_length, uint8_t* dst);

}  // namespace agc

#include "agc/contig_extract.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>

#include "agc/zstd_util.h"

namespace agc {

namespace {

uint64_t Key(int32_t stream, uint32_t part) { return (uint64_t(uint32_t(stream)) << 32) | part; }

// Most unused storage of decoded parts kept for the next decodes.
constexpr size_t kMaxKeptParts = size_t(64) << 20;

// The part's bytes as stored (raw parts) in room from the store.
PartBytes Copied(const std::shared_ptr<PartStore>& store, const std::vector<uint8_t>& data) {
  PartBytes out(store, data.size());
  if (!data.empty()) std::memcpy(out.data(), data.data(), data.size());
  return out;
}

// A zstd frame decompressed to `raw_size` bytes in room from the store (taken only once the
// frame was found able to hold them: a corrupt size claim allocates nothing).
PartBytes Decompressed(const std::shared_ptr<PartStore>& store, const uint8_t* frame, size_t len,
                       size_t raw_size) {
  ZstdCheckRawSize(frame, len, raw_size);
  PartBytes out(store, raw_size);
  ZstdDecompressInto(frame, len, out.data(), raw_size);
  return out;
}

// A group reference part (docs/format.md 5.3): raw codes (metadata 0), or a zstd frame of codes
// (marker 0) or of tuple-packed codes (marker 1) followed by its marker byte.
void DecodeReference(const std::shared_ptr<PartStore>& store, const std::vector<uint8_t>& data,
                     uint64_t metadata, PartCache::Reference& out) {
  if (metadata == 0) {
    out.bytes = Copied(store, data);
    out.packed = MakePackedRef(out.bytes.data(), out.bytes.size(), RefForm::kCodes);
    return;
  }
  if (data.size() < 2) throw AgcError("reference part too short");
  const uint8_t marker = data.back();
  const size_t frame = data.size() - 1;
  if (marker == 0) {
    out.bytes = Decompressed(store, data.data(), frame, size_t(metadata));
    out.packed = MakePackedRef(out.bytes.data(), out.bytes.size(), RefForm::kCodes);
    return;
  }
  if (marker != 1) throw AgcError("unknown reference encoding marker " + std::to_string(marker));
  const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), frame);
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR)
    throw AgcError("tuple-packed reference: zstd frame without content size");
  // a tuple byte holds at most 4 symbols: a larger claim is corrupt (and is not allocated)
  if (declared > metadata + 2)
    throw AgcError("tuple-packed reference: " + std::to_string(declared) + " packed bytes for " +
                   std::to_string(metadata) + " symbols");
  out.bytes = Decompressed(store, data.data(), frame, size_t(declared));
  out.packed = MakePackedRef(out.bytes.data(), out.bytes.size(), RefForm::kTuples);
  if (out.packed.length != metadata)
    throw AgcError("reference unpacked to " + std::to_string(out.packed.length) +
                   " symbols, expected " + std::to_string(metadata));
}

// Appends to `ends` the positions of the 0xFF bytes in bytes[from, to).
void FindEnds(const uint8_t* bytes, size_t from, size_t to, std::vector<uint32_t>& ends) {
  for (const uint8_t *q = bytes + from, *end = bytes + to; q < end; q++) {
    q = static_cast<const uint8_t*>(std::memchr(q, 0xff, size_t(end - q)));
    if (!q) break;
    ends.push_back(uint32_t(q - bytes));
  }
}

// A pack part (docs/format.md 5.4): the entries, each followed by 0xFF, raw (metadata 0) or as a
// zstd frame of `metadata` bytes followed by a marker byte. With `upto` below UINT32_MAX the
// frame is decoded only until entry `upto` is complete (out.whole says whether that was all).
void DecodePack(const std::shared_ptr<PartStore>& store, const std::vector<uint8_t>& data,
                uint64_t metadata, PartCache::Pack& out, uint32_t upto) {
  size_t produced = 0;
  if (metadata == 0) {
    out.bytes = Copied(store, data);
    produced = out.bytes.size();
  } else if (upto == UINT32_MAX) {
    if (data.size() < 2) throw AgcError("pack part too short");
    out.bytes = Decompressed(store, data.data(), data.size() - 1, size_t(metadata));
    produced = out.bytes.size();
  } else {
    if (data.size() < 2) throw AgcError("pack part too short");
    const size_t raw = size_t(metadata);
    ZstdCheckRawSize(data.data(), data.size() - 1, raw);
    out.bytes = PartBytes(store, raw);
    uint8_t* bytes = out.bytes.data();
    size_t scanned = 0;
    produced = ZstdDecompressPrefix(data.data(), data.size() - 1, bytes, raw, [&](size_t n) {
      FindEnds(bytes, scanned, n, out.ends);
      scanned = n;
      return out.ends.size() > upto;
    });
    FindEnds(bytes, scanned, produced, out.ends);
    out.whole = produced == raw;
    return;
  }
  FindEnds(out.bytes.data(), 0, produced, out.ends);
}

std::string Where(const SegmentPlace& s) {
  return "group " + std::to_string(s.group) + ", segment " + std::to_string(s.in_group);
}

// Entry e of a pack; AgcError when the pack has fewer entries.
std::pair<const uint8_t*, size_t> Entry(const PartCache::Pack& pack, uint32_t e) {
  if (e >= pack.ends.size())
    throw AgcError("pack has " + std::to_string(pack.ends.size()) + " entries, entry " +
                   std::to_string(e) + " requested");
  const size_t start = e == 0 ? 0 : size_t(pack.ends[e - 1]) + 1;
  return {pack.bytes.data() + start, size_t(pack.ends[e]) - start};
}

}  // namespace

// Four steps per power of two (at most 1/4 more than asked), so that a dropped block fits the
// next parts of about its size: parts' sizes vary, and a block only just too small would stay
// unused while a new one is faulted in.
size_t PartStore::BlockSize(size_t size) {
  if (size <= 4096) return 4096;
  size_t step = 1024;
  while (step <= (size >> 3)) step <<= 1;  // step <= size / 4
  return size <= SIZE_MAX - step ? (size + step - 1) / step * step : size;
}

std::unique_ptr<uint8_t[]> PartStore::Take(size_t size, size_t& capacity) {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    auto it = free_.lower_bound(size);
    // a block much larger than asked would hold memory the cache does not count
    if (it != free_.end() && it->first / 2 <= size) {
      capacity = it->first;
      std::unique_ptr<uint8_t[]> block = std::move(it->second);
      free_bytes_ -= capacity;
      free_.erase(it);
      return block;
    }
  }
  capacity = BlockSize(size);
  return std::unique_ptr<uint8_t[]>(new uint8_t[capacity]);  // uninitialised: zstd writes it all
}

void PartStore::Give(std::unique_ptr<uint8_t[]> block, size_t capacity) {
  std::unique_ptr<uint8_t[]> dropped;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mtx_);
  if (free_bytes_ + capacity > keep_) {
    dropped = std::move(block);
    return;
  }
  free_.emplace(capacity, std::move(block));
  free_bytes_ += capacity;
}

size_t PartStore::KeptBytes() {
  std::lock_guard<std::mutex> lock(mtx_);
  return free_bytes_;
}

void PartStore::SetKeep(size_t keep) {
  std::multimap<size_t, std::unique_ptr<uint8_t[]>> dropped;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mtx_);
  keep_ = keep;
  while (free_bytes_ > keep_ && !free_.empty()) {
    auto largest = std::prev(free_.end());
    free_bytes_ -= largest->first;
    dropped.insert(free_.extract(largest));
  }
}

PartBytes::PartBytes(std::shared_ptr<PartStore> store, size_t size)
    : store_(std::move(store)), size_(size) {
  if (size) data_ = store_->Take(size, capacity_);
}

PartBytes& PartBytes::operator=(PartBytes&& o) noexcept {
  if (this != &o) {
    Release();
    store_ = std::move(o.store_);
    data_ = std::move(o.data_);
    size_ = o.size_;
    capacity_ = o.capacity_;
    o.size_ = o.capacity_ = 0;
  }
  return *this;
}

PartBytes::~PartBytes() { Release(); }

void PartBytes::Release() {
  if (data_ && store_) {
    try {
      store_->Give(std::move(data_), capacity_);
    } catch (...) {
      // a full multimap node allocation failed: the block is simply freed
    }
  }
  data_.reset();
  size_ = capacity_ = 0;
}

PartCache::PartCache(std::shared_ptr<CArchive> archive, size_t budget, bool pack_prefixes)
    : archive_(std::move(archive)),
      budget_(budget),
      store_(std::make_shared<PartStore>(std::min(budget, kMaxKeptParts))),
      pack_prefixes_(pack_prefixes) {}

std::shared_ptr<PartCache::Entry> PartCache::Obtain(uint64_t key) {
  std::lock_guard<std::mutex> lock(mtx_);
  auto it = slots_.find(key);
  if (it != slots_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.entry;
  }
  lru_.push_front(key);
  Slot& s = slots_[key];
  s.entry = std::make_shared<Entry>();
  s.lru = lru_.begin();
  return s.entry;
}

// After part `key` was decoded: count its bytes and drop the least recently used others while the
// total is over the budget.
void PartCache::Account(uint64_t key, size_t bytes) {
  std::lock_guard<std::mutex> lock(mtx_);
  auto it = slots_.find(key);
  if (it == slots_.end()) return;  // dropped meanwhile; its users hold it
  total_ -= it->second.bytes;      // a pack decoded further replaces its prefix
  it->second.bytes = bytes;
  total_ += bytes;
  while (total_ > budget_ && !lru_.empty() && lru_.back() != key) {
    auto old = slots_.find(lru_.back());
    total_ -= old->second.bytes;
    slots_.erase(old);
    lru_.pop_back();
  }
}

void PartCache::SetBudget(size_t budget) {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    budget_ = budget;
  }
  store_->SetKeep(std::min(budget, kMaxKeptParts));
}

size_t PartCache::CachedBytes() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return total_;
}

std::shared_ptr<const PartCache::Reference> PartCache::GetReference(int32_t stream) {
  if (stream < 0) throw AgcError("the group has no reference");
  const uint64_t key = Key(stream, 0xffffffffu);
  std::shared_ptr<Entry> e = Obtain(key);
  std::lock_guard<std::mutex> lock(e->mtx);
  if (!e->done) {
    if (archive_->GetNoParts(size_t(stream)) < 1) throw AgcError("the group has no reference");
    std::vector<uint8_t> data;
    uint64_t metadata = 0;
    archive_->GetPart(size_t(stream), 0, data, metadata);
    auto ref = std::make_shared<Reference>();
    DecodeReference(store_, data, metadata, *ref);
    e->ref = std::move(ref);
    e->done = true;
    Account(key, e->ref->bytes.capacity());
  }
  return e->ref;
}

std::shared_ptr<const PartCache::Pack> PartCache::GetPack(int32_t stream, uint32_t part,
                                                          uint32_t entry) {
  if (stream < 0) throw AgcError("the group has no packs");
  const uint64_t key = Key(stream, part);
  std::shared_ptr<Entry> e = Obtain(key);
  std::lock_guard<std::mutex> lock(e->mtx);
  if (!e->done || !(e->pack->whole || entry < e->pack->ends.size())) {
    if (part >= archive_->GetNoParts(size_t(stream)))
      throw AgcError("the group has no pack " + std::to_string(part));
    std::vector<uint8_t> data;
    uint64_t metadata = 0;
    archive_->GetPart(size_t(stream), part, data, metadata);
    auto pack = std::make_shared<Pack>();
    DecodePack(store_, data, metadata, *pack, pack_prefixes_ ? entry : UINT32_MAX);
    e->pack = std::move(pack);
    e->done = true;
    Account(key, e->pack->bytes.capacity() + 4 * e->pack->ends.size());
  }
  return e->pack;
}

size_t ContigLength(const SegmentPlace* segs, size_t count, uint32_t k) {
  size_t n = 0;
  for (size_t j = 0; j < count; j++) {
    const size_t raw = segs[j].raw_length;
    n += j == 0 ? raw : raw > k ? raw - k : 0;
  }
  return n;
}

size_t FastaRecordSize(size_t header_size, size_t symbols, size_t line_length) {
  return header_size + symbols + (symbols + line_length - 1) / line_length;
}

void DecodeSegment(PartCache& cache, const ExtractParams& params, const LetterTables& tables,
                   const SegmentPlace& s, uint8_t* dst) {
  const size_t n = s.raw_length;
  const uint32_t P = params.pack_cardinality;
  try {
    if (s.group < kNoRawGroups) {
      auto pack = cache.GetPack(s.delta_stream, s.in_group / P, s.in_group % P);
      auto entry = Entry(*pack, s.in_group % P);
      if (entry.second != n)
        throw AgcError("raw segment has " + std::to_string(entry.second) + " symbols, expected " +
                       std::to_string(n));
      RefRangeLetters(MakePackedRef(entry.first, entry.second, RefForm::kCodes), 0, n,
                      tables.symbols, dst);
    } else if (s.in_group == 0) {
      auto ref = cache.GetReference(s.ref_stream);
      if (ref->packed.length != n)
        throw AgcError("reference has " + std::to_string(ref->packed.length) +
                       " symbols, expected " + std::to_string(n));
      RefRangeLetters(ref->packed, 0, n, tables.symbols, dst);
    } else {
      const uint32_t k = s.in_group - 1;
      auto pack = cache.GetPack(s.delta_stream, k / P, k % P);
      auto ref = cache.GetReference(s.ref_stream);
      auto entry = Entry(*pack, k % P);
      LzDiffDecodeRangeLetters(ref->packed, entry.first, entry.second, params.min_match,
                               tables.symbols, n, 0, n, dst);
    }
  } catch (const AgcError& e) {
    if (e.kind() != ErrorKind::kCorrupt) throw;
    throw AgcError(Where(s) + ": " + e.what());
  }
  if (s.rc) ReverseComplementLetters(dst, n, tables.complement);
}

size_t PieceLength(const FastaPiece& piece, uint32_t k) {
  size_t n = 0;
  for (size_t j = 0; j < piece.count; j++) {
    const size_t raw = piece.segs[j].raw_length;
    n += j == 0 && piece.first ? raw : raw > k ? raw - k : 0;
  }
  return n;
}

namespace {

// Line ends among contig positions [from, to), and after the last symbol when `last`.
size_t LineEnds(size_t from, size_t to, bool last, size_t line_length) {
  return to / line_length - from / line_length + (last && to % line_length != 0 ? 1 : 0);
}

}  // namespace

size_t FastaPieceSize(const FastaPiece& piece, size_t header_size, uint32_t k, size_t line_length) {
  const size_t n = PieceLength(piece, k);
  return (piece.first ? header_size : 0) + n +
         LineEnds(piece.from, piece.from + n, piece.last, line_length);
}

size_t WriteFastaPiece(PartCache& cache, const ExtractParams& params, const LetterTables& tables,
                       const uint8_t* header, size_t header_size, const FastaPiece& piece,
                       size_t line_length, uint8_t* dst) {
  const size_t k = params.k;
  const SegmentPlace* segs = piece.segs;
  const size_t count = piece.count;
  const size_t n = PieceLength(piece, params.k);
  const size_t head = piece.first ? header_size : 0;
  const size_t size = head + n + LineEnds(piece.from, piece.from + n, piece.last, line_length);
  if (head) std::memcpy(dst, header, head);
  if (n == 0) {
    if (piece.last && piece.from % line_length != 0) dst[head] = '\n';
    return size;
  }
  // The letters go to the end of the piece first, each segment decoded straight into its place,
  // k symbols before its contribution starts: from the last segment backwards, so that in the k
  // overlapping symbols the earlier segment wins (upstream drops the first k of the later one). A
  // piece that does not start its contig has no room before its first segment, whose first k
  // symbols belong to the piece before: that one is decoded aside.
  uint8_t* text = dst + size - n;
  std::vector<size_t> starts(count);
  for (size_t j = 0, pos = 0; j < count; j++) {
    starts[j] = pos;
    const size_t raw = segs[j].raw_length;
    pos += j == 0 && piece.first ? raw : raw > k ? raw - k : 0;
  }
  for (size_t j = count; j-- > 0;) {
    const bool whole = j == 0 && piece.first;
    if (!whole && segs[j].raw_length < k) continue;  // corrupt; contributes nothing, as upstream
    if (whole) {
      DecodeSegment(cache, params, tables, segs[j], text);
    } else if (starts[j] >= k) {
      DecodeSegment(cache, params, tables, segs[j], text + starts[j] - k);
    } else if (j == 0) {
      thread_local std::vector<uint8_t> aside;
      if (aside.size() < segs[j].raw_length) aside.resize(segs[j].raw_length);
      DecodeSegment(cache, params, tables, segs[j], aside.data());
      std::memcpy(text, aside.data() + k, segs[j].raw_length - k);
    } else {
      throw AgcError(Where(segs[j]) + ": overlaps the start of its contig");
    }
  }
  // Then the lines, moved forward into place (never after their source), the first one
  // continuing the line that the piece before left open.
  uint8_t* q = dst + head;
  size_t column = piece.from % line_length;
  for (size_t at = 0; at < n;) {
    const size_t room = line_length - column;
    const size_t take = n - at < room ? n - at : room;
    std::memmove(q, text + at, take);
    q += take;
    at += take;
    column += take;
    if (column == line_length) {
      *q++ = '\n';
      column = 0;
    }
  }
  if (piece.last && column != 0) *q++ = '\n';
  return size;
}

size_t WriteFastaRecord(PartCache& cache, const ExtractParams& params, const LetterTables& tables,
                        const uint8_t* header, size_t header_size, const SegmentPlace* segs,
                        size_t count, size_t line_length, uint8_t* dst) {
  FastaPiece piece;
  piece.segs = segs;
  piece.count = count;
  return WriteFastaPiece(cache, params, tables, header, header_size, piece, line_length, dst);
}

}  // namespace agc

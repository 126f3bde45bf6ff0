// PartDecoder (prefetch_decode.h): a part of the prefetch open decoded into the shared space.
#include "common.h"

#include "prefetch_decode.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "agc/segment_decode.h"
#include "agc/zstd_util.h"

namespace agcnode {

bool CompactEntries(const uint8_t* data, size_t size, uint32_t min_match, uint32_t step,
                    uint8_t* out, size_t& written, std::vector<uint32_t>& ends,
                    std::vector<uint32_t>& triples, std::vector<size_t>* entry_triples) {
  ends.clear();
  triples.clear();
  if (entry_triples) entry_triples->clear();
  size_t at = 0;
  for (const uint8_t* q = data; const uint8_t* e = static_cast<const uint8_t*>(
                                    std::memchr(q, 0xff, size_t(data + size - q)));
       q = e + 1) {
    const size_t n = agc::LzDiffCompact(q, size_t(e - q), min_match, step, out + at, triples);
    if (n == SIZE_MAX || at + n > UINT32_MAX) return false;
    at += n;
    out[at] = 0xff;
    ends.push_back(uint32_t(at));
    at++;
    if (entry_triples) entry_triples->push_back(triples.size());
  }
  written = at;
  return true;
}

bool PartDecoder::Claim(size_t job) {
  int32_t expected = kPartPending;
  return AtomicWord(JobWords(job), 0)
      ->compare_exchange_strong(expected, kPartBusy, std::memory_order_acq_rel);
}

int32_t PartDecoder::Finish(size_t job, const PrefetchJob& spec, const uint8_t* part,
                            size_t avail) {
  int32_t* w = JobWords(job);
  int32_t result = kPartFailed;
  try {
    result = Decode(spec, part, avail, w, meta_ + job);
  } catch (const std::exception&) {
    result = kPartFailed;
  }
  AtomicWord(w, 0)->store(result, std::memory_order_release);
  return result;
}

// Space for `bytes` at an `align`-aligned offset from the shared cursor; false when it has no
// room (and the space is then marked full, when `full` says so).
bool PartDecoder::ReserveShared(size_t bytes, size_t align, size_t& at, bool full) {
  std::atomic<int32_t>* cursor = AtomicWord(words_, 1);
  int32_t old = cursor->load(std::memory_order_relaxed);
  for (;;) {
    const size_t a = (size_t(uint32_t(old)) + align - 1) & ~(align - 1);
    if (a > space_size_ || bytes > space_size_ - a) {
      if (full) AtomicWord(words_, 2)->store(1, std::memory_order_release);
      return false;
    }
    if (cursor->compare_exchange_weak(old, int32_t(a + bytes), std::memory_order_acq_rel)) {
      at = a;
      return true;
    }
  }
}

// Space for `bytes` at an `align`-aligned offset (align at most 8), from this thread's chunk of
// the space. Threads take chunks from the shared cursor and reserve within them, so that what a
// compaction gives back always returns to the thread's own chunk, whatever the other thread
// reserved meanwhile: given back to the shared cursor, it was a hole whenever the other thread
// had reserved after it, and huge pages zero and keep holes (8 x 60 Mbp default open, 10,000
// ranges: the cursor ended at 67-105 MB from run to run; with chunks at 71-75 MB, of which up to
// 8 MB are the untouched rest of the two threads' last chunks).
bool PartDecoder::Reserve(size_t bytes, size_t align, size_t& at) {
  size_t a = (chunk_at_ + align - 1) & ~(align - 1);
  if (a > chunk_end_ || bytes > chunk_end_ - a) {
    // a new chunk; near the end of the space, just what is asked for
    size_t c = 0;
    if (bytes <= kChunk && ReserveShared(kChunk, 8, c, false)) {
      chunk_at_ = c;
      chunk_end_ = c + kChunk;
    } else {
      if (!ReserveShared(bytes, 8, c, true)) return false;
      chunk_at_ = c;
      chunk_end_ = c + bytes;
    }
    a = chunk_at_;
  }
  at = a;
  chunk_at_ = a + bytes;
  return true;
}

// The unused tail [from, to) of the last reservation back to this thread's chunk.
void PartDecoder::GiveBack(size_t from, size_t to) {
  if (to == chunk_at_) chunk_at_ = from;
}

// A part: metadata varint, then data = zstd frame + marker byte (docs/format.md 1.2, 5.3, 5.4).
// `part` holds the file's bytes from the job's offset on (`avail` of them).
int32_t PartDecoder::Decode(const PrefetchJob& job, const uint8_t* part, size_t avail, int32_t* w,
                            double* meta) {
  if (job.size < 2) return kPartFailed;
  const uint8_t* p = part;
  const uint8_t* end = part + avail;
  const uint64_t metadata = agc::CArchive::ReadVarint(p, end);
  if (metadata == 0 || size_t(end - p) < job.size) return kPartFailed;
  const uint8_t marker = p[job.size - 1];
  const unsigned long long content = ZSTD_getFrameContentSize(p, job.size - 1);
  if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR) return kPartFailed;
  // packs and plain references unpack to their metadata; tuple-packed references to at most 2
  // bytes more than their symbol count
  if (marker == 0 ? content != metadata : marker != 1 || content > metadata + 2) return kPartFailed;
  const size_t size = size_t(content);
  if (size > space_size_) return kPartFailed;
  if (marker == 0 && job.lz_pack && step_ > 0) {
    if (scratch_.size() < size) scratch_.resize(size);
    agc::ZstdDecompressInto(p, job.size - 1, scratch_.data(), size);
    if (!Compact(scratch_.data(), size, w)) return kPartFailed;
    *meta = double(metadata);
    return kPartDone;
  }
  size_t at = 0;
  if (!Reserve(size, 8, at)) return kPartFailed;
  agc::ZstdDecompressInto(p, job.size - 1, space_ + at, size);
  // The entry ends of a pack, found here: the JS thread's indexOf is slow on shared memory.
  ends_.clear();
  if (marker == 0)
    for (const uint8_t* q = space_ + at;
         (q = static_cast<const uint8_t*>(std::memchr(q, 0xff, size_t(space_ + at + size - q))));
         q++)
      ends_.push_back(uint32_t(q - (space_ + at)));
  size_t ends_at = 0;
  if (!ends_.empty()) {
    if (!Reserve(4 * ends_.size(), 4, ends_at)) return kPartFailed;
    std::memcpy(space_ + ends_at, ends_.data(), 4 * ends_.size());
  }
  AtomicWord(w, 6)->store(-1, std::memory_order_relaxed);
  w[1] = int32_t(at);
  w[2] = int32_t(size);
  w[3] = marker;
  w[4] = int32_t(ends_at);
  w[5] = int32_t(ends_.size());
  *meta = double(metadata);
  return kPartDone;
}

// A pack of LZ-diff entries decompressed to `data` (`size` bytes), kept in compact form (each
// entry followed by one separator byte), then the positions of the separators and the checkpoint
// table; the job's words are filled in (the table's offset too: it is ready with the part). False
// for a malformed entry (the JS path decodes the text and reports it) or when the space is full.
bool PartDecoder::Compact(const uint8_t* data, size_t size, int32_t* w) {
  size_t at = 0;
  // no entry grows: the text's size is room enough; what is left over goes back
  if (!Reserve(size, 8, at)) return false;
  size_t compact = 0;
  if (!CompactEntries(data, size, min_match_, step_, space_ + at, compact, ends_, triples_,
                      &entry_triples_)) {
    GiveBack(at, at + size);
    return false;
  }
  GiveBack(at + compact, at + size);
  const size_t count = ends_.size();
  size_t ends_at = 0;
  if (!Reserve(8 * count + CheckpointBlockBytes(count), 4, ends_at)) return false;
  if (count > 0) std::memcpy(space_ + ends_at, ends_.data(), 4 * count);
  const size_t table = ends_at + 4 * count;
  WriteCheckpointTable(table, count);
  w[1] = int32_t(at);
  w[2] = int32_t(compact);
  w[3] = kCompactPackMarker;
  w[4] = int32_t(ends_at);
  w[5] = int32_t(count);
  AtomicWord(w, 6)->store(int32_t(table), std::memory_order_relaxed);
  return true;
}

size_t PartDecoder::CheckpointBlockBytes(size_t count) const {
  size_t bytes = 0;
  for (size_t e = 0, t0 = 0; e < count; t0 = entry_triples_[e], e++)
    if (entry_triples_[e] > t0) bytes += 4 * (2 + (entry_triples_[e] - t0));
  return bytes;
}

void PartDecoder::WriteCheckpointTable(size_t table, size_t count) {
  uint32_t* offsets = reinterpret_cast<uint32_t*>(space_ + table);
  size_t at = table + 4 * count;
  for (size_t e = 0, t0 = 0; e < count; t0 = entry_triples_[e], e++) {
    const size_t n = (entry_triples_[e] - t0) / 3;
    offsets[e] = 0;
    if (n == 0) continue;
    uint32_t* block = reinterpret_cast<uint32_t*>(space_ + at);
    block[0] = uint32_t(n);
    block[1] = step_;
    std::memcpy(block + 2, triples_.data() + t0, 4 * 3 * n);
    offsets[e] = uint32_t(at);
    at += 4 * (2 + 3 * n);
  }
}

bool PartDecoder::Checkpoints(size_t job) {
  int32_t* w = JobWords(job);
  const uint8_t* data = space_ + size_t(w[1]);
  const uint32_t* ends = reinterpret_cast<const uint32_t*>(space_ + size_t(w[4]));
  const size_t count = size_t(w[5]);
  triples_.clear();
  entry_triples_.clear();
  for (size_t e = 0; e < count; e++) {
    const size_t start = e == 0 ? 0 : ends[e - 1] + 1;
    agc::LzDiffScanCheckpoints(data + start, ends[e] - start, min_match_, step_, triples_);
    entry_triples_.push_back(triples_.size());
  }
  size_t table = 0;
  if (!Reserve(4 * count + CheckpointBlockBytes(count), 4, table)) return false;
  WriteCheckpointTable(table, count);
  // the table's offset is published last, after the table
  AtomicWord(w, 6)->store(int32_t(table), std::memory_order_release);
  return true;
}

}  // namespace agcnode

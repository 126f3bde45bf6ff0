// The decoding of the prefetch open's parts into its shared space (see segment.cc
// prefetchArchive), shared by the background thread and the JS thread's whole range queries
// (range_query.cc), which decode a part they need before the background gets to it. Space is
// taken from one atomic cursor, so both threads may decode (different parts) at once.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <vector>

#ifndef _WIN32
#include <sys/types.h>
#include <unistd.h>
#endif

namespace agcnode {

// Job states (the first of a job's words); both threads claim a part by compare-and-swap.
constexpr int32_t kPartPending = 0;
constexpr int32_t kPartBusy = 1;
constexpr int32_t kPartDone = 2;
constexpr int32_t kPartFailed = 4;  // left to the JS path (it reports errors in context)
// words: [0] stop, [1] the space's allocation cursor, [2] set once the space is full, [3]
// unused, then per job: state, offset, length, marker, offset and count of the entry ends,
// checkpoint table offset (-1: none yet).
constexpr size_t kSpaceHead = 4;
constexpr size_t kSpaceJobWords = 7;
// The marker word of a pack kept in compact form (stored marker bytes are 0 for packs, 0 or 1
// for references).
constexpr int32_t kCompactPackMarker = 2;

inline std::atomic<int32_t>* AtomicWord(int32_t* base, size_t i) {
  static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t), "atomic int32 layout");
  return reinterpret_cast<std::atomic<int32_t>*>(base + i);
}

struct PrefetchJob {
  size_t offset, size;  // of the part (its metadata varint first) in the file
  bool lz_pack;         // a pack of LZ-diff entries: kept in compact form
};

// The LZ-diff entries of a pack in compact form (see segment.cc compactPack).
bool CompactEntries(const uint8_t* data, size_t size, uint32_t min_match, uint32_t step,
                    uint8_t* out, size_t& written, std::vector<uint32_t>& ends,
                    std::vector<uint32_t>& triples, std::vector<size_t>* entry_triples);

class PartDecoder {
 public:
  PartDecoder(uint8_t* space, size_t space_size, int32_t* words, double* meta, uint32_t min_match,
              uint32_t step)
      : space_(space),
        space_size_(std::min<size_t>(space_size, 0x7ffffff8u)),
        words_(words),
        meta_(meta),
        min_match_(min_match),
        step_(step) {}

  int32_t* JobWords(size_t job) const { return words_ + kSpaceHead + kSpaceJobWords * job; }
  bool Full() const { return AtomicWord(words_, 2)->load(std::memory_order_acquire) != 0; }
  // PENDING -> BUSY; false when another thread (or the JS path) has the part.
  bool Claim(size_t job);
  // Decodes claimed job `job` from the file's bytes at its offset (`avail` of them) into the space
  // and publishes its state (DONE, or FAILED). Never throws.
  int32_t Finish(size_t job, const PrefetchJob& spec, const uint8_t* part, size_t avail);
  // The LZ-diff checkpoints of the entries of a text pack decoded before (table word set).
  // False when the space is full.
  bool Checkpoints(size_t job);
  // File bytes [from, to) into dst (false on a short read); `stop`, when given, is asked between
  // slices.
  template <typename Stop>
  static bool ReadInto(std::FILE* f, size_t from, size_t to, uint8_t* dst, Stop stop);

 private:
  int32_t Decode(const PrefetchJob& job, const uint8_t* part, size_t avail, int32_t* w,
                 double* meta);
  bool Compact(const uint8_t* data, size_t size, int32_t* w);
  bool ReserveShared(size_t bytes, size_t align, size_t& at, bool full);
  bool Reserve(size_t bytes, size_t align, size_t& at);
  void GiveBack(size_t from, size_t to);
  // Bytes a thread takes from the shared cursor at a time (a few dozen parts).
  static constexpr size_t kChunk = size_t(4) << 20;
  size_t chunk_at_ = 0, chunk_end_ = 0;
  // Bytes of the checkpoint blocks of `count` entries (triples_, split by entry_triples_).
  size_t CheckpointBlockBytes(size_t count) const;
  // The checkpoint table of `count` entries at `table`: an offset per entry (0: none), then the
  // entries' blocks (count, step, triples), CheckpointBlockBytes of them.
  void WriteCheckpointTable(size_t table, size_t count);

  uint8_t* space_;
  size_t space_size_;
  int32_t* words_;
  double* meta_;
  uint32_t min_match_, step_;
  std::vector<uint32_t> ends_, triples_;
  std::vector<size_t> entry_triples_;
  std::vector<uint8_t> scratch_;
};

template <typename Stop>
bool PartDecoder::ReadInto(std::FILE* f, size_t from, size_t to, uint8_t* dst, Stop stop) {
  if (from >= to) return true;
#ifdef _WIN32
  if (std::fseek(f, long(from), SEEK_SET) != 0) return false;
#else
  // Positioned reads of exactly the part's bytes: through the FILE buffer each part cost a seek
  // and a read of a whole buffer beyond it, which the next part's seek threw away.
  const int fd = fileno(f);
#endif
  while (from < to) {
    if (stop()) return false;
    const size_t want = std::min<size_t>(to - from, size_t(8) << 20);
#ifdef _WIN32
    if (std::fread(dst, 1, want, f) != want) return false;
    const size_t got = want;
#else
    if (from > size_t(std::numeric_limits<off_t>::max())) return false;
    const ssize_t r = ::pread(fd, dst, want, off_t(from));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    const size_t got = size_t(r);
#endif
    from += got;
    dst += got;
  }
  return true;
}

}  // namespace agcnode

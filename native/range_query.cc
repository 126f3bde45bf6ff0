// JS class RangeIndex (binding.d.ts): a whole random-access range query in one call, over the
// parts the prefetch open's background thread has decoded (native/segment.cc prefetchArchive).
// The JS path spent most of a query on per-query objects (cache entries, pack and entry views,
// checkpoint arrays) and their collection, not on decoding; here a query walks the contig's
// segments and decodes each straight into the caller's buffer from the shared space.
//
// A part the background has not reached yet is claimed and decoded into the shared space by the
// query (prefetch_decode.h), as the background would have. A query that needs a part it cannot
// have (being decoded by the background right now, claimed by the JS path, corrupt, no room), or
// that meets anything inconsistent, answers false and leaves the range to the JS path, which
// decodes and reports errors (naming archive and place) as it always did. So this path never
// throws for archive data: only for misuse of its arguments.
#include "common.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#ifndef _WIN32
#include <fcntl.h>
#endif

#include "agc/segment_decode.h"
#include "guarded_worker.h"
#include "prefetch_decode.h"

namespace agcnode {

namespace {

constexpr size_t kHead = kSpaceHead;
constexpr size_t kJobWords = kSpaceJobWords;
constexpr int32_t kDone = kPartDone;
constexpr int32_t kCompactPack = kCompactPackMarker;
constexpr size_t kJobFields = 3;
// Groups below this hold raw segments only (docs/format.md).
constexpr uint32_t kNoRawGroups = 16;
constexpr size_t kTablesSize = 512;
// Per group in `groups`: first slot and part count of its reference stream, then of its delta
// stream (slot -1: no such stream).
constexpr size_t kGroupFields = 4;
// How many parts after the last one a query decoded the job decoding ahead looks at first.
constexpr size_t kNearParts = 16;
// At most this many parts owed to the job decoding ahead: what an archive left open makes the
// process wait for at exit (about a millisecond of work), and enough to keep that job busy.
constexpr int64_t kMaxCredits = 8;
constexpr size_t kAdviseSlice = size_t(4) << 20;

Napi::TypedArray ArgTypedOf(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type,
                            const char* what) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type)
    throw InputTypeError(info.Env(), what);
  return info[i].As<Napi::TypedArray>();
}

const std::atomic<int32_t>* AtomicAt(const int32_t* base, size_t i) {
  return AtomicWord(const_cast<int32_t*>(base), i);
}

class RangeIndex : public Napi::ObjectWrap<RangeIndex> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RangeIndex",
                       {InstanceMethod<&RangeIndex::Coded<&RangeIndex::Read>>("read"),
                        InstanceMethod<&RangeIndex::Coded<&RangeIndex::Close>>("close"),
                        InstanceMethod<&RangeIndex::Coded<&RangeIndex::Decoded>>("decoded")});
  }

  template <Napi::Value (RangeIndex::*M)(const Napi::CallbackInfo&)>
  Napi::Value Coded(const Napi::CallbackInfo& info) {
    return CallCoded(info.Env(), [&] { return (this->*M)(info); });
  }

  // new RangeIndex(space, words, meta, jobOf, groups, tables, packCardinality, minMatchLen, k,
  //                path, fileSize, jobs, checkpointStep, aheadPerPart[, readAhead])
  explicit RangeIndex(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RangeIndex>(info) {
    Napi::Env env = info.Env();
    Napi::Uint8Array space = AsUint8Array(info[0], "space");
    Napi::TypedArray words = ArgTypedOf(info, 1, napi_int32_array, "words: expected an Int32Array");
    Napi::TypedArray meta =
        ArgTypedOf(info, 2, napi_float64_array, "meta: expected a Float64Array");
    Napi::TypedArray job_of =
        ArgTypedOf(info, 3, napi_int32_array, "jobOf: expected an Int32Array");
    Napi::TypedArray groups =
        ArgTypedOf(info, 4, napi_int32_array, "groups: expected an Int32Array");
    ByteView tables = ArgBytes(info, 5, "tables");
    if (tables.size != kTablesSize) throw InputRangeError(env, "tables must have 512 entries");
    pack_cardinality_ = ArgUint32(info, 6, "packCardinality");
    min_match_ = ArgUint32(info, 7, "minMatchLen");
    k_ = ArgUint32(info, 8, "kmerLength");
    if (pack_cardinality_ == 0) throw InputRangeError(env, "packCardinality must be positive");
    if (words.ElementLength() < kHead || (words.ElementLength() - kHead) % kJobWords != 0 ||
        meta.ElementLength() != (words.ElementLength() - kHead) / kJobWords ||
        groups.ElementLength() % kGroupFields != 0)
      throw InputRangeError(env, "words, meta and groups do not describe the same jobs");
    space_ = space.Data();
    space_size_ = space.ElementLength();
    words_ = info[1].As<Napi::Int32Array>().Data();
    if (reinterpret_cast<uintptr_t>(words_) % alignof(std::atomic<int32_t>) != 0)
      throw InputRangeError(env, "words: not aligned");
    jobs_ = meta.ElementLength();
    meta_ = info[2].As<Napi::Float64Array>().Data();
    job_of_ = info[3].As<Napi::Int32Array>().Data();
    job_of_size_ = job_of.ElementLength();
    groups_ = info[4].As<Napi::Int32Array>().Data();
    group_count_ = groups.ElementLength() / kGroupFields;
    tables_.assign(tables.data, tables.data + kTablesSize);
    // Every group's slots must lie inside jobOf: checked once here, so that a query only
    // bounds its part number by the count.
    for (size_t g = 0; g < group_count_; g++)
      for (size_t s = 0; s < 2; s++) {
        const int32_t slot = groups_[kGroupFields * g + 2 * s];
        const int32_t count = groups_[kGroupFields * g + 2 * s + 1];
        if (slot < 0) continue;
        if (count < 0 || size_t(slot) + size_t(count) > job_of_size_)
          throw InputRangeError(env, "groups: a stream's parts lie outside jobOf");
      }
    // The arrays stay alive (and in place) as long as this index.
    // the prefetch job list (as prefetchArchive takes it) and the file, for parts not decoded yet
    path_ = ArgString(info, 9, "path");
    file_size_ = ArgIndex(info, 10, "fileSize");
    Napi::TypedArray jobs =
        ArgTypedOf(info, 11, napi_float64_array, "jobs: expected a Float64Array");
    const uint32_t step = ArgUint32(info, 12, "checkpointStep");
    ahead_per_part_ = ArgUint32(info, 13, "aheadPerPart");
    if (info.Length() > 14 && !info[14].IsUndefined()) {
      if (!info[14].IsBoolean()) throw InputTypeError(env, "readAhead: expected a boolean");
      read_ahead_ = info[14].As<Napi::Boolean>().Value();
    }
    if (jobs.ElementLength() != kJobFields * jobs_)
      throw InputRangeError(env, "jobs, words and meta do not describe the same jobs");
    const double* j = info[11].As<Napi::Float64Array>().Data();
    specs_.reserve(jobs_);
    for (size_t i = 0; i < jobs_; i++) {
      const double off = j[kJobFields * i], len = j[kJobFields * i + 1];
      if (!(off >= 0 && len >= 0 && off <= double(file_size_) && len <= double(file_size_) - off))
        throw InputRangeError(env, "jobs: job " + std::to_string(i) + " lies outside the file");
      specs_.push_back(PrefetchJob{size_t(off), size_t(len), j[kJobFields * i + 2] == 1});
    }
    for (Source* src : {&here_, &ahead_})
      src->decoder =
          std::make_unique<PartDecoder>(space_, space_size_, info[1].As<Napi::Int32Array>().Data(),
                                        info[2].As<Napi::Float64Array>().Data(), min_match_, step);
    for (size_t a = 0; a <= 4; a++) keep_.push_back(Napi::Persistent(info[a].As<Napi::Object>()));
    if (ahead_per_part_ > 0) {
      ahead_at_.assign(jobs_, 0);
      for (size_t g = 0; g < group_count_; g++)
        for (size_t st = 0; st < 2; st++) {
          const int32_t slot = groups_[kGroupFields * g + 2 * st];
          const int32_t count = groups_[kGroupFields * g + 2 * st + 1];
          for (int32_t p = 0; slot >= 0 && p < count; p++) {
            const int32_t j = job_of_[size_t(slot) + size_t(p)];
            if (j < 0 || size_t(j) >= jobs_) continue;
            ahead_at_[size_t(j)] = ahead_order_.size();
            ahead_order_.push_back(j);
          }
        }
    }
  }

  ~RangeIndex() override {
    here_.CloseFile();
    ahead_.CloseFile();
  }

 private:
  // A decoded part in the space, when its job is done and its words lie inside the space.
  struct Part {
    const uint8_t* data = nullptr;
    size_t size = 0;
    int32_t marker = 0;
    const uint32_t* ends = nullptr;
    size_t count = 0;
    int32_t table = -1;
    double metadata = 0;
  };

  // What a thread needs to decode parts from the file: the query's thread has one, the thread
  // that decodes ahead of the queries another.
  struct Source {
    std::unique_ptr<PartDecoder> decoder;
    std::FILE* file = nullptr;
    std::vector<uint8_t> part;
    void CloseFile() {
      if (file) std::fclose(file);
      file = nullptr;
    }
  };

  // close(): no more decoding of parts from the file (queries then answer from what is decoded).
  Napi::Value Close(const Napi::CallbackInfo& info) {
    closed_ = true;
    stop_.store(true, std::memory_order_release);
    here_.CloseFile();
    return info.Env().Undefined();
  }

  // decoded(): [parts the queries decoded, parts decoded ahead of them] (for tests)
  Napi::Value Decoded(const Napi::CallbackInfo& info) {
    Napi::Array out = Napi::Array::New(info.Env(), 2);
    out.Set(uint32_t(0), double(decoded_total_here_));
    out.Set(uint32_t(1), double(decoded_ahead_.load(std::memory_order_relaxed)));
    return out;
  }

  // Claims job j (still pending) and decodes it into the space with src; whether it is done.
  bool DecodeWith(Source& src, size_t j) {
    if (src.decoder->Full() || !src.decoder->Claim(j)) return false;
    const PrefetchJob& spec = specs_[j];
    const size_t from = spec.offset;
    const size_t to = std::min(file_size_, spec.offset + spec.size + 9);
    bool readable = false;
    try {
      if (!src.file) src.file = std::fopen(path_.c_str(), "rb");
      if (src.file) {
        if (src.part.size() < to - from) src.part.resize(to - from);
        readable = PartDecoder::ReadInto(src.file, from, to, src.part.data(), [] { return false; });
      }
    } catch (const std::exception&) {
      readable = false;
    }
    if (!readable) {
      // left to the JS path, which reads it and reports what is wrong
      AtomicWord(src.decoder->JobWords(j), 0)->store(kPartFailed, std::memory_order_release);
      return false;
    }
    return src.decoder->Finish(j, spec, src.part.data(), to - from) == kPartDone;
  }

  bool DecodeHere(size_t j) {
    if (closed_ || !DecodeWith(here_, j)) return false;
    decoded_here_++;
    decoded_total_here_++;
    if (ahead_per_part_ > 0) near_.store(ahead_at_[j] + 1, std::memory_order_relaxed);
    return true;
  }

  // The state of a part another thread is decoding (the prefetch open's background, or the thread
  // that decodes ahead), once it is done: a fraction of a millisecond, against a decoding of its
  // own on the JS path. Bounded, should that thread be held up.
  static int32_t AwaitBusy(const int32_t* w) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    int32_t state;
    while ((state = AtomicAt(w, 0)->load(std::memory_order_acquire)) == kPartBusy &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    return state;
  }

  // The part `p` of group g's stream `s` (0 reference, 1 delta), or false.
  bool PartOf(uint32_t g, size_t s, uint32_t p, Part& out) {
    if (g >= group_count_) return false;
    const int32_t slot = groups_[kGroupFields * g + 2 * s];
    const int32_t count = groups_[kGroupFields * g + 2 * s + 1];
    if (slot < 0 || p >= uint32_t(count)) return false;
    const int32_t j = job_of_[size_t(slot) + p];
    if (j < 0 || size_t(j) >= jobs_) return false;
    const int32_t* w = words_ + kHead + kJobWords * size_t(j);
    int32_t state = AtomicAt(w, 0)->load(std::memory_order_acquire);
    if (state == kPartBusy) state = AwaitBusy(w);
    if (state != kDone && !(state == kPartPending && DecodeHere(size_t(j)))) return false;
    const size_t at = size_t(uint32_t(w[1])), size = size_t(uint32_t(w[2]));
    const size_t ends_at = size_t(uint32_t(w[4])), count_ends = size_t(uint32_t(w[5]));
    if (at > space_size_ || size > space_size_ - at || ends_at % 4 != 0 || ends_at > space_size_ ||
        count_ends > (space_size_ - ends_at) / 4)
      return false;
    out.data = space_ + at;
    out.size = size;
    out.marker = w[3];
    out.ends = reinterpret_cast<const uint32_t*>(space_ + ends_at);
    out.count = count_ends;
    out.table = AtomicAt(w, 6)->load(std::memory_order_acquire);
    out.metadata = meta_[j];
    return true;
  }

  // Entry e of a pack part (without its separator), or false.
  static bool EntryOf(const Part& pack, size_t e, const uint8_t*& data, size_t& size) {
    if (e >= pack.count) return false;
    const size_t start = e == 0 ? 0 : size_t(pack.ends[e - 1]) + 1;
    const size_t end = pack.ends[e];
    if (start > end || end > pack.size) return false;
    data = pack.data + start;
    size = end - start;
    return true;
  }

  // Group g's reference as stored, as the JS path judges it (decompressedReference), or false.
  bool ReferenceOf(uint32_t g, agc::PackedRef& ref) {
    Part part;
    if (!PartOf(g, 0, 0, part) || (part.marker != 0 && part.marker != 1)) return false;
    ref = agc::MakePackedRef(part.data, part.size,
                             part.marker == 0 ? agc::RefForm::kCodes : agc::RefForm::kTuples);
    return double(ref.length) == part.metadata;
  }

  // Checkpoints the background made for entry e of a pack, or none (null words).
  agc::LzCheckpoints CheckpointsOf(const Part& pack, size_t e) const {
    const agc::LzCheckpoints none{nullptr, 0};
    if (pack.table < 0) return none;
    const size_t table = size_t(pack.table);
    if (table % 4 != 0 || table > space_size_ || e >= (space_size_ - table) / 4) return none;
    const size_t at = reinterpret_cast<const uint32_t*>(space_ + table)[e];
    if (at == 0 || at % 4 != 0 || at > space_size_ || (space_size_ - at) / 4 < 2) return none;
    uint32_t* block = reinterpret_cast<uint32_t*>(space_ + at);
    const size_t count = block[0];
    if (count > ((space_size_ - at) / 4 - 2) / 3) return none;
    return agc::LzCheckpoints{block, count};
  }

  // Symbols [i0, i0 + count) of a segment (group g, inGroupId id, n symbols), oriented, to dst.
  bool Segment(uint32_t g, uint32_t id, size_t n, bool rc, size_t i0, size_t count, uint8_t* dst) {
    const uint8_t* tables = tables_.data();
    if (i0 > n || count > n - i0) return false;
    agc::PackedRef ref;
    if (g >= kNoRawGroups && id == 0) {
      if (!ReferenceOf(g, ref) || ref.length != n) return false;
      agc::RefRangeLetters(ref, rc ? n - i0 - count : i0, count, tables, dst);
    } else if (g < kNoRawGroups) {
      Part pack;
      const uint8_t* entry;
      size_t size;
      if (!PartOf(g, 1, id / pack_cardinality_, pack) || pack.marker != 0 ||
          !EntryOf(pack, id % pack_cardinality_, entry, size) || size != n)
        return false;
      agc::RefRangeLetters(agc::MakePackedRef(entry, size, agc::RefForm::kCodes),
                           rc ? n - i0 - count : i0, count, tables, dst);
    } else {
      const uint32_t e = (id - 1) % pack_cardinality_;
      Part pack;
      const uint8_t* entry;
      size_t size;
      if (!PartOf(g, 1, (id - 1) / pack_cardinality_, pack) ||
          (pack.marker != 0 && pack.marker != kCompactPack) || !EntryOf(pack, e, entry, size) ||
          !ReferenceOf(g, ref))
        return false;
      agc::LzCheckpoints cps = CheckpointsOf(pack, e);
      const size_t f0 = rc ? n - i0 - count : i0;
      if (pack.marker == kCompactPack)
        agc::LzCompactDecodeRangeLetters(ref, entry, size, min_match_, tables, n, f0, f0 + count,
                                         dst, cps.words ? &cps : nullptr);
      else
        agc::LzDiffDecodeRangeLetters(ref, entry, size, min_match_, tables, n, f0, f0 + count, dst,
                                      cps.words ? &cps : nullptr);
    }
    if (rc) agc::ReverseComplementLetters(dst, count, tables + 256);
    return true;
  }

  // read(groupId, inGroupId, rawLength, revComp, starts, from, to, dst, dstOffset): whether
  // contig positions [from, to) (within the layout) were written to dst[dstOffset, + to - from).
  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Uint32Array group_id = AsUint32Array(info[0], "groupId");
    Napi::Uint32Array in_group = AsUint32Array(info[1], "inGroupId");
    Napi::Uint32Array raw_length = AsUint32Array(info[2], "rawLength");
    Napi::Uint8Array rev_comp = AsUint8Array(info[3], "revComp");
    Napi::TypedArray starts_arr =
        ArgTypedOf(info, 4, napi_float64_array, "starts: expected a Float64Array");
    const size_t nseg = raw_length.ElementLength();
    if (nseg == 0 || group_id.ElementLength() != nseg || in_group.ElementLength() != nseg ||
        rev_comp.ElementLength() != nseg || starts_arr.ElementLength() != nseg + 1)
      throw InputRangeError(env, "the layout's arrays disagree on the segment count");
    const double* starts = info[4].As<Napi::Float64Array>().Data();
    const size_t from = ArgIndex(info, 5, "from");
    const size_t to = ArgIndex(info, 6, "to");
    if (from > to || double(to) > starts[nseg])
      throw InputRangeError(env, "from..to is outside the contig");
    Napi::Uint8Array dst = AsUint8Array(info[7], "dst");
    const size_t offset = ArgIndex(info, 8, "dstOffset");
    if (offset > dst.ElementLength() || to - from > dst.ElementLength() - offset)
      throw InputRangeError(env, "dst has no room at dstOffset");
    uint8_t* out = dst.Data() + offset;
    const uint8_t* d0 = dst.Data();
    const size_t dn = dst.ElementLength();
    if (d0 < space_ + space_size_ && space_ < d0 + dn)
      throw InputRangeError(env, "dst overlaps the decoded space");
    bool ok = true;
    decoded_here_ = 0;
    try {
      // the last segment starting at or before `from` (as segmentAt)
      size_t lo = 0, hi = nseg - 1;
      while (lo < hi) {
        const size_t mid = (lo + hi + 1) / 2;
        if (starts[mid] <= double(from))
          lo = mid;
        else
          hi = mid - 1;
      }
      size_t q = 0;
      for (size_t j = lo; ok && j < nseg && starts[j] < double(to); j++) {
        const double seg_from = std::max(double(from), starts[j]);
        const double seg_to = std::min(double(to), starts[j + 1]);
        if (!(seg_to > seg_from)) continue;
        const size_t count = size_t(seg_to - seg_from);
        if (count > to - from - q) {
          ok = false;
          break;
        }
        const size_t i0 = (j == 0 ? 0 : k_) + size_t(seg_from - starts[j]);
        ok = Segment(group_id.Data()[j], in_group.Data()[j], raw_length.Data()[j],
                     rev_comp.Data()[j] != 0, i0, count, out + q);
        q += count;
      }
      ok = ok && q == to - from;
    } catch (const std::exception&) {
      // corrupt data: the JS path decodes the range again and reports it in context
      ok = false;
    }
    if (decoded_here_ > 0) {
      if (ahead_per_part_ > 0)
        DecodeAhead(env, decoded_here_);
      else if (read_ahead_)
        AdviseWillNeed();  // (no job decoding ahead: this thread is the only one to use ahead_)
    }
    return Napi::Boolean::New(env, ok);
  }

  // ---- decoding ahead of the queries (the default open: no background thread) ----------------
  // A query that decoded parts itself earns the pool thread credits for as many more parts each
  // (aheadPerPart), which it decodes meanwhile on the second core: under random access the parts
  // queries decode become, for the most part, parts they find decoded. The credits bound that
  // speculation to aheadPerPart times what queries asked for (and all of it to the space).

  class AheadWorker : public GuardedWorker {
   public:
    AheadWorker(Napi::Env env, RangeIndex* index)
        : GuardedWorker(env, "agcDecodeAhead"), index_(index) {
      // the index (and through it the space and its words) stays alive until the job is over
      keep_ = Napi::Persistent(index->Value());
      Guard(env);
    }

   protected:
    void Execute() override {
      if (!Begin()) return;  // the environment (and the index) are gone
      index_->RunAhead([this] { return TornDown(); });
      End();
    }
    void OnOK() override {}
    void OnError(const Napi::Error&) override {}

   private:
    RangeIndex* index_;
    Napi::ObjectReference keep_;
  };

  // Credits for the parts a query decoded; starts the job when none runs.
  void DecodeAhead(Napi::Env env, size_t decoded) {
    if (ahead_per_part_ == 0 || closed_ || ahead_exhausted_.load(std::memory_order_acquire)) return;
    // (capped: a backlog the job cannot keep up with would only hold a process from exiting)
    const int64_t add = int64_t(ahead_per_part_) * int64_t(decoded);
    int64_t have = credits_.load(std::memory_order_acquire);
    while (!credits_.compare_exchange_weak(
        have, std::min(kMaxCredits, std::max<int64_t>(have, 0) + add), std::memory_order_acq_rel)) {
    }
    bool idle = false;
    if (!ahead_running_.compare_exchange_strong(idle, true, std::memory_order_acq_rel)) return;
    try {
      (new AheadWorker(env, this))->Queue();
    } catch (const std::exception&) {
      // (no job: the queries decode their parts themselves, as without it)
      ahead_running_.store(false, std::memory_order_release);
    }
  }

  bool PendingAt(size_t at) const {
    return AtomicAt(words_ + kHead + kJobWords * size_t(ahead_order_[at]), 0)
               ->load(std::memory_order_acquire) == kPartPending;
  }

  // Where the job goes next: a pending part among the few after the last one a query decoded (the
  // groups that follow, which a reader moving along a contig needs next), else the first pending
  // part in group order; the end when none is left.
  size_t NextAhead() {
    const size_t near = near_.load(std::memory_order_relaxed);
    for (size_t at = near, end = std::min(ahead_order_.size(), near + kNearParts); at < end; at++)
      if (PendingAt(at)) return at;
    while (scan_ < ahead_order_.size() && !PendingAt(scan_)) scan_++;
    return scan_;
  }

  // The job (on a pool thread): pending parts in group order while credits last. The flag is
  // dropped before the credits are looked at a last time, so that credits a query adds meanwhile
  // are never left without a job to spend them.
  template <typename TornDown>
  void RunAhead(TornDown torn_down) {
    AdviseWillNeed();
    for (;;) {
      bool over = false;
      while (credits_.load(std::memory_order_acquire) > 0) {
        const size_t at = NextAhead();
        if (stop_.load(std::memory_order_acquire) || torn_down() || ahead_.decoder->Full() ||
            at == ahead_order_.size()) {
          over = true;
          break;
        }
        if (DecodeWith(ahead_, size_t(ahead_order_[at])))
          decoded_ahead_.fetch_add(1, std::memory_order_relaxed);
        credits_.fetch_sub(1, std::memory_order_acq_rel);
      }
      if (over) {
        // for good: nothing left to decode, no room, or no more queries
        ahead_exhausted_.store(true, std::memory_order_release);
        ahead_.CloseFile();
      }
      ahead_running_.store(false, std::memory_order_release);
      if (over || credits_.load(std::memory_order_acquire) <= 0) return;
      bool idle = false;
      if (!ahead_running_.compare_exchange_strong(idle, true, std::memory_order_acq_rel)) return;
    }
  }

  // Once, on the job's thread (or, without a job, on the queries' thread): queries read an archive
  // that fits the space part by part, at random, until most of it is decoded. Told so, the kernel
  // reads the whole file ahead in large sequential reads; otherwise, once the file has left the
  // page cache, every part waits on the disk (8 x 60 Mbp after a long idle: a quarter of a CPU busy
  // over 3 s of wall time).
  void AdviseWillNeed() {
    if (advised_) return;
    advised_ = true;
#ifdef POSIX_FADV_WILLNEED
    if (file_size_ > space_size_) return;
    if (!ahead_.file) ahead_.file = std::fopen(path_.c_str(), "rb");
    if (!ahead_.file) return;
    // (in slices: the kernel reads no more than a few MiB ahead per call)
    for (size_t at = 0; at < file_size_; at += kAdviseSlice)
      if (posix_fadvise(fileno(ahead_.file), off_t(at),
                        off_t(std::min(kAdviseSlice, file_size_ - at)), POSIX_FADV_WILLNEED) != 0)
        break;
#endif
  }

  uint8_t* space_ = nullptr;
  size_t space_size_ = 0;
  const int32_t* words_ = nullptr;
  const double* meta_ = nullptr;
  size_t jobs_ = 0;
  const int32_t* job_of_ = nullptr;
  size_t job_of_size_ = 0;
  const int32_t* groups_ = nullptr;
  size_t group_count_ = 0;
  std::vector<uint8_t> tables_;
  uint32_t pack_cardinality_ = 1, min_match_ = 0, k_ = 0;
  std::vector<Napi::ObjectReference> keep_;
  std::string path_;
  size_t file_size_ = 0;
  std::vector<PrefetchJob> specs_;
  Source here_, ahead_;
  bool closed_ = false;
  std::atomic<bool> stop_{false};
  size_t decoded_here_ = 0;
  uint32_t ahead_per_part_ = 0;
  // the jobs in the order the job decodes them (each group's reference, then its packs), and how
  // far it has come
  std::vector<int32_t> ahead_order_;
  std::vector<size_t> ahead_at_;  // of each job in ahead_order_
  size_t scan_ = 0;
  std::atomic<size_t> near_{0};
  bool advised_ = false;  // (the job's thread only, or the queries' when there is no job)
  // Whether queries that decode parts with no job decoding ahead advise the kernel as the job
  // would: the default open on one CPU (a prefetch open's background thread reads the file anyway).
  bool read_ahead_ = false;
  std::atomic<int64_t> credits_{0};
  std::atomic<bool> ahead_running_{false}, ahead_exhausted_{false};
  size_t decoded_total_here_ = 0;
  std::atomic<size_t> decoded_ahead_{0};
};

}  // namespace

void InitRangeQuery(Napi::Env env, Napi::Object exports) {
  exports.Set("RangeIndex", RangeIndex::Define(env));
}

}  // namespace agcnode

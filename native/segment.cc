// zstdDecompressInto / refRangeLetters / lzDecodeRange (binding.d.ts) over agc/zstd_util.h and
// agc/segment_decode.h: the random-access reader's per-query decoding, into caller-owned arrays.
#include "common.h"

#include <zstd.h>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "agc/memory_util.h"
#include "agc/segment_decode.h"
#include "agc/zstd_util.h"
#include "guarded_worker.h"
#include "prefetch_decode.h"

namespace agcnode {

namespace {

// Huge pages for memory read at random where the kernel allows them on request: 4 KiB pages
// cost a TLB miss and, to fill, a fault each.
bool AdviseHugePages(void* data, size_t size) {
#ifdef __linux__
  const uintptr_t huge = uintptr_t(2) << 20;
  const uintptr_t lo = (reinterpret_cast<uintptr_t>(data) + huge - 1) & ~(huge - 1);
  const uintptr_t hi = (reinterpret_cast<uintptr_t>(data) + size) & ~(huge - 1);
  return hi > lo && madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE) == 0;
#else
  (void)data;
  (void)size;
  return false;
#endif
}

// The code -> letter table followed by the letter -> complement table.
constexpr size_t kTablesSize = 512;

agc::RefForm ArgForm(const Napi::CallbackInfo& info, size_t i) {
  const uint32_t form = ArgUint32(info, i, "form");
  if (form > 1) throw InputRangeError(info.Env(), "form must be 0 (codes) or 1 (tuples)");
  return agc::RefForm(form);
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean())
    throw InputTypeError(info.Env(), std::string(name) + ": expected a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

const uint8_t* ArgTables(const Napi::CallbackInfo& info, size_t i) {
  ByteView t = ArgBytes(info, i, "tables");
  if (t.size != kTablesSize) throw InputRangeError(info.Env(), "tables must have 512 entries");
  return t.data;
}

bool Overlaps(const uint8_t* a, size_t na, const uint8_t* b, size_t nb) {
  return na > 0 && nb > 0 && a < b + nb && b < a + na;
}

// dst[offset, offset + count) of argument i, checked to lie inside dst and apart from `inputs`.
uint8_t* ArgOutput(const Napi::CallbackInfo& info, size_t i, size_t count,
                   std::initializer_list<ByteView> inputs) {
  Napi::Uint8Array dst = AsUint8Array(info[i], "dst");
  const size_t offset = ArgIndex(info, i + 1, "dstOffset");
  if (offset > dst.ElementLength() || count > dst.ElementLength() - offset)
    throw InputRangeError(info.Env(), "dst has no room at dstOffset");
  uint8_t* out = dst.Data() + offset;
  for (const ByteView& v : inputs)
    if (Overlaps(out, count, v.data, v.size))
      throw InputRangeError(info.Env(), "dst overlaps an input");
  return out;
}

Napi::Value ZstdDecompressIntoJs(const Napi::CallbackInfo& info) {
  ByteView data = ArgBytes(info, 0, "data");
  Napi::Uint8Array dst = AsUint8Array(info[1], "dst");
  if (Overlaps(dst.Data(), dst.ElementLength(), data.data, data.size))
    throw InputRangeError(info.Env(), "dst overlaps data");
  return Napi::Number::New(info.Env(), double(agc::ZstdDecompressInto(
                                           data.data, data.size, dst.Data(), dst.ElementLength())));
}

// refRangeLetters(ref, form, from, count, dst, dstOffset, rc, tables)
Napi::Value RefRangeLettersJs(const Napi::CallbackInfo& info) {
  ByteView bytes = ArgBytes(info, 0, "ref");
  const agc::PackedRef ref = agc::MakePackedRef(bytes.data, bytes.size, ArgForm(info, 1));
  const size_t from = ArgIndex(info, 2, "from");
  const size_t count = ArgIndex(info, 3, "count");
  if (from > ref.length || count > ref.length - from)
    throw InputRangeError(info.Env(), "from..from+count is outside the reference");
  const uint8_t* tables = ArgTables(info, 7);
  uint8_t* out = ArgOutput(info, 4, count, {bytes, ByteView{tables, kTablesSize}});
  const bool rc = ArgBool(info, 6, "rc");
  if (rc) {
    agc::RefRangeLetters(ref, ref.length - from - count, count, tables, out);
    agc::ReverseComplementLetters(out, count, tables + 256);
  } else {
    agc::RefRangeLetters(ref, from, count, tables, out);
  }
  return info.Env().Undefined();
}

// lzDecodeRange(ref, form, enc, minMatchLen, n, from, to, dst, dstOffset, rc, tables[,
// checkpoints]), and lzCompactDecodeRange alike for an entry in compact form
template <bool kCompact>
Napi::Value LzDecodeRangeJs(const Napi::CallbackInfo& info) {
  ByteView bytes = ArgBytes(info, 0, "ref");
  const agc::PackedRef ref = agc::MakePackedRef(bytes.data, bytes.size, ArgForm(info, 1));
  ByteView enc = ArgBytes(info, 2, "enc");
  const uint32_t min_match = ArgUint32(info, 3, "minMatchLen");
  const size_t n = ArgIndex(info, 4, "n");
  const size_t from = ArgIndex(info, 5, "from");
  const size_t to = ArgIndex(info, 6, "to");
  if (from > to || to > n) throw InputRangeError(info.Env(), "from..to is outside the segment");
  const uint8_t* tables = ArgTables(info, 10);
  uint8_t* out = ArgOutput(info, 7, to - from, {bytes, enc, ByteView{tables, kTablesSize}});
  const bool rc = ArgBool(info, 9, "rc");
  agc::LzCheckpoints cps{nullptr, 0};
  if (info.Length() > 11 && !info[11].IsUndefined()) {
    Napi::Uint32Array words = AsUint32Array(info[11], "checkpoints");
    if (words.ElementLength() < 5)
      throw InputRangeError(info.Env(), "checkpoints: room for one at least");
    uint8_t* w = reinterpret_cast<uint8_t*>(words.Data());
    const size_t wn = 4 * words.ElementLength();
    if (Overlaps(w, wn, out, to - from) || Overlaps(w, wn, enc.data, enc.size) ||
        Overlaps(w, wn, bytes.data, bytes.size) || Overlaps(w, wn, tables, kTablesSize))
      throw InputRangeError(info.Env(), "checkpoints overlap another argument");
    cps = agc::LzCheckpoints{words.Data(), (words.ElementLength() - 2) / 3};
  }
  // reverse-complemented: the mirrored forward range, turned around afterwards
  const size_t f0 = rc ? n - to : from;
  if (kCompact)
    agc::LzCompactDecodeRangeLetters(ref, enc.data, enc.size, min_match, tables, n, f0,
                                     f0 + (to - from), out, cps.words ? &cps : nullptr);
  else
    agc::LzDiffDecodeRangeLetters(ref, enc.data, enc.size, min_match, tables, n, f0,
                                  f0 + (to - from), out, cps.words ? &cps : nullptr);
  if (rc) agc::ReverseComplementLetters(out, to - from, tables + 256);
  return info.Env().Undefined();
}

// lzDiffCompact(enc, minMatchLen, checkpointStep): [compact bytes, checkpoints (count, step,
// triples)] of an LZ-diff entry, as the prefetch open keeps it; undefined for a malformed entry.
Napi::Value LzDiffCompactJs(const Napi::CallbackInfo& info) {
  ByteView enc = ArgBytes(info, 0, "enc");
  const uint32_t min_match = ArgUint32(info, 1, "minMatchLen");
  const uint32_t step = ArgUint32(info, 2, "checkpointStep");
  std::vector<uint8_t> out(enc.size);
  std::vector<uint32_t> triples;
  const size_t n = agc::LzDiffCompact(enc.data, enc.size, min_match, step, out.data(), triples);
  Napi::Env env = info.Env();
  if (n == SIZE_MAX) return env.Undefined();
  Napi::Uint8Array bytes = Napi::Uint8Array::New(env, n);
  if (n > 0) std::memcpy(bytes.Data(), out.data(), n);
  Napi::Uint32Array cps = Napi::Uint32Array::New(env, 2 + triples.size());
  cps.Data()[0] = uint32_t(triples.size() / 3);
  cps.Data()[1] = step;
  if (!triples.empty()) std::memcpy(cps.Data() + 2, triples.data(), 4 * triples.size());
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(uint32_t(0), bytes);
  result.Set(uint32_t(1), cps);
  return result;
}

// compactPack(text, dst, minMatchLen): the entries of a decompressed pack of LZ-diff entries in
// compact form into dst (at least text.length bytes), each followed by one separator byte; returns
// the separators' positions (the pack's entry ends), or undefined for a malformed entry. Without
// checkpoints: the range decoder records them as it reads.
Napi::Value CompactPackJs(const Napi::CallbackInfo& info) {
  ByteView text = ArgBytes(info, 0, "text");
  Napi::Uint8Array dst = AsUint8Array(info[1], "dst");
  const uint32_t min_match = ArgUint32(info, 2, "minMatchLen");
  Napi::Env env = info.Env();
  if (dst.ElementLength() < text.size) throw InputRangeError(env, "dst is shorter than text");
  if (Overlaps(dst.Data(), dst.ElementLength(), text.data, text.size))
    throw InputRangeError(env, "dst overlaps text");
  std::vector<uint32_t> ends, triples;
  size_t written = 0;
  if (!CompactEntries(text.data, text.size, min_match, 0, dst.Data(), written, ends, triples,
                      nullptr))
    return env.Undefined();
  Napi::Uint32Array result = Napi::Uint32Array::New(env, ends.size());
  if (!ends.empty()) std::memcpy(result.Data(), ends.data(), 4 * ends.size());
  return result;
}

// ---- prefetchArchive ---------------------------------------------------------------------------
// The `prefetch` open: on a thread of the libuv pool, decompresses the listed parts into one
// shared space as they are read from the file, while the JS thread answers queries. Both threads
// claim a part by compare-and-swap on its state word, so each part is decoded once: here, by a
// native range query that needs it first (into the same space, range_query.cc), or by the JS
// path (which then decodes it on its own, as without prefetching).
//
// words (Int32Array): [0] stop (JS sets it at close), [1] the space's allocation cursor, [2] set
// once the space is full, [3] unused (prefetch_decode.h), then 7
// per job: state, offset in the space, decoded length, marker byte, offset of the positions of
// its 0xFF bytes (the entry ends of a pack; 32-bit words in the space), their count, and the
// offset of a table with each entry's LZ-diff checkpoints (agc::LzCheckpoints words: count, step,
// triples, full; 0 for an entry without any), or -1. meta (Float64Array): the part metadata per
// job. jobs (Float64Array): file offset of each part (of its metadata varint), its data size,
// within the first fileSize bytes of the file, and its kind: 1 for a pack of LZ-diff entries,
// which is kept in compact form (agc::LzDiffCompact, marker byte kCompactPack, its checkpoints
// made at once), 0 for anything else (kept as zstd gives it). Then the min match length and the
// checkpoint step.
constexpr size_t kJobFields = 3;

std::atomic<int32_t>* AtomicAt(int32_t* base, size_t i) { return AtomicWord(base, i); }

Napi::TypedArray ArgTyped(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type,
                          const char* what) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type)
    throw InputTypeError(info.Env(), what);
  return info[i].As<Napi::TypedArray>();
}

class Prefetch : public GuardedWorker {
 public:
  Prefetch(Napi::Env env, const Napi::CallbackInfo& info)
      : GuardedWorker(env, "agcPrefetchArchive"), deferred_(Napi::Promise::Deferred::New(env)) {
    path_ = ArgString(info, 0, "path");
    const size_t file_size = ArgIndex(info, 1, "fileSize");
    Napi::TypedArray jobs = ArgTyped(info, 2, napi_float64_array, "jobs: expected a Float64Array");
    Napi::Uint8Array space = AsUint8Array(info[3], "space");
    Napi::TypedArray words = ArgTyped(info, 4, napi_int32_array, "words: expected an Int32Array");
    Napi::TypedArray meta = ArgTyped(info, 5, napi_float64_array, "meta: expected a Float64Array");
    const uint32_t min_match = ArgUint32(info, 6, "minMatchLen");
    step_ = ArgUint32(info, 7, "checkpointStep");
    const size_t count = jobs.ElementLength() / kJobFields;
    if (jobs.ElementLength() % kJobFields != 0 ||
        words.ElementLength() != kSpaceHead + kSpaceJobWords * count ||
        meta.ElementLength() != count)
      throw InputRangeError(env, "jobs, words and meta do not describe the same jobs");
    file_size_ = file_size;
    int32_t* w = info[4].As<Napi::Int32Array>().Data();
    if (reinterpret_cast<uintptr_t>(w) % alignof(std::atomic<int32_t>) != 0)
      throw InputRangeError(env, "words: not aligned");
    const double* j = info[2].As<Napi::Float64Array>().Data();
    jobs_.reserve(count);
    for (size_t i = 0; i < count; i++) {
      const double off = j[kJobFields * i], len = j[kJobFields * i + 1];
      if (!(off >= 0 && len >= 0 && off <= double(file_size_) && len <= double(file_size_) - off))
        throw InputRangeError(env, "jobs: job " + std::to_string(i) + " lies outside the file");
      jobs_.push_back(PrefetchJob{size_t(off), size_t(len), j[kJobFields * i + 2] == 1});
    }
    decoder_ =
        std::make_unique<PartDecoder>(space.Data(), space.ElementLength(), w,
                                      info[5].As<Napi::Float64Array>().Data(), min_match, step_);
    words_ = w;
    // The arrays stay alive (and in place) until the work is done, whatever JS does meanwhile; a
    // worker thread that ends meanwhile waits in Teardown until this thread leaves them alone.
    for (size_t a = 2; a <= 5; a++) keep_.push_back(Napi::Persistent(info[a].As<Napi::Object>()));
    Guard(env);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    if (!Begin()) return;  // the environment (and the arrays) are gone
    struct Finish {
      Prefetch* self;
      ~Finish() { self->End(); }
    } finish{this};
    // Each part is read from the file into a reused buffer and decoded at once: a query that
    // finds its part not decoded yet decodes it itself, so every millisecond of delay here is
    // work on the JS thread. The file itself is not kept: reading it into fresh memory cost this
    // thread as much as decoding a third of the parts (the kernel zeroes each new page), and only
    // bulk reading wants it (loadIntoMemory reads it then).
    FILE* f = std::fopen(path_.c_str(), "rb");
    bool readable = f != nullptr;
    bool stopped = false;
    const auto stopping = [this] { return Stopping(); };
    for (size_t i = 0; i < jobs_.size() && readable && !decoder_->Full(); i++) {
      if (Stopping()) {
        stopped = true;
        break;
      }
      if (!decoder_->Claim(i)) continue;
      // the metadata varint (at most 9 bytes), then the data
      const size_t from = jobs_[i].offset;
      const size_t to = std::min(file_size_, jobs_[i].offset + jobs_[i].size + 9);
      try {
        if (part_.size() < to - from) part_.resize(to - from);
        readable = PartDecoder::ReadInto(f, from, to, part_.data(), stopping);
      } catch (const std::exception&) {
        readable = false;
      }
      if (!readable) {
        AtomicAt(decoder_->JobWords(i), 0)->store(kPartFailed, std::memory_order_release);
        break;
      }
      if (decoder_->Finish(i, jobs_[i], part_.data(), to - from) == kPartDone) decoded_++;
    }
    // The LZ-diff checkpoints of every decoded text pack's entries come next: parsing every entry
    // took a third of this thread's time, and a part decoded sooner saves the JS thread a whole
    // decompression, while a query into an entry without checkpoints parses only up to its range
    // (and records its own).
    for (size_t i = 0; i < jobs_.size() && !stopped && step_ > 0 && !decoder_->Full(); i++) {
      if (Stopping()) break;
      int32_t* w = decoder_->JobWords(i);
      // decoded into the space (a part the JS path claimed first was never written there)
      if (AtomicAt(w, 0)->load(std::memory_order_acquire) != kPartDone || w[3] != 0 || w[5] <= 0)
        continue;
      try {
        if (!decoder_->Checkpoints(i)) break;
      } catch (const std::exception&) {
        break;
      }
    }
    if (f) std::fclose(f);
  }

  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), double(decoded_))); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  // close() or the environment going away.
  bool Stopping() {
    return AtomicAt(words_, 0)->load(std::memory_order_acquire) != 0 || TornDown();
  }

  Napi::Promise::Deferred deferred_;
  std::string path_;
  uint32_t step_ = 0;
  size_t file_size_ = 0;
  int32_t* words_ = nullptr;
  std::unique_ptr<PartDecoder> decoder_;
  std::vector<PrefetchJob> jobs_;
  std::vector<uint8_t> part_;
  size_t decoded_ = 0;
  std::vector<Napi::ObjectReference> keep_;
};

// ---- populateMemory ----------------------------------------------------------------------------
// Random access decompresses each part into ring memory that was never touched before; the
// kernel zeroes every fresh page at its first write, and on the JS thread that was as costly as
// zstd itself (8 x 60 Mbp: ~130 MB, a quarter of the queries' time). This job faults the pages in
// on a thread of the libuv pool, ahead of the ring's head, without changing a byte
// (agc::PopulateWritable), so the JS thread may write the same memory meanwhile. It reports
// through a word, not a promise: the JS thread does not have to turn the event loop to see it.
//
// done (Int32Array): [0] is set to 1 when the job is over with every page populated, 2 when it
// stopped early (the system cannot, or the environment is going away).
class Populate : public GuardedWorker {
 public:
  Populate(Napi::Env env, const Napi::CallbackInfo& info)
      : GuardedWorker(env, "agcPopulateMemory") {
    Napi::Uint8Array bytes = AsUint8Array(info[0], "bytes");
    const size_t from = ArgIndex(info, 1, "from");
    const size_t to = ArgIndex(info, 2, "to");
    if (from > to || to > bytes.ElementLength())
      throw InputRangeError(
          env, "populateMemory: from and to must satisfy 0 <= from <= to <= bytes.length");
    Napi::TypedArray done = ArgTyped(info, 3, napi_int32_array, "done: expected an Int32Array");
    if (done.ElementLength() < 1) throw InputRangeError(env, "done: needs one element");
    done_ = info[3].As<Napi::Int32Array>().Data();
    if (reinterpret_cast<uintptr_t>(done_) % alignof(std::atomic<int32_t>) != 0)
      throw InputRangeError(env, "done: not aligned");
    data_ = bytes.Data() + from;
    size_ = to - from;
    // the arrays stay alive (and in place) until the job is over
    keep_.push_back(Napi::Persistent(info[0].As<Napi::Object>()));
    keep_.push_back(Napi::Persistent(info[3].As<Napi::Object>()));
    Guard(env);
  }

 protected:
  void Execute() override {
    if (!Begin()) return;
    bool ok = true;
    // in slices, so that a teardown does not wait long
    const size_t slice = size_t(2) << 20;
    for (size_t at = 0; at < size_ && ok; at += slice) {
      if (TornDown()) {
        ok = false;
        break;
      }
      ok = agc::PopulateWritable(data_ + at, std::min(slice, size_ - at));
    }
    AtomicAt(done_, 0)->store(ok ? 1 : 2, std::memory_order_release);
    End();
  }

  void OnOK() override {}
  void OnError(const Napi::Error&) override {}

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int32_t* done_ = nullptr;
  std::vector<Napi::ObjectReference> keep_;
};

// populateMemory(bytes, from, to, done): queues the population of bytes[from, to) (see Populate)
// and returns true; false (nothing queued, done untouched) where the system has no way to do it.
Napi::Value PopulateMemoryJs(const Napi::CallbackInfo& info) {
#ifdef __linux__
  auto* worker = new Populate(info.Env(), info);
  worker->Queue();
  return Napi::Boolean::New(info.Env(), true);
#else
  (void)AsUint8Array(info[0], "bytes");
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// adviseHugePages(bytes): asks for huge pages under the whole 2 MiB pages of `bytes` (a hint; no
// effect where the kernel does not take it). Returns whether the hint was given.
Napi::Value AdviseHugePagesJs(const Napi::CallbackInfo& info) {
  Napi::Uint8Array bytes = AsUint8Array(info[0], "bytes");
  return Napi::Boolean::New(info.Env(), AdviseHugePages(bytes.Data(), bytes.ElementLength()));
}

// prefetchArchive(path, fileSize, jobs, space, words, meta, minMatchLen, checkpointStep):
// Promise<parts decoded in the background>
Napi::Value PrefetchArchiveJs(const Napi::CallbackInfo& info) {
  auto* worker = new Prefetch(info.Env(), info);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void InitSegment(Napi::Env env, Napi::Object exports) {
  exports.Set("zstdDecompressInto",
              Napi::Function::New<Coded<ZstdDecompressIntoJs>>(env, "zstdDecompressInto"));
  exports.Set("refRangeLetters",
              Napi::Function::New<Coded<RefRangeLettersJs>>(env, "refRangeLetters"));
  exports.Set("lzDecodeRange",
              Napi::Function::New<Coded<LzDecodeRangeJs<false>>>(env, "lzDecodeRange"));
  exports.Set("lzCompactDecodeRange",
              Napi::Function::New<Coded<LzDecodeRangeJs<true>>>(env, "lzCompactDecodeRange"));
  exports.Set("lzDiffCompact", Napi::Function::New<Coded<LzDiffCompactJs>>(env, "lzDiffCompact"));
  exports.Set("compactPack", Napi::Function::New<Coded<CompactPackJs>>(env, "compactPack"));
  exports.Set("prefetchArchive",
              Napi::Function::New<Coded<PrefetchArchiveJs>>(env, "prefetchArchive"));
  exports.Set("populateMemory",
              Napi::Function::New<Coded<PopulateMemoryJs>>(env, "populateMemory"));
  exports.Set("adviseHugePages",
              Napi::Function::New<Coded<AdviseHugePagesJs>>(env, "adviseHugePages"));
}

}  // namespace agcnode

// JS class Extractor (binding.d.ts) over agc/contig_extract.h: contigs, or pieces of them, decoded
// to FASTA text on threads of the libuv pool, into JS-owned buffers, with one PartCache shared by
// all the jobs of an extractor (each reference and pack is decoded once).
#include "common.h"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agc/contig_extract.h"
#include "guarded_worker.h"

namespace agcnode {

namespace {

// Words per segment in the `segs` argument: group, in-group id, raw length, rc, reference
// stream, delta stream (streams as int32, -1 for none).
constexpr size_t kSegWords = 6;
constexpr size_t kTablesSize = 512;

// Lets at most `limit` jobs of an extractor decode at once, in the order they arrive, so that the
// caller can queue the next jobs ahead: a pool thread that finishes one then starts the next
// without waiting for the JS thread to hand it over. libuv takes queued work first in, first out,
// so jobs arrive here (nearly) in the order they were queued, and a waiting job only waits for
// jobs that are already on other pool threads.
class StartGate {
 public:
  explicit StartGate(uint32_t limit) : limit_(limit) {}

  // Waits for the job's turn and a free place; false (at once) when `stop()` says to give up.
  template <typename Stop>
  bool Enter(Stop stop) {
    if (limit_ == 0) return !stop();
    std::unique_lock<std::mutex> lock(mtx_);
    const uint64_t ticket = arrivals_++;
    // (the wait is bounded so that a stop raised without a notify is seen too)
    while (!(ticket == next_ && running_ < limit_) && !stop())
      cv_.wait_for(lock, std::chrono::milliseconds(5));
    const bool go = ticket == next_ && running_ < limit_ && !stop();
    if (go) running_++;
    // a job that gives up before its turn gives its turn away all the same
    if (ticket == next_) {
      next_++;
      while (abandoned_.erase(next_) != 0) next_++;
    } else {
      abandoned_.insert(ticket);
    }
    cv_.notify_all();
    return go;
  }
  void Leave() {
    if (limit_ == 0) return;
    std::lock_guard<std::mutex> lock(mtx_);
    running_--;
    cv_.notify_all();
  }
  void Wake() {
    std::lock_guard<std::mutex> lock(mtx_);
    cv_.notify_all();
  }

 private:
  const uint32_t limit_;  // 0: no limit
  std::mutex mtx_;
  std::condition_variable cv_;
  uint64_t arrivals_ = 0, next_ = 0;
  std::set<uint64_t> abandoned_;  // tickets after next_ whose jobs gave up
  uint32_t running_ = 0;
};

// What an extractor's jobs share: the decoded parts, the parameters, the letter tables, the gate
// of the jobs and the stop flag that close() raises.
struct Shared {
  explicit Shared(uint32_t concurrency) : gate(concurrency) {}
  std::shared_ptr<agc::CArchive> archive;
  std::shared_ptr<agc::PartCache> cache;
  agc::ExtractParams params;
  std::array<uint8_t, kTablesSize> tables{};
  std::atomic<bool> stopped{false};
  StartGate gate;
};

// A batch of pieces of contigs (agc::FastaPiece), checked and copied on the JS thread (the
// arguments may change after the call returns); only the output buffer stays JS-owned.
struct Batch {
  std::vector<agc::SegmentPlace> segs;
  std::vector<agc::FastaPiece> pieces;  // their segs pointers set by Bind()
  std::vector<uint8_t> headers;
  std::vector<uint32_t> header_ends;
  size_t line_length = 0;
  size_t size = 0;  // bytes of all the pieces

  void Bind() {
    size_t seg = 0;
    for (agc::FastaPiece& p : pieces) {
      p.segs = segs.data() + seg;
      seg += p.count;
    }
  }
};

// Words per piece in the `items` argument: segment count, contig position of the first
// contributed symbol, flags (1: first piece of its contig, 2: last).
constexpr size_t kItemWords = 3;

Batch ArgBatch(const Napi::CallbackInfo& info, const agc::ExtractParams& params) {
  Napi::Env env = info.Env();
  Napi::Uint32Array segs = AsUint32Array(info[0], "segs");
  if (!info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw InputTypeError(env, "items: expected a Float64Array");
  Napi::Float64Array items = info[1].As<Napi::Float64Array>();
  ByteView headers = ArgBytes(info, 2, "headers");
  Napi::Uint32Array ends = AsUint32Array(info[3], "headerEnds");
  Batch b;
  b.line_length = ArgUint32(info, 4, "lineLength");
  if (b.line_length < 1) throw InputRangeError(env, "lineLength must be at least 1");
  if (segs.ElementLength() % kSegWords != 0)
    throw InputRangeError(env, "segs: 6 words per segment");
  if (items.ElementLength() % kItemWords != 0)
    throw InputRangeError(env, "items: 3 numbers per piece");
  const size_t count = items.ElementLength() / kItemWords;
  if (ends.ElementLength() != count)
    throw InputRangeError(env, "headerEnds must have one entry per piece");
  const size_t nseg = segs.ElementLength() / kSegWords;
  b.segs.resize(nseg);
  const uint32_t* w = segs.Data();
  for (size_t i = 0; i < nseg; i++, w += kSegWords)
    b.segs[i] = agc::SegmentPlace{w[0], w[1], w[2], w[3] != 0, int32_t(w[4]), int32_t(w[5])};
  b.header_ends.assign(ends.Data(), ends.Data() + ends.ElementLength());
  b.headers.assign(headers.data, headers.data + headers.size);
  b.pieces.resize(count);
  const double* it = items.Data();
  size_t seg = 0, head = 0;
  for (size_t c = 0; c < count; c++, it += kItemWords) {
    const double n = it[0], from = it[1], flags = it[2];
    if (!(n >= 0 && n <= double(nseg - seg) && n == double(size_t(n))))
      throw InputRangeError(env, "items: segment counts beyond segs");
    if (!(from >= 0 && from < 9007199254740992.0 && from == double(size_t(from))))
      throw InputRangeError(env, "items: position not a safe integer");
    if (!(flags >= 0 && flags <= 3 && flags == double(int(flags))))
      throw InputRangeError(env, "items: flags must be 0..3");
    if (b.header_ends[c] < head || b.header_ends[c] > b.headers.size())
      throw InputRangeError(env, "headerEnds: outside headers or decreasing");
    agc::FastaPiece& p = b.pieces[c];
    p.count = size_t(n);
    p.from = size_t(from);
    p.first = (int(flags) & 1) != 0;
    p.last = (int(flags) & 2) != 0;
    p.segs = b.segs.data() + seg;
    b.size += agc::FastaPieceSize(p, b.header_ends[c] - head, params.k, b.line_length);
    seg += p.count;
    head = b.header_ends[c];
  }
  if (seg != nseg) throw InputRangeError(env, "items: fewer segments than segs");
  return b;
}

class ExtractJob : public GuardedWorker {
 public:
  ExtractJob(Napi::Env env, std::shared_ptr<Shared> shared, Batch batch, Napi::Uint8Array dst,
             size_t offset)
      : GuardedWorker(env, "agcExtract"),
        deferred_(Napi::Promise::Deferred::New(env)),
        shared_(std::move(shared)),
        batch_(std::move(batch)),
        dst_(dst.Data() + offset) {
    batch_.Bind();  // the segments moved with the batch
    // the buffer stays alive (and in place) until the job is over
    keep_ = Napi::Persistent(dst.As<Napi::Object>());
    Guard(env);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    const bool begun = Begin();
    const auto stop = [&] {
      return !begun || TornDown() || shared_->stopped.load(std::memory_order_relaxed);
    };
    if (!shared_->gate.Enter(stop)) {
      if (begun) {
        Fail(code::kClosed, "Extractor is closed");
        End();
      }
      return;
    }
    struct Finish {
      ExtractJob* self;
      ~Finish() {
        self->shared_->gate.Leave();
        self->End();
      }
    } finish{this};
    const agc::LetterTables tables{shared_->tables.data(), shared_->tables.data() + 256};
    size_t head = 0, at = 0;
    try {
      for (size_t c = 0; c < batch_.pieces.size(); c++) {
        if (TornDown() || shared_->stopped.load(std::memory_order_relaxed)) {
          Fail(code::kClosed, "Extractor is closed");
          return;
        }
        at += agc::WriteFastaPiece(*shared_->cache, shared_->params, tables,
                                   batch_.headers.data() + head, batch_.header_ends[c] - head,
                                   batch_.pieces[c], batch_.line_length, dst_ + at);
        head = batch_.header_ends[c];
      }
    } catch (const agc::AgcError& e) {
      Fail(CodeOfKind(e.kind()), e.what());
    } catch (const std::bad_alloc&) {
      Fail(code::kInternal, "agc-node: out of memory");
    } catch (const std::exception& e) {
      Fail(code::kInternal, e.what());
    }
    written_ = at;
  }

  void OnOK() override {
    if (code_ != nullptr) {
      deferred_.Reject(CodedError(Env(), code_, message_).Value());
      return;
    }
    deferred_.Resolve(Napi::Number::New(Env(), double(written_)));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void Fail(const char* code, const std::string& message) {
    code_ = code;
    message_ = message;
  }

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Shared> shared_;
  Batch batch_;
  uint8_t* dst_;
  size_t written_ = 0;
  const char* code_ = nullptr;
  std::string message_;
  Napi::ObjectReference keep_;
};

class Extractor : public Napi::ObjectWrap<Extractor> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Extractor",
        {
            InstanceMethod<&Extractor::Coded<&Extractor::Size>>("size"),
            InstanceMethod<&Extractor::Coded<&Extractor::Extract>>("extract"),
            InstanceMethod<&Extractor::Coded<&Extractor::Close>>("close"),
            InstanceMethod<&Extractor::Coded<&Extractor::IsOpen>>("isOpen"),
            InstanceMethod<&Extractor::Coded<&Extractor::CachedBytes>>("cachedBytes"),
        });
  }

  template <Napi::Value (Extractor::*M)(const Napi::CallbackInfo&)>
  Napi::Value Coded(const Napi::CallbackInfo& info) {
    return CallCoded(info.Env(), [&] { return (this->*M)(info); });
  }

  // new Extractor(archive, k, minMatchLen, packCardinality, cacheBytes, tables, concurrency?,
  //               packPrefixes?, warm?)
  explicit Extractor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Extractor>(info) {
    Napi::Env env = info.Env();
    const uint32_t concurrency =
        info.Length() > 6 && !info[6].IsUndefined() ? ArgUint32(info, 6, "concurrency") : 0;
    bool pack_prefixes = false;
    if (info.Length() > 7 && !info[7].IsUndefined()) {
      if (!info[7].IsBoolean()) throw InputTypeError(env, "packPrefixes: expected a boolean");
      pack_prefixes = info[7].As<Napi::Boolean>().Value();
    }
    auto shared = std::make_shared<Shared>(concurrency);
    shared->archive = UnwrapArchive(info[0], "archive");
    shared->params.k = ArgUint32(info, 1, "k");
    shared->params.min_match = ArgUint32(info, 2, "minMatchLen");
    shared->params.pack_cardinality = ArgUint32(info, 3, "packCardinality");
    if (shared->params.pack_cardinality < 1)
      throw InputRangeError(env, "packCardinality must be at least 1");
    const size_t budget = ArgIndex(info, 4, "cacheBytes");
    ByteView tables = ArgBytes(info, 5, "tables");
    if (tables.size != kTablesSize) throw InputRangeError(env, "tables must have 512 entries");
    std::memcpy(shared->tables.data(), tables.data, kTablesSize);
    if (!shared->archive->IsOpen() || !shared->archive->IsInput())
      throw CodedError(env, code::kClosed, "Extractor: the archive is not open for reading");
    // (a WarmStart's parts when it read this file: those of the sample it began decoding)
    std::shared_ptr<agc::PartCache> warm;
    if (info.Length() > 8 && !info[8].IsUndefined())
      warm = TakeWarmCache(info[8], *shared->archive, pack_prefixes);
    if (warm) {
      warm->SetBudget(budget);
      shared->cache = std::move(warm);
    } else {
      shared->cache = std::make_shared<agc::PartCache>(shared->archive, budget, pack_prefixes);
    }
    shared_ = std::move(shared);
  }

  ~Extractor() override {
    if (shared_) {
      shared_->stopped.store(true);
      shared_->gate.Wake();
    }
  }

 private:
  Shared& open(Napi::Env env) const {
    if (!shared_) throw CodedError(env, code::kClosed, "Extractor is closed");
    return *shared_;
  }

  // size(segs, items, headers, headerEnds, lineLength): bytes of the pieces of a batch
  Napi::Value Size(const Napi::CallbackInfo& info) {
    Batch b = ArgBatch(info, open(info.Env()).params);
    return Napi::Number::New(info.Env(), double(b.size));
  }

  // extract(segs, items, headers, headerEnds, lineLength, dst, dstOffset): Promise<bytes>; the
  // pieces of the batch written at dst[dstOffset...] on a pool thread.
  Napi::Value Extract(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Shared& s = open(env);
    Batch b = ArgBatch(info, s.params);
    Napi::Uint8Array dst = AsUint8Array(info[5], "dst");
    const size_t offset = ArgIndex(info, 6, "dstOffset");
    if (offset > dst.ElementLength() || b.size > dst.ElementLength() - offset)
      throw InputRangeError(env, "dst has no room for the records at dstOffset");
    auto* job = new ExtractJob(env, shared_, std::move(b), dst, offset);
    Napi::Promise promise = job->Promise();
    job->Queue();
    return promise;
  }

  // close(): jobs not yet past their current contig fail with AGC_CLOSED; the decoded parts go
  // with the last job. Idempotent.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (shared_) {
      shared_->stopped.store(true);
      shared_->gate.Wake();
      shared_.reset();
    }
    return info.Env().Undefined();
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), shared_ != nullptr);
  }

  Napi::Value CachedBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(open(info.Env()).cache->CachedBytes()));
  }

  std::shared_ptr<Shared> shared_;
};

}  // namespace

void InitExtract(Napi::Env env, Napi::Object exports) {
  exports.Set("Extractor", Extractor::Define(env));
}

}  // namespace agcnode

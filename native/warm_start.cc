// JS class WarmStart (binding.d.ts): the references and packs of one sample decoded on a pool
// thread from the moment the command line starts, into a part cache that the Extractor of that
// sample takes over (TakeWarmCache). For `getset <archive> <sample>`: node spends some 10 ms
// loading the command's code and opening the archive with one core busy, and the decode can use
// the other one meanwhile.
//
// It reports nothing: whatever fails (no such file, not an archive, no such sample, a corrupt
// part), the command's own open and decode report it as they would without it.
//
// Asked for the whole FASTA text (`fastaSymbols` > 0), it instead decodes all of a sample of at
// most that many symbols into one buffer, in lines of 80 (getset's default), and resolves
// `fasta` with it: the command line then writes it and exits without loading its own code
// (~10 ms of one core). Anything else resolves `fasta` with undefined, having decoded nothing
// more, and the command line takes its normal path.
#include "common.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agc/collection_v3.h"
#include "agc/contig_extract.h"
#include "guarded_worker.h"

namespace agcnode {

namespace {

const napi_type_tag kWarmStartTag = {0x4d0b8e2a7c3f1956ULL, 0xa81e6d4f02b9c7e3ULL};

// Decoded bytes the job holds at most before it stops: three quarters of the budget of a one-sample
// extraction (8 MiB, lib/cli/bulk-extract.ts), which would otherwise drop the first parts (the
// least recently used) before they were written. The extractor takes over within about 10 ms,
// far less than decoding this much takes.
constexpr size_t kAhead = size_t(6) << 20;

// getset's default line length, which the plain command line uses.
constexpr size_t kFastaLine = 80;
// Symbols per piece of a whole text: about 20 pieces in a bacterial genome, so that the two jobs
// end together.
constexpr size_t kPieceSymbols = size_t(1) << 18;

struct WarmState {
  std::atomic<bool> stop{false};
  std::mutex mtx;
  std::shared_ptr<agc::PartCache> cache;  // once the archive is open; taken once
};

uint32_t Le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// The common part of the names of group g's streams (docs/format.md 3.2): 'x' and the id in base
// 64, least significant digit first.
std::string GroupStreamBase(uint32_t g) {
  static const char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_#";
  std::string s = "x";
  do {
    s += kDigits[g & 63];
    g >>= 6;
  } while (g > 0);
  return s;
}

// Whether the archive's file_type_info says format 3.x, read as the reader does (count pairs of
// NUL-ended strings); false on anything it would not read the same way, so that the command's
// own open decides.
bool FormatIsV3(agc::CArchive& archive) {
  const int fti = archive.GetStreamId("file_type_info");
  if (fti < 0 || archive.GetNoParts(size_t(fti)) < 1) return false;
  std::vector<uint8_t> data;
  uint64_t count = 0;
  archive.GetPart(size_t(fti), 0, data, count);
  const auto digits = [](const std::string& v) {
    if (v.empty() || v.size() > 6) return false;
    for (char c : v)
      if (c < '0' || c > '9') return false;
    return true;
  };
  std::string major, minor;
  size_t p = 0;
  for (uint64_t i = 0; i < count; i++) {
    std::string kv[2];
    for (std::string& s : kv) {
      const void* z = p < data.size() ? std::memchr(&data[p], 0, data.size() - p) : nullptr;
      if (z == nullptr) return false;
      const size_t end = size_t(static_cast<const uint8_t*>(z) - data.data());
      s.assign(reinterpret_cast<const char*>(&data[p]), end - p);
      p = end + 1;
    }
    // (a later pair with the same key wins, as in the reader's map)
    if (kv[0] == "file_version_major") major = kv[1];
    if (kv[0] == "file_version_minor") minor = kv[1];
  }
  return major == "3" && digits(minor);
}

// Fills a 512-byte letter table: code -> letter (codes past the alphabet print as a space, like
// lib/format/alphabet.ts), then letter -> complement letter (lib/format/letters.ts).
void FillLetterTables(uint8_t* t) {
  static const char kLetters[] = "ACGTNRYSWKMBDHVU";
  std::memset(t, ' ', 256);
  std::memcpy(t, kLetters, 16);
  for (int i = 0; i < 256; i++) t[256 + i] = uint8_t(i);
  const auto pair = [&](char a, char b) {
    t[256 + uint8_t(a)] = uint8_t(b);
    t[256 + uint8_t(b)] = uint8_t(a);
  };
  pair('A', 'T');
  pair('C', 'G');
}

// Memory for a whole text, uninitialised: the two jobs fault its pages in as they write them
// (a std::vector would zero it all first, on one thread, before the decoding began).
class TextBytes {
 public:
  explicit TextBytes(size_t size) : data_(new uint8_t[std::max<size_t>(size, 1)]), size_(size) {}
  uint8_t* data() { return data_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

// Pieces of a sample's text written by two pool jobs (WarmJob, which plans them, and WholeHelper),
// each taking the next piece in turn.
struct WholeText {
  struct Piece {
    size_t contig = 0;
    agc::FastaPiece piece;
    size_t at = 0;  // its place in the text
  };
  std::mutex mtx;
  std::condition_variable cv;
  bool planned = false;  // pieces, cache and text set (then read-only but for the text's bytes)
  bool over = false;     // nothing (more) will be planned
  int working = 2;       // jobs not yet done with their pieces
  // The helper began (it then counts itself out), or was barred from beginning: the first job
  // does not wait for a helper that no pool thread has taken up (a pool of one thread).
  bool helper_in = false, helper_barred = false;
  std::atomic<bool> failed{false};
  std::atomic<size_t> next{0}, written{0};
  std::vector<std::vector<agc::SegmentPlace>> places;
  std::vector<std::string> headers;
  std::vector<Piece> pieces;
  agc::ExtractParams params;
  uint8_t tables[512] = {};
  std::unique_ptr<agc::PartCache> cache;
  std::unique_ptr<TextBytes> text;

  void Abandon() {
    {
      std::lock_guard<std::mutex> lock(mtx);
      over = true;
    }
    cv.notify_all();
  }

  // Writes pieces until there are none left, one fails or `stop()`; then counts this job out.
  template <typename Stop>
  void Work(Stop stop) {
    const agc::LetterTables letters{tables, tables + 256};
    try {
      for (size_t i; !stop() && !failed.load() && (i = next.fetch_add(1)) < pieces.size();) {
        const Piece& p = pieces[i];
        const std::string& h = headers[p.contig];
        written += agc::WriteFastaPiece(*cache, params, letters,
                                        reinterpret_cast<const uint8_t*>(h.data()), h.size(),
                                        p.piece, kFastaLine, text->data() + p.at);
      }
    } catch (...) {
      failed = true;
    }
    std::lock_guard<std::mutex> lock(mtx);
    working--;
    cv.notify_all();
  }

  // Under mtx: a helper that has not begun never will (counted out here, once).
  void BarHelper() {
    if (helper_in || helper_barred) return;
    helper_barred = true;
    working--;
    cv.notify_all();
  }

  // Counts a job out that wrote nothing.
  void Leave() {
    std::lock_guard<std::mutex> lock(mtx);
    working--;
    cv.notify_all();
  }
};

// The second job of a whole text: waits on its pool thread until the pieces are planned (a few
// ms), then takes pieces in turn with the first.
class WholeHelper : public GuardedWorker {
 public:
  WholeHelper(Napi::Env env, std::shared_ptr<WarmState> state, std::shared_ptr<WholeText> whole)
      : GuardedWorker(env, "agcWarmStartHelper"),
        state_(std::move(state)),
        whole_(std::move(whole)) {
    Guard(env);
  }

 protected:
  void Execute() override {
    WholeText& w = *whole_;
    if (!Begin()) {
      std::lock_guard<std::mutex> lock(w.mtx);
      w.BarHelper();
      return;
    }
    const auto stop = [&] { return TornDown() || state_->stop.load(std::memory_order_relaxed); };
    bool planned;
    {
      std::unique_lock<std::mutex> lock(w.mtx);
      if (w.helper_barred) {
        End();
        return;
      }
      w.helper_in = true;
      // (bounded waits: a stop is raised without a notify)
      while (!w.planned && !w.over && !stop()) w.cv.wait_for(lock, std::chrono::milliseconds(5));
      planned = w.planned;
    }
    if (planned)
      w.Work(stop);
    else
      w.Leave();
    End();
  }
  void OnOK() override {}
  void OnError(const Napi::Error&) override {}

 private:
  std::shared_ptr<WarmState> state_;
  std::shared_ptr<WholeText> whole_;
};

class WarmJob : public GuardedWorker {
 public:
  WarmJob(Napi::Env env, std::shared_ptr<WarmState> state, std::string path, std::string sample,
          size_t fasta_symbols)
      : GuardedWorker(env, "agcWarmStart"),
        state_(std::move(state)),
        path_(std::move(path)),
        sample_(std::move(sample)),
        fasta_symbols_(fasta_symbols),
        deferred_(Napi::Promise::Deferred::New(env)) {
    Guard(env);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }
  const std::shared_ptr<WholeText>& Whole() const { return whole_; }

 protected:
  void Execute() override {
    if (!Begin()) {
      whole_->Abandon();
      return;
    }
    try {
      Run();
    } catch (...) {
      // (see the top of the file: the command reports it)
    }
    whole_->Abandon();  // (no text planned: the helper stops waiting)
    End();
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!fasta_) {
      deferred_.Resolve(env.Undefined());
      return;
    }
    auto* text = fasta_.release();
    deferred_.Resolve(Napi::Buffer<uint8_t>::NewOrCopy(
        env, text->data(), text->size(), [](Napi::Env, uint8_t*, TextBytes* t) { delete t; },
        text));
  }
  void OnError(const Napi::Error&) override { deferred_.Resolve(Env().Undefined()); }

 private:
  bool Stopped() const { return TornDown() || state_->stop.load(std::memory_order_relaxed); }

  // The sample's parts in the order its segments need them, as agc::DecodeSegment asks for them.
  void Run() {
    auto archive = std::make_shared<agc::CArchive>(true);
    archive->Open(path_);
    const int params = archive->GetStreamId("params");
    if (params < 0 || archive->GetNoParts(size_t(params)) < 1) return;
    std::vector<uint8_t> data;
    uint64_t metadata = 0;
    archive->GetPart(size_t(params), 0, data, metadata);
    if (data.size() < 16) return;
    const uint32_t k = Le32(&data[0]), pack = Le32(&data[8]), segment = Le32(&data[12]);
    if (pack < 1 || k < 1 || k > 32 || segment < 1) return;
    // (the collection decoder reads format 3 only; an older archive is the command's to refuse)
    if (!FormatIsV3(*archive)) return;
    std::vector<agc::ContigDesc> contigs;
    {
      agc::CCollection_V3 collection;
      collection.prepare_for_decompression(archive.get(), pack, segment, k);
      if (Stopped() || !collection.get_sample_desc(sample_, contigs)) return;
    }
    if (fasta_symbols_ > 0) {
      WholeFasta(archive, contigs, agc::ExtractParams{k, Le32(&data[4]), pack});
      return;
    }
    auto cache = std::make_shared<agc::PartCache>(archive, SIZE_MAX, true);
    {
      std::lock_guard<std::mutex> lock(state_->mtx);
      if (Stopped()) return;
      state_->cache = cache;
    }
    std::unordered_map<uint32_t, std::pair<int32_t, int32_t>> streams;  // group: ref, delta
    for (const agc::ContigDesc& c : contigs)
      for (const agc::SegmentDesc& s : c.segments) {
        if (Stopped() || cache->CachedBytes() >= kAhead) return;
        auto it = streams.find(s.group_id);
        if (it == streams.end()) {
          const std::string base = GroupStreamBase(s.group_id);
          it = streams
                   .emplace(s.group_id, std::make_pair(archive->GetStreamId(base + "r"),
                                                       archive->GetStreamId(base + "d")))
                   .first;
        }
        const auto [ref, delta] = it->second;
        if (s.group_id < agc::kNoRawGroups) {
          cache->GetPack(delta, s.in_group_id / pack, s.in_group_id % pack);
        } else if (s.in_group_id == 0) {
          cache->GetReference(ref);
        } else {
          cache->GetPack(delta, (s.in_group_id - 1) / pack, (s.in_group_id - 1) % pack);
          cache->GetReference(ref);
        }
      }
  }

  // Resolves the sample's stream ids of each segment's group (-1: none).
  static std::vector<agc::SegmentPlace> Places(
      agc::CArchive& archive, const agc::ContigDesc& c,
      std::unordered_map<uint32_t, std::pair<int32_t, int32_t>>& streams) {
    std::vector<agc::SegmentPlace> places;
    places.reserve(c.segments.size());
    for (const agc::SegmentDesc& s : c.segments) {
      auto it = streams.find(s.group_id);
      if (it == streams.end()) {
        const std::string base = GroupStreamBase(s.group_id);
        it = streams
                 .emplace(s.group_id, std::make_pair(archive.GetStreamId(base + "r"),
                                                     archive.GetStreamId(base + "d")))
                 .first;
      }
      places.push_back(agc::SegmentPlace{s.group_id, s.in_group_id, s.raw_length,
                                         s.is_rev_comp ? 1u : 0u, it->second.first,
                                         it->second.second});
    }
    return places;
  }

  // The sample's records, as getset writes them with its default line length, into
  // whole_->text, by this job and the helper; left unset when the sample is longer than
  // fasta_symbols_ or anything fails.
  void WholeFasta(const std::shared_ptr<agc::CArchive>& archive,
                  const std::vector<agc::ContigDesc>& contigs, const agc::ExtractParams& params) {
    WholeText& w = *whole_;
    std::unordered_map<uint32_t, std::pair<int32_t, int32_t>> streams;
    size_t symbols = 0;
    w.places.reserve(contigs.size());
    w.headers.reserve(contigs.size());
    for (const agc::ContigDesc& c : contigs) {
      w.places.push_back(Places(*archive, c, streams));
      symbols += agc::ContigLength(w.places.back().data(), w.places.back().size(), params.k);
      if (symbols > fasta_symbols_) return;
      w.headers.push_back('>' + c.name + '\n');
    }
    // Pieces of about kPieceSymbols (cut between segments, as the command's batches are), taken
    // in turns by the two jobs, each at its place in the text.
    size_t size = 0;
    for (size_t i = 0; i < w.places.size(); i++) {
      const std::vector<agc::SegmentPlace>& segs = w.places[i];
      size_t j0 = 0, from = 0;
      const auto add = [&](size_t j1) {
        WholeText::Piece p;
        p.contig = i;
        p.piece.segs = segs.data() + j0;
        p.piece.count = j1 - j0;
        p.piece.first = j0 == 0;
        p.piece.last = j1 == segs.size();
        p.piece.from = from;
        p.at = size;
        size += agc::FastaPieceSize(p.piece, w.headers[i].size(), params.k, kFastaLine);
        from += agc::PieceLength(p.piece, params.k);
        w.pieces.push_back(p);
        j0 = j1;
      };
      size_t run = 0;
      for (size_t j = 0; j + 1 < segs.size(); j++) {
        const size_t raw = segs[j].raw_length;
        run += j == j0 && j0 == 0 ? raw : raw > params.k ? raw - params.k : 0;
        if (run >= kPieceSymbols) {
          add(j + 1);
          run = 0;
        }
      }
      add(segs.size());
    }
    FillLetterTables(w.tables);
    w.params = params;
    // (the budget of getset's one-sample extraction, lib/cli/bulk-extract.ts: storage of dropped
    // parts is decoded into again)
    w.cache = std::make_unique<agc::PartCache>(archive, size_t(8) << 20, true);
    w.text = std::make_unique<TextBytes>(size);
    {
      std::lock_guard<std::mutex> lock(w.mtx);
      w.planned = true;
    }
    w.cv.notify_all();
    w.Work([&] { return Stopped(); });
    // the text is whole once the helper is done too
    std::unique_lock<std::mutex> lock(w.mtx);
    w.BarHelper();
    while (w.working > 0 && !Stopped()) w.cv.wait_for(lock, std::chrono::milliseconds(5));
    if (w.working == 0 && !w.failed && w.written == size) fasta_ = std::move(w.text);
  }

  std::shared_ptr<WarmState> state_;
  std::string path_;
  std::string sample_;
  const size_t fasta_symbols_;
  std::shared_ptr<WholeText> whole_ = std::make_shared<WholeText>();
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<TextBytes> fasta_;  // the whole text, when asked for and made
};

// Whether two open archives have the same parts where they hold them: the same size and part
// table (the same file, for any purpose of reading its parts).
bool SameParts(const agc::CArchive& a, const agc::CArchive& b) {
  if (a.GetFileSize() != b.GetFileSize()) return false;
  const auto& x = a.Streams();
  const auto& y = b.Streams();
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); i++) {
    if (x[i].name != y[i].name || x[i].raw_size != y[i].raw_size ||
        x[i].parts.size() != y[i].parts.size())
      return false;
    for (size_t p = 0; p < x[i].parts.size(); p++)
      if (x[i].parts[p].offset != y[i].parts[p].offset || x[i].parts[p].size != y[i].parts[p].size)
        return false;
  }
  return true;
}

class WarmStart : public Napi::ObjectWrap<WarmStart> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "WarmStart",
        {
            InstanceMethod<&WarmStart::Coded<&WarmStart::Close>>("close"),
            InstanceMethod<&WarmStart::Coded<&WarmStart::IsOpen>>("isOpen"),
            InstanceMethod<&WarmStart::Coded<&WarmStart::CachedBytes>>("cachedBytes"),
            InstanceAccessor<&WarmStart::Fasta>("fasta"),
        });
  }

  template <Napi::Value (WarmStart::*M)(const Napi::CallbackInfo&)>
  Napi::Value Coded(const Napi::CallbackInfo& info) {
    return CallCoded(info.Env(), [&] { return (this->*M)(info); });
  }

  // new WarmStart(path, sample, fastaSymbols?): sample as its stored bytes
  explicit WarmStart(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WarmStart>(info) {
    Napi::Env env = info.Env();
    std::string path = ArgString(info, 0, "path");
    if (path.empty()) throw InputTypeError(env, "path must not be empty");
    ByteView sample = ArgBytes(info, 1, "sample");
    const size_t fasta_symbols =
        info.Length() > 2 && !info[2].IsUndefined() ? ArgIndex(info, 2, "fastaSymbols") : 0;
    auto state = std::make_shared<WarmState>();
    auto* job = new WarmJob(env, state, std::move(path),
                            std::string(reinterpret_cast<const char*>(sample.data), sample.size),
                            fasta_symbols);
    fasta_ = Napi::Persistent(job->Promise().As<Napi::Object>());
    WholeHelper* helper = fasta_symbols > 0 ? new WholeHelper(env, state, job->Whole()) : nullptr;
    job->Queue();
    if (helper) helper->Queue();
    state_ = std::move(state);
    info.This().As<Napi::Object>().TypeTag(&kWarmStartTag);
  }

  ~WarmStart() override { Stop(); }

  // The cache, once: the job stopped and the handle closed.
  std::shared_ptr<agc::PartCache> Take() {
    if (!state_) return nullptr;
    std::shared_ptr<agc::PartCache> cache;
    {
      std::lock_guard<std::mutex> lock(state_->mtx);
      state_->stop.store(true);
      cache = std::move(state_->cache);
    }
    state_.reset();
    return cache;
  }

 private:
  void Stop() {
    if (state_) state_->stop.store(true);
  }

  // close(): the job stops after the part it is decoding; its parts are dropped. Idempotent.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Take();
    return info.Env().Undefined();
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), state_ != nullptr);
  }

  // fasta: Promise of the whole text (asked for with fastaSymbols), else of undefined; it settles
  // when the job ends, whether or not the handle was closed meanwhile.
  Napi::Value Fasta(const Napi::CallbackInfo&) { return fasta_.Value(); }

  // cachedBytes(): bytes of the parts decoded so far (0 once closed or taken)
  Napi::Value CachedBytes(const Napi::CallbackInfo& info) {
    size_t n = 0;
    if (state_) {
      std::lock_guard<std::mutex> lock(state_->mtx);
      if (state_->cache) n = state_->cache->CachedBytes();
    }
    return Napi::Number::New(info.Env(), double(n));
  }

  std::shared_ptr<WarmState> state_;
  Napi::ObjectReference fasta_;
};

}  // namespace

std::shared_ptr<agc::PartCache> TakeWarmCache(const Napi::Value& v, const agc::CArchive& archive,
                                              bool pack_prefixes) {
  std::shared_ptr<agc::PartCache> cache =
      UnwrapTagged<WarmStart>(v, kWarmStartTag, "warm", "a WarmStart")->Take();
  if (!cache || cache->PackPrefixes() != pack_prefixes) return nullptr;
  try {
    return SameParts(*cache->Archive(), archive) ? cache : nullptr;
  } catch (const std::exception&) {
    return nullptr;  // (an archive closed meanwhile: the extractor's own checks say so)
  }
}

void InitWarmStart(Napi::Env env, Napi::Object exports) {
  exports.Set("WarmStart", WarmStart::Define(env));
}

}  // namespace agcnode

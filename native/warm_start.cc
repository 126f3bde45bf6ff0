// JS class WarmStart (binding.d.ts): the references and packs of one sample decoded on a pool
// thread from the moment the command line starts, into a part cache that the Extractor of that
// sample takes over (TakeWarmCache). For `getset <archive> <sample>`: node spends some 10 ms
// loading the command's code and opening the archive with one core busy, and the decode can use
// the other one meanwhile.
//
// It reports nothing: whatever fails (no such file, not an archive, no such sample, a corrupt
// part), the command's own open and decode report it as they would without it.
#include "common.h"

#include <atomic>
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

class WarmJob : public GuardedWorker {
 public:
  WarmJob(Napi::Env env, std::shared_ptr<WarmState> state, std::string path, std::string sample)
      : GuardedWorker(env, "agcWarmStart"),
        state_(std::move(state)),
        path_(std::move(path)),
        sample_(std::move(sample)) {
    Guard(env);
  }

 protected:
  void Execute() override {
    if (!Begin()) return;
    try {
      Run();
    } catch (...) {
      // (see the top of the file: the command reports it)
    }
    End();
  }
  void OnOK() override {}
  void OnError(const Napi::Error&) override {}

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
    std::vector<agc::ContigDesc> contigs;
    {
      agc::CCollection_V3 collection;
      collection.prepare_for_decompression(archive.get(), pack, segment, k);
      if (Stopped() || !collection.get_sample_desc(sample_, contigs)) return;
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

  std::shared_ptr<WarmState> state_;
  std::string path_;
  std::string sample_;
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
        });
  }

  template <Napi::Value (WarmStart::*M)(const Napi::CallbackInfo&)>
  Napi::Value Coded(const Napi::CallbackInfo& info) {
    return CallCoded(info.Env(), [&] { return (this->*M)(info); });
  }

  // new WarmStart(path, sample): sample as its stored bytes
  explicit WarmStart(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WarmStart>(info) {
    Napi::Env env = info.Env();
    std::string path = ArgString(info, 0, "path");
    if (path.empty()) throw InputTypeError(env, "path must not be empty");
    ByteView sample = ArgBytes(info, 1, "sample");
    auto state = std::make_shared<WarmState>();
    auto* job = new WarmJob(env, state, std::move(path),
                            std::string(reinterpret_cast<const char*>(sample.data), sample.size));
    job->Queue();
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

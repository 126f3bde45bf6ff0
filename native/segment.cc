// zstdDecompressInto / refRangeLetters / lzDecodeRange (binding.d.ts) over agc/zstd_util.h and
// agc/segment_decode.h: the random-access reader's per-query decoding, into caller-owned arrays.
#include "common.h"

#include <atomic>

#include "agc/segment_decode.h"
#include "agc/zstd_util.h"

namespace agcnode {

namespace {

// The code -> letter table followed by the letter -> complement table.
constexpr size_t kTablesSize = 512;

agc::RefForm ArgForm(const Napi::CallbackInfo& info, size_t i) {
  const uint32_t form = ArgUint32(info, i, "form");
  if (form > 1) throw InputRangeError(info.Env(), "form must be 0 (codes) or 1 (tuples)");
  return agc::RefForm(form);
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean()) throw InputTypeError(info.Env(), std::string(name) + ": expected a boolean");
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
    if (Overlaps(out, count, v.data, v.size)) throw InputRangeError(info.Env(), "dst overlaps an input");
  return out;
}

Napi::Value ZstdDecompressIntoJs(const Napi::CallbackInfo& info) {
  ByteView data = ArgBytes(info, 0, "data");
  Napi::Uint8Array dst = AsUint8Array(info[1], "dst");
  if (Overlaps(dst.Data(), dst.ElementLength(), data.data, data.size))
    throw InputRangeError(info.Env(), "dst overlaps data");
  return Napi::Number::New(
      info.Env(), double(agc::ZstdDecompressInto(data.data, data.size, dst.Data(), dst.ElementLength())));
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

// lzDecodeRange(ref, form, enc, minMatchLen, n, from, to, dst, dstOffset, rc, tables)
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
  // reverse-complemented: the mirrored forward range, turned around afterwards
  const size_t f0 = rc ? n - to : from;
  agc::LzDiffDecodeRangeLetters(ref, enc.data, enc.size, min_match, tables, n, f0, f0 + (to - from),
                                out);
  if (rc) agc::ReverseComplementLetters(out, to - from, tables + 256);
  return info.Env().Undefined();
}

// ---- decodePartsInBackground ------------------------------------------------------------------
// Decompresses archive parts from the in-memory image into one shared space on a thread of the
// libuv pool while the JS thread answers queries. Each job has a state word that both threads
// claim by compare-and-swap, so a part is decoded once, by whichever thread gets to it first
// (the JS thread when a query needs it before the background reaches it).
//   states[0]: set to 1 by JS to stop early (close); states[1 + j]: job j.
// Job states: 0 pending, 1 decoding here, 2 done, 3 taken by JS, 4 failed here (JS decodes it on
// its own and reports the error).
constexpr int32_t kJobPending = 0;
constexpr int32_t kJobBusy = 1;
constexpr int32_t kJobDone = 2;
constexpr int32_t kJobFailed = 4;

std::atomic<int32_t>* AtomicAt(int32_t* base, size_t i) {
  static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t), "atomic int32 layout");
  return reinterpret_cast<std::atomic<int32_t>*>(base + i);
}

class BackgroundDecode : public Napi::AsyncWorker {
 public:
  // jobs: 4 numbers per job (source offset and length in the image, destination offset and
  // length in the space), checked here, on the JS thread.
  BackgroundDecode(Napi::Env env, const Napi::CallbackInfo& info)
      : Napi::AsyncWorker(env, "agcDecodePartsInBackground"), deferred_(Napi::Promise::Deferred::New(env)) {
    Napi::Uint8Array image = AsUint8Array(info[0], "image");
    if (!info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throw InputTypeError(env, "jobs: expected a Float64Array");
    Napi::Float64Array jobs = info[1].As<Napi::Float64Array>();
    Napi::Uint8Array space = AsUint8Array(info[2], "space");
    if (!info[3].IsTypedArray() ||
        info[3].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw InputTypeError(env, "states: expected an Int32Array");
    Napi::Int32Array states = info[3].As<Napi::Int32Array>();
    if (jobs.ElementLength() % 4 != 0) throw InputRangeError(env, "jobs: 4 numbers per job");
    const size_t count = jobs.ElementLength() / 4;
    if (states.ElementLength() != count + 1) throw InputRangeError(env, "states: one per job and one more");
    if (reinterpret_cast<uintptr_t>(states.Data()) % alignof(std::atomic<int32_t>) != 0)
      throw InputRangeError(env, "states: not aligned");
    image_.data = image.Data();
    image_.size = image.ElementLength();
    space_ = space.Data();
    space_size_ = space.ElementLength();
    if (Overlaps(space_, space_size_, image_.data, image_.size))
      throw InputRangeError(env, "space overlaps image");
    jobs_.reserve(count);
    const double* j = jobs.Data();
    for (size_t i = 0; i < count; i++) {
      const double so = j[4 * i], sl = j[4 * i + 1], d0 = j[4 * i + 2], dl = j[4 * i + 3];
      const bool ints = so >= 0 && sl >= 0 && d0 >= 0 && dl >= 0 && so == double(size_t(so)) &&
                        sl == double(size_t(sl)) && d0 == double(size_t(d0)) && dl == double(size_t(dl));
      if (!ints || size_t(so) > image_.size || size_t(sl) > image_.size - size_t(so) ||
          size_t(d0) > space_size_ || size_t(dl) > space_size_ - size_t(d0))
        throw InputRangeError(env, "jobs: job " + std::to_string(i) + " lies outside image or space");
      jobs_.push_back(Job{size_t(so), size_t(sl), size_t(d0), size_t(dl)});
    }
    states_ = states.Data();
    // The arrays stay alive (and in place) until the work is done, whatever JS does meanwhile.
    keep_image_ = Napi::Persistent(info[0].As<Napi::Object>());
    keep_space_ = Napi::Persistent(info[2].As<Napi::Object>());
    keep_states_ = Napi::Persistent(info[3].As<Napi::Object>());
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    for (size_t i = 0; i < jobs_.size(); i++) {
      if (AtomicAt(states_, 0)->load(std::memory_order_acquire) != 0) break;
      int32_t expected = kJobPending;
      std::atomic<int32_t>* st = AtomicAt(states_, 1 + i);
      if (!st->compare_exchange_strong(expected, kJobBusy, std::memory_order_acq_rel)) continue;
      const Job& job = jobs_[i];
      int32_t result = kJobDone;
      try {
        agc::ZstdDecompressInto(image_.data + job.src, job.src_len, space_ + job.dst, job.dst_len);
        decoded_++;
      } catch (const std::exception&) {
        result = kJobFailed;  // the JS thread decodes it again and reports the error in context
      }
      st->store(result, std::memory_order_release);
    }
  }

  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), double(decoded_))); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  struct Job {
    size_t src, src_len, dst, dst_len;
  };
  Napi::Promise::Deferred deferred_;
  ByteView image_{nullptr, 0};
  uint8_t* space_ = nullptr;
  size_t space_size_ = 0;
  int32_t* states_ = nullptr;
  std::vector<Job> jobs_;
  size_t decoded_ = 0;
  Napi::ObjectReference keep_image_, keep_space_, keep_states_;
};

// decodePartsInBackground(image, jobs, space, states): Promise<number decoded in the background>
Napi::Value DecodePartsInBackgroundJs(const Napi::CallbackInfo& info) {
  auto* worker = new BackgroundDecode(info.Env(), info);
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
  exports.Set("lzDecodeRange", Napi::Function::New<Coded<LzDecodeRangeJs>>(env, "lzDecodeRange"));
  exports.Set("decodePartsInBackground",
              Napi::Function::New<Coded<DecodePartsInBackgroundJs>>(env, "decodePartsInBackground"));
}

}  // namespace agcnode

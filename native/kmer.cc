// kmerCounts / kmerSingletonsExcept / kmerNewSingletons / kmerMineSplitters / referenceSplitters /
// fallbackKmers / fallbackFilterIndices (binding.d.ts) over agc/kmer_splitters.h. Values cross the
// bridge as (hi, lo) Uint32Array pairs, the form lib/write/kmer uses.
#include "common.h"

#include "agc/kmer_splitters.h"

namespace agcnode {

namespace {

// The contigs argument: an array of Uint8Arrays. All elements are fetched before any pointer is
// taken, so no JavaScript (an element getter) runs between taking a pointer and using it.
std::vector<Napi::Value> ArgItems(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = i < info.Length() ? info[i] : info.Env().Undefined();
  if (!v.IsArray())
    throw InputTypeError(info.Env(), std::string(name) + ": expected an array of Uint8Arrays");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<Napi::Value> items;
  const uint32_t n = a.Length();
  items.reserve(n);
  for (uint32_t j = 0; j < n; ++j) items.push_back(a.Get(j));
  return items;
}

std::vector<agc::CodeSpan> Spans(const std::vector<Napi::Value>& items, const char* name) {
  std::vector<agc::CodeSpan> out;
  out.reserve(items.size());
  for (const Napi::Value& e : items) {
    ByteView b = AsBytes(e, name);
    out.push_back({b.data, b.size});
  }
  return out;
}

std::vector<agc::CodeSpan> ArgContigs(const Napi::CallbackInfo& info, size_t i) {
  return Spans(ArgItems(info, i, "contigs"), "contigs[i]");
}

int ArgK(const Napi::CallbackInfo& info, size_t i) {
  int32_t k = ArgInt32(info, i, "k");
  if (k < 17 || k > 32) throw InputRangeError(info.Env(), "k must be 17..32");
  return k;
}

// Stores `v` as two Uint32Arrays (high and low halves) under `hi_key` and `lo_key`.
void SetPairs(Napi::Object& o, const char* hi_key, const char* lo_key,
              const std::vector<uint64_t>& v) {
  Napi::Env env = o.Env();
  Napi::Uint32Array hi = Napi::Uint32Array::New(env, v.size());
  Napi::Uint32Array lo = Napi::Uint32Array::New(env, v.size());
  uint32_t* h = hi.Data();
  uint32_t* l = lo.Data();
  for (size_t j = 0; j < v.size(); ++j) {
    h[j] = static_cast<uint32_t>(v[j] >> 32);
    l[j] = static_cast<uint32_t>(v[j]);
  }
  o.Set(hi_key, hi);
  o.Set(lo_key, lo);
}

// Optional thread count (argument i, default 1); the call blocks until every thread has finished
// with the caller's buffers.
uint32_t ArgThreads(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 1;
  const uint32_t threads = ArgUint32(info, i, "threads");
  if (threads < 1 || threads > 64) throw InputRangeError(info.Env(), "threads must be 1..64");
  return threads;
}

Napi::Value KmerCountsJs(const Napi::CallbackInfo& info) {
  std::vector<agc::CodeSpan> contigs = ArgContigs(info, 0);
  int k = ArgK(info, 1);
  bool keep_duplicates = info.Length() > 2 && info[2].ToBoolean().Value();
  uint32_t threads = ArgThreads(info, 3);
  Napi::Env env = info.Env();
  agc::KmerCounts c = agc::CountKmers(contigs, k, keep_duplicates, threads);
  Napi::Object o = Napi::Object::New(env);
  SetPairs(o, "singletonsHi", "singletonsLo", c.singletons);
  c.singletons = std::vector<uint64_t>();  // the window array: free it before the next copy
  SetPairs(o, "duplicatesHi", "duplicatesLo", c.duplicates);
  o.Set("windows", Napi::Number::New(env, static_cast<double>(c.windows)));
  return o;
}

// The singletons of `contigs` that none of the exclusion lists (sorted {hi, lo} pairs) holds.
Napi::Value KmerSingletonsExceptJs(const Napi::CallbackInfo& info) {
  std::vector<agc::CodeSpan> contigs = ArgContigs(info, 0);
  int k = ArgK(info, 1);
  Napi::Env env = info.Env();
  Napi::Value ex = info.Length() > 2 ? info[2] : env.Undefined();
  if (!ex.IsArray()) throw InputTypeError(env, "exclude: expected an array of { hi, lo }");
  // Fetch every list first (getters may run JavaScript), then take the pointers.
  Napi::Array arr = ex.As<Napi::Array>();
  std::vector<std::pair<Napi::Value, Napi::Value>> lists;
  for (uint32_t j = 0; j < arr.Length(); ++j) {
    Napi::Value e = arr.Get(j);
    if (!e.IsObject()) throw InputTypeError(env, "exclude[i]: expected { hi, lo }");
    Napi::Object o = e.As<Napi::Object>();
    lists.emplace_back(o.Get("hi"), o.Get("lo"));
  }
  std::vector<agc::SplitKmers> spans;
  for (auto& [h, l] : lists) {
    Napi::Uint32Array hi = AsUint32Array(h, "exclude[i].hi");
    Napi::Uint32Array lo = AsUint32Array(l, "exclude[i].lo");
    if (hi.ElementLength() != lo.ElementLength())
      throw InputRangeError(env, "exclude[i]: hi and lo differ in length");
    spans.push_back({hi.Data(), lo.Data(), hi.ElementLength()});
  }
  std::vector<uint64_t> v = agc::CountKmers(contigs, k, false).singletons;
  for (const agc::SplitKmers& e : spans) agc::SubtractSorted(v, e);
  Napi::Object o = Napi::Object::New(env);
  SetPairs(o, "hi", "lo", v);
  return o;
}

// Per contig, its singletons that no full window of the reference contigs holds.
Napi::Value KmerNewSingletonsJs(const Napi::CallbackInfo& info) {
  int k = ArgK(info, 1);
  // Every element of both arrays is fetched before any pointer is taken.
  std::vector<Napi::Value> contig_items = ArgItems(info, 0, "contigs");
  std::vector<Napi::Value> reference_items = ArgItems(info, 2, "reference");
  std::vector<agc::CodeSpan> contigs = Spans(contig_items, "contigs[i]");
  std::vector<agc::CodeSpan> reference = Spans(reference_items, "reference[i]");
  uint32_t threads = ArgThreads(info, 3);
  std::vector<std::vector<uint64_t>> lists = agc::NewSingletons(contigs, k, reference, threads);
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, lists.size());
  for (size_t i = 0; i < lists.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    SetPairs(o, "hi", "lo", lists[i]);
    lists[i] = std::vector<uint64_t>();
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value ReferenceSplittersJs(const Napi::CallbackInfo& info) {
  std::vector<agc::CodeSpan> contigs = ArgContigs(info, 0);
  int k = ArgK(info, 1);
  uint32_t s = ArgUint32(info, 2, "segmentSize");
  if (s == 0) throw InputRangeError(info.Env(), "segmentSize must be positive");
  uint32_t threads = ArgThreads(info, 3);
  Napi::Object o = Napi::Object::New(info.Env());
  SetPairs(o, "hi", "lo", agc::ReferenceSplitters(contigs, k, s, threads));
  return o;
}

// The fallback threshold as its two uint32 halves (arguments i, i + 1).
uint64_t ArgThreshold(const Napi::CallbackInfo& info, size_t i) {
  const uint64_t hi = ArgUint32(info, i, "thresholdHi");
  return (hi << 32) | ArgUint32(info, i + 1, "thresholdLo");
}

// Adaptive mining at a batch end: splitters and fallback records (7 words each, the
// FallbackRecords layout of lib/write/splitters.ts).
Napi::Value KmerMineSplittersJs(const Napi::CallbackInfo& info) {
  int k = ArgK(info, 1);
  uint32_t s = ArgUint32(info, 3, "segmentSize");
  if (s == 0) throw InputRangeError(info.Env(), "segmentSize must be positive");
  uint64_t threshold = ArgThreshold(info, 4);
  uint32_t threads = ArgUint32(info, 6, "threads");
  if (threads < 1 || threads > 64) throw InputRangeError(info.Env(), "threads must be 1..64");
  // Every element of both arrays is fetched before any pointer is taken.
  std::vector<Napi::Value> contig_items = ArgItems(info, 0, "contigs");
  std::vector<Napi::Value> reference_items = ArgItems(info, 2, "reference");
  std::vector<agc::CodeSpan> contigs = Spans(contig_items, "contigs[i]");
  std::vector<agc::CodeSpan> reference = Spans(reference_items, "reference[i]");
  agc::MinedSplitters m = agc::MineSplitters(contigs, k, reference, s, threshold, threads);
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  SetPairs(o, "hi", "lo", m.splitters);
  Napi::Uint32Array fb = Napi::Uint32Array::New(env, 7 * m.fallback.size());
  uint32_t* w = fb.Data();
  for (const agc::FallbackRecord& r : m.fallback) {
    *w++ = static_cast<uint32_t>(r.prev >> 32);
    *w++ = static_cast<uint32_t>(r.prev);
    *w++ = static_cast<uint32_t>(r.splitter >> 32);
    *w++ = static_cast<uint32_t>(r.splitter);
    *w++ = static_cast<uint32_t>(r.value >> 32);
    *w++ = static_cast<uint32_t>(r.value);
    *w++ = r.direct ? 1 : 0;
  }
  o.Set("fallback", fb);
  return o;
}

// Passing windows of one sequence as (hi, lo, direct) triples.
Napi::Value FallbackKmersJs(const Napi::CallbackInfo& info) {
  int k = ArgK(info, 1);
  uint64_t threshold = ArgThreshold(info, 2);
  ByteView seq = ArgBytes(info, 0, "seq");  // last: no JavaScript runs after the pointer is taken
  std::vector<agc::FallbackHit> hits = agc::FallbackKmers({seq.data, seq.size}, k, threshold);
  Napi::Uint32Array out = Napi::Uint32Array::New(info.Env(), 3 * hits.size());
  uint32_t* o = out.Data();
  for (const agc::FallbackHit& h : hits) {
    *o++ = static_cast<uint32_t>(h.value >> 32);
    *o++ = static_cast<uint32_t>(h.value);
    *o++ = h.direct ? 1 : 0;
  }
  return out;
}

// Indices of the (hi[i], lo[i]) values that pass the fallback filter.
Napi::Value FallbackFilterIndicesJs(const Napi::CallbackInfo& info) {
  uint64_t threshold = ArgThreshold(info, 2);
  Napi::Env env = info.Env();
  Napi::Uint32Array hi = AsUint32Array(info.Length() > 0 ? info[0] : env.Undefined(), "hi");
  Napi::Uint32Array lo = AsUint32Array(info.Length() > 1 ? info[1] : env.Undefined(), "lo");
  if (hi.ElementLength() != lo.ElementLength())
    throw InputRangeError(env, "hi and lo differ in length");
  std::vector<uint32_t> idx =
      agc::FallbackFilterIndices({hi.Data(), lo.Data(), hi.ElementLength()}, threshold);
  Napi::Uint32Array out = Napi::Uint32Array::New(env, idx.size());
  std::copy(idx.begin(), idx.end(), out.Data());
  return out;
}

}  // namespace

void InitKmer(Napi::Env env, Napi::Object exports) {
  exports.Set("kmerCounts", Napi::Function::New<Coded<KmerCountsJs>>(env, "kmerCounts"));
  exports.Set("kmerSingletonsExcept",
              Napi::Function::New<Coded<KmerSingletonsExceptJs>>(env, "kmerSingletonsExcept"));
  exports.Set("kmerNewSingletons",
              Napi::Function::New<Coded<KmerNewSingletonsJs>>(env, "kmerNewSingletons"));
  exports.Set("kmerMineSplitters",
              Napi::Function::New<Coded<KmerMineSplittersJs>>(env, "kmerMineSplitters"));
  exports.Set("fallbackKmers", Napi::Function::New<Coded<FallbackKmersJs>>(env, "fallbackKmers"));
  exports.Set("fallbackFilterIndices",
              Napi::Function::New<Coded<FallbackFilterIndicesJs>>(env, "fallbackFilterIndices"));
  exports.Set("referenceSplitters",
              Napi::Function::New<Coded<ReferenceSplittersJs>>(env, "referenceSplitters"));
}

}  // namespace agcnode

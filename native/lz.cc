// lzIndex / lzIndexSize / lzFillIndexes / lzEstimate / lzEncode / lzCosts (binding.d.ts) over
// agc/lz_diff.h. Stateless: the padded reference and its index are JS typed arrays, so any thread
// can use them and the garbage collector accounts for their memory.
#include "common.h"

#include <vector>

#include "agc/lz_diff.h"

namespace agcnode {

namespace {

Napi::Int32Array ArgInt32Array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw InputTypeError(info.Env(), std::string(name) + ": expected an Int32Array");
  return v.As<Napi::Int32Array>();
}

// Arguments 0..2 of every scan: padded reference, index, min match length.
agc::LzRef ArgRef(const Napi::CallbackInfo& info) {
  ByteView padded = ArgBytes(info, 0, "padded");
  Napi::Int32Array index = ArgInt32Array(info, 1, "index");
  uint32_t min_match = ArgUint32(info, 2, "minMatchLen");
  return agc::LzRef{padded.data, padded.size, index.Data(), index.ElementLength(), min_match};
}

Napi::Value LzIndexJs(const Napi::CallbackInfo& info) {
  ByteView padded = ArgBytes(info, 0, "padded");
  uint32_t min_match = ArgUint32(info, 1, "minMatchLen");
  const size_t size = agc::LzIndexSize(padded.data, padded.size, min_match);
  Napi::Int32Array index = Napi::Int32Array::New(info.Env(), size);
  agc::LzFillIndex(padded.data, padded.size, min_match, index.Data(), size);
  return index;
}

Napi::Value LzIndexSizeJs(const Napi::CallbackInfo& info) {
  ByteView padded = ArgBytes(info, 0, "padded");
  uint32_t min_match = ArgUint32(info, 1, "minMatchLen");
  return Napi::Number::New(info.Env(),
                           double(agc::LzIndexSize(padded.data, padded.size, min_match)));
}

// Several indexes at once (arrays of padded references and of their Int32Array indexes, sized by
// lzIndexSize), on up to `threads` threads.
Napi::Value LzFillIndexesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t min_match = ArgUint32(info, 1, "minMatchLen");
  uint32_t threads = ArgUint32(info, 3, "threads");
  if (threads < 1 || threads > 64) throw InputRangeError(env, "threads must be 1..64");
  if (!info[0].IsArray() || !info[2].IsArray())
    throw InputTypeError(env, "paddeds and indexes: expected arrays");
  Napi::Array pa = info[0].As<Napi::Array>();
  Napi::Array ia = info[2].As<Napi::Array>();
  if (pa.Length() != ia.Length())
    throw InputRangeError(env, "paddeds and indexes differ in length");
  // Every element is fetched before any pointer is taken (a getter may run JavaScript).
  std::vector<Napi::Value> ps, is;
  for (uint32_t j = 0; j < pa.Length(); ++j) {
    ps.push_back(pa.Get(j));
    is.push_back(ia.Get(j));
  }
  std::vector<agc::LzIndexJob> jobs;
  for (size_t j = 0; j < ps.size(); ++j) {
    ByteView padded = AsBytes(ps[j], "paddeds[i]");
    if (!is[j].IsTypedArray() || is[j].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw InputTypeError(env, "indexes[i]: expected an Int32Array");
    Napi::Int32Array index = is[j].As<Napi::Int32Array>();
    jobs.push_back({padded.data, padded.size, index.Data(), index.ElementLength()});
  }
  agc::LzFillIndexes(jobs, min_match, threads);
  return env.Undefined();
}

Napi::Value LzEstimateJs(const Napi::CallbackInfo& info) {
  agc::LzRef ref = ArgRef(info);
  ByteView text = ArgBytes(info, 3, "text");
  if (!info[4].IsNumber()) throw InputTypeError(info.Env(), "bound: expected a number");
  const double bound = info[4].As<Napi::Number>().DoubleValue();
  return Napi::Number::New(info.Env(), double(agc::LzEstimate(ref, text.data, text.size, bound)));
}

Napi::Value LzEncodeJs(const Napi::CallbackInfo& info) {
  agc::LzRef ref = ArgRef(info);
  ByteView text = ArgBytes(info, 3, "text");
  std::vector<uint8_t> out;
  agc::LzEncode(ref, text.data, text.size, out);
  return ToBuffer(info.Env(), out);
}

Napi::Value LzCostsJs(const Napi::CallbackInfo& info) {
  agc::LzRef ref = ArgRef(info);
  ByteView text = ArgBytes(info, 3, "text");
  if (!info[4].IsBoolean()) throw InputTypeError(info.Env(), "prefix: expected a boolean");
  const bool prefix = info[4].As<Napi::Boolean>().Value();
  if (info.Length() > 5 && !info[5].IsUndefined()) {
    // Into the caller's array (reused across calls: a fresh one of 4 bytes per symbol meant
    // fresh pages, faulted in, on every call).
    Napi::Value v = info[5];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
      throw InputTypeError(info.Env(), "out: expected a Uint32Array");
    Napi::Uint32Array out = v.As<Napi::Uint32Array>();
    if (out.ElementLength() < text.size)
      throw InputRangeError(info.Env(), "out: shorter than text");
    const uint8_t* o = reinterpret_cast<const uint8_t*>(out.Data());
    const uint8_t* o_end = o + text.size * sizeof(uint32_t);
    const auto overlaps = [&](const void* at, size_t n) {
      const uint8_t* p = static_cast<const uint8_t*>(at);
      return n > 0 && p < o_end && o < p + n;
    };
    if (text.size > 0 && (overlaps(text.data, text.size) || overlaps(ref.padded, ref.padded_len) ||
                          overlaps(ref.index, ref.index_size * sizeof(int32_t))))
      throw InputRangeError(info.Env(), "out: overlaps an input");
    agc::LzCosts(ref, text.data, text.size, prefix, out.Data());
    return info.Env().Undefined();
  }
  Napi::Uint32Array costs = Napi::Uint32Array::New(info.Env(), text.size);
  agc::LzCosts(ref, text.data, text.size, prefix, costs.Data());
  return costs;
}

}  // namespace

void InitLz(Napi::Env env, Napi::Object exports) {
  exports.Set("lzIndex", Napi::Function::New<Coded<LzIndexJs>>(env, "lzIndex"));
  exports.Set("lzIndexSize", Napi::Function::New<Coded<LzIndexSizeJs>>(env, "lzIndexSize"));
  exports.Set("lzFillIndexes", Napi::Function::New<Coded<LzFillIndexesJs>>(env, "lzFillIndexes"));
  exports.Set("lzEstimate", Napi::Function::New<Coded<LzEstimateJs>>(env, "lzEstimate"));
  exports.Set("lzEncode", Napi::Function::New<Coded<LzEncodeJs>>(env, "lzEncode"));
  exports.Set("lzCosts", Napi::Function::New<Coded<LzCostsJs>>(env, "lzCosts"));
}

}  // namespace agcnode

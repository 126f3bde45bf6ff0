// fastaConvertBody / splitterCandidates (binding.d.ts) over agc/sequence_scan.h.
#include "common.h"

#include "agc/sequence_scan.h"

namespace agcnode {

namespace {

size_t CheckedEnd(const Napi::CallbackInfo& info, size_t start_arg, size_t len) {
  const size_t start = ArgIndex(info, start_arg, "start");
  const size_t end = ArgIndex(info, start_arg + 1, "end");
  if (start > end || end > len)
    throw InputRangeError(info.Env(), "start..end is outside the chunk");
  return end;
}

Napi::Value FastaConvertBodyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView chunk = ArgBytes(info, 0, "chunk");
  const size_t start = ArgIndex(info, 1, "start");
  const size_t end = CheckedEnd(info, 1, chunk.size);
  ByteView table = ArgBytes(info, 3, "table");
  if (table.size != 256) throw InputRangeError(env, "table must have 256 entries");
  const uint32_t invalid_code = ArgUint32(info, 4, "invalidCode");
  const int32_t replacement = ArgInt32(info, 5, "replacement");
  if (invalid_code > 255 || replacement < -2 || replacement > 255)
    throw InputRangeError(env, "invalidCode or replacement out of range");
  Napi::Uint8Array out = AsUint8Array(info[6], "out");
  if (!info[7].IsTypedArray() ||
      info[7].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[7].As<Napi::TypedArray>().ElementLength() < 6)
    throw InputTypeError(env, "state: expected a Float64Array of 6");
  double* s = info[7].As<Napi::Float64Array>().Data();
  agc::FastaBodyState st;
  if (!(s[0] >= 0 && s[0] <= double(out.ElementLength()) && s[1] >= 0))
    throw InputRangeError(env, "state: bad written/lines");
  st.written = size_t(s[0]);
  st.lines = size_t(s[1]);
  st.bad_index = s[2] < 0 ? -1 : int64_t(s[2]);
  st.letter_pos = s[4] < 0 ? -1 : int64_t(s[4]);
  if (out.ElementLength() - st.written < end - start)
    throw InputRangeError(env, "out has no room for the converted chunk");
  agc::ConvertFastaBody(chunk.data + start, end - start, table.data, uint8_t(invalid_code),
                        replacement, out.Data(), st);
  s[0] = double(st.written);
  s[1] = double(st.lines);
  if (st.bad_index >= 0 && s[2] < 0) {
    s[2] = double(uint64_t(st.bad_index) + start);
    s[3] = st.bad_byte;
  }
  if (st.letter_pos >= 0 && s[4] < 0) {
    s[4] = double(st.letter_pos);
    s[5] = st.letter_byte;
  }
  return env.Undefined();
}

Napi::Value SplitterCandidatesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView seq = ArgBytes(info, 0, "seq");
  const uint32_t k = ArgUint32(info, 1, "k");
  ByteView bits = ArgBytes(info, 2, "bits");
  const uint32_t filter_bits = ArgUint32(info, 3, "filterBits");
  Napi::Uint32Array out = AsUint32Array(info[4], "out");
  if (k < 1 || k > 32) throw InputRangeError(env, "k must be 1..32");
  if (filter_bits < 3 || filter_bits > 32 || bits.size < (uint64_t(1) << filter_bits) / 8)
    throw InputRangeError(env, "bits must hold 2^filterBits bits");
  if (seq.size > 0xffffffffu) throw InputRangeError(env, "seq is longer than 2^32 - 1 symbols");
  const size_t total = agc::FindSplitterCandidates(seq.data, seq.size, k, bits.data, filter_bits,
                                                   out.Data(), out.ElementLength());
  return Napi::Number::New(env, double(total));
}

Napi::Value ReverseComplementCodesJs(const Napi::CallbackInfo& info) {
  ByteView src = ArgBytes(info, 0, "src");
  Napi::Uint8Array dst = AsUint8Array(info[1], "dst");
  if (dst.ElementLength() < src.size) throw InputRangeError(info.Env(), "dst is shorter than src");
  const uint8_t* d = dst.Data();
  if (d < src.data + src.size && src.data < d + src.size)
    throw InputRangeError(info.Env(), "dst overlaps src");
  agc::ReverseComplementCodes(src.data, src.size, dst.Data());
  return dst;
}

Napi::Value BestLagMatchFractionJs(const Napi::CallbackInfo& info) {
  ByteView ref = ArgBytes(info, 0, "ref");
  return Napi::Number::New(info.Env(), agc::BestLagMatchFraction(ref.data, ref.size));
}

}  // namespace

void InitSequence(Napi::Env env, Napi::Object exports) {
  exports.Set("fastaConvertBody",
              Napi::Function::New<Coded<FastaConvertBodyJs>>(env, "fastaConvertBody"));
  exports.Set("reverseComplementCodes",
              Napi::Function::New<Coded<ReverseComplementCodesJs>>(env, "reverseComplementCodes"));
  exports.Set("bestLagMatchFraction",
              Napi::Function::New<Coded<BestLagMatchFractionJs>>(env, "bestLagMatchFraction"));
  exports.Set("splitterCandidates",
              Napi::Function::New<Coded<SplitterCandidatesJs>>(env, "splitterCandidates"));
}

}  // namespace agcnode

// zstdDecompressInto / refRangeLetters / lzDecodeRange (binding.d.ts) over agc/zstd_util.h and
// agc/segment_decode.h: the random-access reader's per-query decoding, into caller-owned arrays.
#include "common.h"

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

}  // namespace

void InitSegment(Napi::Env env, Napi::Object exports) {
  exports.Set("zstdDecompressInto",
              Napi::Function::New<Coded<ZstdDecompressIntoJs>>(env, "zstdDecompressInto"));
  exports.Set("refRangeLetters",
              Napi::Function::New<Coded<RefRangeLettersJs>>(env, "refRangeLetters"));
  exports.Set("lzDecodeRange", Napi::Function::New<Coded<LzDecodeRangeJs>>(env, "lzDecodeRange"));
}

}  // namespace agcnode

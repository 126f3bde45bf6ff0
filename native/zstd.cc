// zstdCompress / zstdDecompress / zstdVersion (binding.d.ts) over agc/zstd_util.h.
#include "common.h"

#include "agc/zstd_util.h"

namespace agcnode {

namespace {

Napi::Value ZstdCompressJs(const Napi::CallbackInfo& info) {
  ByteView data = ArgBytes(info, 0, "data");
  int32_t level = ArgInt32(info, 1, "level");
  if (level < 1 || level > 22) throw InputRangeError(info.Env(), "level must be 1..22");
  const uint8_t* frame = nullptr;
  const size_t size = agc::ZstdCompressScratch(data.data, data.size, level, &frame);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), frame, size);
}

Napi::Value ZstdDecompressJs(const Napi::CallbackInfo& info) {
  ByteView data = ArgBytes(info, 0, "data");
  size_t raw_size = ArgIndex(info, 1, "rawSize");
  return ToBuffer(info.Env(), agc::ZstdDecompress(data.data, data.size, raw_size));
}

Napi::Value ZstdVersionJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), agc::ZstdVersion());
}

}  // namespace

void InitZstd(Napi::Env env, Napi::Object exports) {
  exports.Set("zstdCompress", Napi::Function::New<Coded<ZstdCompressJs>>(env, "zstdCompress"));
  exports.Set("zstdDecompress",
              Napi::Function::New<Coded<ZstdDecompressJs>>(env, "zstdDecompress"));
  exports.Set("zstdVersion", Napi::Function::New<ZstdVersionJs>(env, "zstdVersion"));
}

}  // namespace agcnode

#include "common.h"

#include <cmath>
#include <new>

namespace agcnode {

// Random 128-bit values: unique to this addon so objects of other addons never match.
const napi_type_tag kArchiveTag = {0x6a1c3f0e5b2d4c81ULL, 0x9e7f2a4b6c8d0e13ULL};
const napi_type_tag kCollectionTag = {0x2f8b7d1e4a6c9035ULL, 0xc3e5a7091b2d4f68ULL};

AddonData& GetAddonData(Napi::Env env) {
  AddonData* d = env.GetInstanceData<AddonData>();
  if (!d)
    throw CodedError(env, code::kInternal, "agc-node: addon not initialised in this environment");
  return *d;
}

namespace {

constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1

Napi::Value arg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() ? info[i] : info.Env().Undefined();
}

[[noreturn]] void type_error(Napi::Env env, const char* name, const char* expected) {
  throw InputTypeError(env, std::string(name) + " must be " + expected);
}

double safe_uint(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) type_error(v.Env(), name, "a non-negative safe integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= kMaxSafe) || std::floor(d) != d)
    type_error(v.Env(), name, "a non-negative safe integer");
  return d;
}

ByteView bytes_of(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    type_error(v.Env(), name, "a Uint8Array or Buffer");
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  return ByteView{a.Data(), a.ElementLength()};
}

}  // namespace

uint64_t ArgSafeUint(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<uint64_t>(safe_uint(arg(info, i), name));
}

uint32_t ArgUint32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = safe_uint(arg(info, i), name);
  if (d > 4294967295.0) type_error(info.Env(), name, "an integer below 2^32");
  return static_cast<uint32_t>(d);
}

size_t ArgIndex(const Napi::CallbackInfo& info, size_t i, const char* name) {
  uint64_t x = ArgSafeUint(info, i, name);
  if (static_cast<uint64_t>(static_cast<size_t>(x)) != x)
    type_error(info.Env(), name, "an index addressable on this platform");
  return static_cast<size_t>(x);
}

int32_t ArgInt32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = arg(info, i);
  if (!v.IsNumber()) type_error(info.Env(), name, "an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || std::floor(d) != d)
    type_error(info.Env(), name, "a 32-bit integer");
  return static_cast<int32_t>(d);
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = arg(info, i);
  if (!v.IsString()) type_error(info.Env(), name, "a string");
  return v.As<Napi::String>().Utf8Value();
}

ByteView ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return bytes_of(arg(info, i), name);
}

ByteView AsBytes(const Napi::Value& v, const char* name) { return bytes_of(v, name); }

Napi::Uint32Array AsUint32Array(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    type_error(v.Env(), name, "a Uint32Array");
  return v.As<Napi::Uint32Array>();
}

Napi::Uint8Array AsUint8Array(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    type_error(v.Env(), name, "a Uint8Array");
  return v.As<Napi::Uint8Array>();
}

std::vector<std::string> AsStringArray(const Napi::Value& v, const char* name) {
  if (!v.IsArray()) type_error(v.Env(), name, "an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> out;
  uint32_t n = a.Length();
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsString()) type_error(v.Env(), name, "an array of strings");
    out.push_back(e.As<Napi::String>().Utf8Value());
  }
  return out;
}

namespace {

std::string binary_of(const Napi::Value& v, const char* name) {
  if (!v.IsString()) type_error(v.Env(), name, "a string");
  std::u16string u = v.As<Napi::String>().Utf16Value();
  std::string out(u.size(), '\0');
  for (size_t i = 0; i < u.size(); ++i) {
    if (u[i] > 0xFF)
      type_error(v.Env(), name, "a binary string (one char per byte, U+0000..U+00FF)");
    out[i] = static_cast<char>(u[i]);
  }
  return out;
}

}  // namespace

std::string ArgBinaryString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return binary_of(arg(info, i), name);
}

std::vector<std::string> AsBinaryStringArray(const Napi::Value& v, const char* name) {
  if (!v.IsArray()) type_error(v.Env(), name, "an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> out;
  uint32_t n = a.Length();
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) out.push_back(binary_of(a.Get(i), name));
  return out;
}

Napi::String ToBinaryString(Napi::Env env, const std::string& s) {
  napi_value v;
  napi_status st = napi_create_string_latin1(env, s.data(), s.size(), &v);
  NAPI_THROW_IF_FAILED(env, st, Napi::String());
  return Napi::String(env, v);
}

Napi::Array ToBinaryStringArray(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), ToBinaryString(env, v[i]));
  return a;
}

Napi::Buffer<uint8_t> ToBuffer(Napi::Env env, const std::vector<uint8_t>& bytes) {
  // A copy, not an external buffer: V8 then accounts the memory (GC pressure stays right) and
  // runtimes that forbid external buffers (Electron's sandbox) behave the same. The memcpy is
  // cheap next to reading or decompressing the bytes.
  if (bytes.empty()) return Napi::Buffer<uint8_t>::New(env, 0);
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

Napi::Number SafeNumber(Napi::Env env, uint64_t x, const char* what) {
  if (x > 9007199254740991ULL)
    throw CodedError(
        env, code::kCorrupt,
        std::string(what) + " " + std::to_string(x) + " exceeds Number.MAX_SAFE_INTEGER");
  return Napi::Number::New(env, static_cast<double>(x));
}

Napi::Array ToStringArray(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i)
    a.Set(static_cast<uint32_t>(i), Napi::String::New(env, v[i]));
  return a;
}

namespace {
Napi::Error with_code(Napi::Error e, const char* code) {
  e.Set("code", Napi::String::New(e.Env(), code));
  return e;
}

}  // namespace

const char* CodeOfKind(agc::ErrorKind kind) {
  switch (kind) {
    case agc::ErrorKind::kCorrupt:
      return code::kCorrupt;
    case agc::ErrorKind::kInput:
      return code::kInput;
    case agc::ErrorKind::kClosed:
      return code::kClosed;
    case agc::ErrorKind::kIo:
      return code::kIo;
    case agc::ErrorKind::kInternal:
      break;
  }
  return code::kInternal;
}

Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message) {
  return with_code(Napi::Error::New(env, message), code);
}

Napi::Error InputTypeError(Napi::Env env, const std::string& message) {
  return with_code(Napi::TypeError::New(env, message), code::kInput);
}

Napi::Error InputRangeError(Napi::Env env, const std::string& message) {
  return with_code(Napi::RangeError::New(env, message), code::kInput);
}

void RethrowAsJs(Napi::Env env, const std::exception& e) {
  if (auto* agc_error = dynamic_cast<const agc::AgcError*>(&e))
    throw CodedError(env, CodeOfKind(agc_error->kind()), agc_error->what());
  if (dynamic_cast<const std::bad_alloc*>(&e))
    throw CodedError(env, code::kInternal, "agc-node: out of memory");
  throw CodedError(env, code::kInternal, e.what());
}

}  // namespace agcnode

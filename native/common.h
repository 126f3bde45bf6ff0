// Shared helpers of the N-API bridge. Every native/*.cc includes this header FIRST: it turns on
// NODE_ADDON_API_CPP_EXCEPTIONS_ALL, so any std::exception escaping a callback becomes a JS
// Error instead of terminating the process, and all files must see the same napi.h settings.
#pragma once

#ifdef SRC_NAPI_H_
#error "native/common.h must be included before napi.h"
#endif
#ifndef NODE_ADDON_API_CPP_EXCEPTIONS_ALL
#define NODE_ADDON_API_CPP_EXCEPTIONS_ALL
#endif
// A worker_thread terminated while it is inside one of our calls cannot take a JS exception any
// more; without this, node-addon-api rethrows from its catch handler and the whole process aborts.
#ifndef NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#endif
#include <napi.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "agc/archive.h"

namespace agc {
class PartCache;
}  // namespace agc

namespace agcnode {

// ---- per-environment state -------------------------------------------------------------------
// Constructors live in instance data, never in statics: each worker_thread (each napi_env) loads
// its own copy of the classes.
struct AddonData {
  Napi::FunctionReference archive_ctor;
  Napi::FunctionReference collection_ctor;
};
// Throws Napi::Error if the addon was not initialised in this environment.
AddonData& GetAddonData(Napi::Env env);

// ---- type tags -------------------------------------------------------------------------------
// napi_check_object_type_tag makes Unwrap safe against foreign objects (a Collection passed where
// an Archive is expected, a plain object, an object of another addon).
extern const napi_type_tag kArchiveTag;
extern const napi_type_tag kCollectionTag;

Napi::Error InputTypeError(Napi::Env env, const std::string& message);

// The wrapped T behind `v`, or TypeError("<what>: expected <expected>") when `v` is not an
// object tagged with `tag`. `expected` reads like "an Archive".
template <typename T>
T* UnwrapTagged(const Napi::Value& v, const napi_type_tag& tag, const char* what,
                const char* expected) {
  Napi::Env env = v.Env();
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&tag))
    throw InputTypeError(env, std::string(what) + ": expected " + expected);
  T* p = Napi::ObjectWrap<T>::Unwrap(v.As<Napi::Object>());
  if (!p) throw InputTypeError(env, std::string(what) + ": expected " + expected);
  return p;
}

// The core archive behind a JS Archive (type-checked; TypeError "<what>: expected an Archive").
// The shared_ptr keeps the CArchive alive even if the JS object is collected first; the archive
// may be closed, and every CArchive operation on a closed archive throws agc::AgcError.
// Defined in archive.cc.
std::shared_ptr<agc::CArchive> UnwrapArchive(const Napi::Value& v, const char* what);

// The part cache of a WarmStart (warm_start.cc), for an extractor over `archive` that decodes
// packs as far as needed (`pack_prefixes`) or whole: its job is stopped and the handle closed, and
// the cache returned when the job had opened the same file (same size and part table) with the
// same pack mode; nullptr otherwise. TypeError (AGC_INPUT) when `v` is not a WarmStart.
std::shared_ptr<agc::PartCache> TakeWarmCache(const Napi::Value& v, const agc::CArchive& archive,
                                              bool pack_prefixes);

// ---- argument checkers (all throw a TypeError with code AGC_INPUT naming the argument) --------
// `name` reads like "streamId" and appears in the message.
// A number that is an integer in [0, 2^53 - 1].
uint64_t ArgSafeUint(const Napi::CallbackInfo& info, size_t i, const char* name);
// As ArgSafeUint, also < 2^32 (for values stored as u32/int in the format).
uint32_t ArgUint32(const Napi::CallbackInfo& info, size_t i, const char* name);
// As ArgSafeUint, converted to size_t (32-bit platforms).
size_t ArgIndex(const Napi::CallbackInfo& info, size_t i, const char* name);
// Any integer-valued number in the int32 range.
int32_t ArgInt32(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name);
// A Uint8Array (or Buffer, which is one). The pointer stays valid during the call only.
struct ByteView {
  const uint8_t* data;
  size_t size;
};
ByteView ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name);
ByteView AsBytes(const Napi::Value& v, const char* name);  // same check for a non-argument value
// A Uint32Array / Uint8Array value (e.g. a field of a batch object).
Napi::Uint32Array AsUint32Array(const Napi::Value& v, const char* name);
Napi::Uint8Array AsUint8Array(const Napi::Value& v, const char* name);
// An array of strings.
std::vector<std::string> AsStringArray(const Napi::Value& v, const char* name);
// Names (sample and contig names) cross the bridge as "binary strings": one char per byte
// (Latin-1), so that bytes that are not UTF-8 survive a round trip. A char above U+00FF is a
// TypeError (the TS side encodes names before passing them).
std::string ArgBinaryString(const Napi::CallbackInfo& info, size_t i, const char* name);
std::vector<std::string> AsBinaryStringArray(const Napi::Value& v, const char* name);

// ---- results
// ------------------------------------------------------------------------------------- A Buffer
// holding a copy of `bytes`.
Napi::Buffer<uint8_t> ToBuffer(Napi::Env env, const std::vector<uint8_t>& bytes);
// A u64 from the format as a JS number; throws AGC_CORRUPT naming `what` when it is >= 2^53.
Napi::Number SafeNumber(Napi::Env env, uint64_t x, const char* what);
Napi::Array ToStringArray(Napi::Env env, const std::vector<std::string>& v);
// Bytes as a binary string (see ArgBinaryString) and an array of them.
Napi::String ToBinaryString(Napi::Env env, const std::string& s);
Napi::Array ToBinaryStringArray(Napi::Env env, const std::vector<std::string>& v);

// ---- coded errors ----------------------------------------------------------------------------
// Every error the addon throws carries a string `code` (the codes of lib/errors.ts), so the
// TypeScript side picks the error class from the code and never parses a message. Argument
// guards keep their JS type (TypeError/RangeError) and get AGC_INPUT.
namespace code {
constexpr const char* kInput = "AGC_INPUT";
constexpr const char* kCorrupt = "AGC_CORRUPT";
constexpr const char* kClosed = "AGC_CLOSED";
constexpr const char* kIo = "AGC_IO";
constexpr const char* kInternal = "AGC_INTERNAL";
}  // namespace code

// The error code of an agc::AgcError kind (also for errors carried out of a pool thread).
const char* CodeOfKind(agc::ErrorKind kind);

Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message);
Napi::Error InputTypeError(Napi::Env env, const std::string& message);   // TypeError, AGC_INPUT
Napi::Error InputRangeError(Napi::Env env, const std::string& message);  // RangeError, AGC_INPUT

// The JS error for a C++ exception: agc::AgcError gets the code of its kind, std::bad_alloc
// becomes "out of memory" (AGC_INTERNAL), anything else AGC_INTERNAL.
[[noreturn]] void RethrowAsJs(Napi::Env env, const std::exception& e);

// Runs `body`; a C++ exception leaving it becomes a coded JS error (Napi::Error passes through).
// NODE_ADDON_API_CPP_EXCEPTIONS_ALL alone would turn it into a plain Error without a code.
template <typename F>
auto CallCoded(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    RethrowAsJs(env, e);
  }
}

// A free function as a JS function whose C++ exceptions become coded errors:
//   Napi::Function::New<Coded<MyFunction>>(env, "name")
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Coded(const Napi::CallbackInfo& info) {
  return CallCoded(info.Env(), [&] { return F(info); });
}

// Module init of each class (called once per environment by addon.cc).
void InitArchive(Napi::Env env, Napi::Object exports);
void InitCollection(Napi::Env env, Napi::Object exports);
void InitZstd(Napi::Env env, Napi::Object exports);
void InitSignals(Napi::Env env, Napi::Object exports);
void InitLz(Napi::Env env, Napi::Object exports);
void InitSequence(Napi::Env env, Napi::Object exports);
void InitKmer(Napi::Env env, Napi::Object exports);
void InitSegment(Napi::Env env, Napi::Object exports);
void InitRangeQuery(Napi::Env env, Napi::Object exports);
void InitExtract(Napi::Env env, Napi::Object exports);
void InitWarmStart(Napi::Env env, Napi::Object exports);

}  // namespace agcnode

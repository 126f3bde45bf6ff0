// TEMPORARY STUB so the addon links; the owner of native/collection.cc replaces this file.
//
// Helpers available from native/common.h (include it FIRST, before anything that includes napi.h):
//   - GetAddonData(env).collection_ctor: store Napi::Persistent(ctor) there (per environment,
//     never in a static; the addon runs in worker_threads).
//   - kCollectionTag: tag new objects in the constructor with
//     info.This().As<Napi::Object>().TypeTag(&kCollectionTag) (do it last, after success), and
//     unwrap with UnwrapTagged<Collection>(value, kCollectionTag, "method", "a Collection").
//   - UnwrapArchive(value, "openForReading"): std::shared_ptr<agc::CArchive> behind a JS Archive
//     (TypeError "openForReading: expected an Archive" otherwise). Keep the shared_ptr: the core
//     archive then outlives the JS object. It may be closed; CArchive methods on a closed archive
//     throw agc::AgcError ("<file>: GetPart: archive is closed"); check IsOpen()/IsInput() first
//     for friendlier messages.
//   - ArgSafeUint / ArgUint32 / ArgIndex / ArgInt32 / ArgString / ArgBytes (arguments) and
//     AsBytes / AsUint32Array / AsUint8Array / AsStringArray (object fields): TypeError naming
//     the argument.
//   - ToBuffer(env, vector) -> Buffer copy; SafeNumber(env, u64, "what") -> Number or Error
//     above 2^53; ToStringArray(env, vector<string>).
//   - AGC_NAPI_TRY { ... } AGC_NAPI_CATCH(env): std::exception -> JS Error (bad_alloc ->
//     "out of memory"); Napi::Error subclasses pass through. NODE_ADDON_API_CPP_EXCEPTIONS_ALL is
//     also on, as a safety net.
#include "common.h"

namespace agcnode {

void InitCollection(Napi::Env, Napi::Object) {}

}  // namespace agcnode

// Module init. Runs once per environment (main thread and each worker_thread).
#include "common.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <mutex>

namespace agcnode {

namespace {

// glibc raises its mmap threshold each time a large mmapped block is freed (up to 32 MiB), after
// which large buffers (ArrayBuffer stores, zstd workspaces, output vectors) come from the heap and
// their freed pages stay in RSS. A fixed threshold keeps large blocks mmapped, so freeing them
// returns the memory: create's peak RSS drops by about 40 MiB for a few page faults.
void TuneAllocatorOnce() {
#ifdef __GLIBC__
  static std::once_flag once;
  std::call_once(once, [] { mallopt(M_MMAP_THRESHOLD, 128 * 1024); });
#endif
}

// Returns the free pages of every malloc arena to the system (malloc_trim(0)); true where that
// exists (glibc). See releaseMemory() in lib/write/collect-garbage.ts for when it pays.
Napi::Value TrimAllocatorJs(const Napi::CallbackInfo& info) {
#ifdef __GLIBC__
  malloc_trim(0);
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  TuneAllocatorOnce();
  // Instance data first: the Init* functions store their constructors in it.
  env.SetInstanceData<AddonData>(new AddonData());
  InitArchive(env, exports);
  InitCollection(env, exports);
  InitZstd(env, exports);
  InitSignals(env, exports);
  InitLz(env, exports);
  InitSequence(env, exports);
  InitKmer(env, exports);
  InitSegment(env, exports);
  InitRangeQuery(env, exports);
  InitExtract(env, exports);
  InitWarmStart(env, exports);
  exports.Set("trimAllocator", Napi::Function::New<TrimAllocatorJs>(env, "trimAllocator"));
  return exports;
}

}  // namespace agcnode

// NODE_API_MODULE pastes the name into an identifier, so it needs an unqualified one.
static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return agcnode::Init(env, exports);
}

NODE_API_MODULE(agc_node, InitAddon)

// Module init. Runs once per environment (main thread and each worker_thread).
#include "common.h"

namespace agcnode {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Instance data first: the Init* functions store their constructors in it.
  env.SetInstanceData<AddonData>(new AddonData());
  InitArchive(env, exports);
  InitCollection(env, exports);
  InitZstd(env, exports);
  return exports;
}

}  // namespace agcnode

// NODE_API_MODULE pastes the name into an identifier, so it needs an unqualified one.
static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return agcnode::Init(env, exports);
}

NODE_API_MODULE(agc_node, InitAddon)

// GuardedWorker: the base of pool jobs that touch JS-owned memory (native/segment.cc,
// native/extract.cc).
#pragma once

#include "common.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace agcnode {

// An AsyncWorker whose Execute reads JS-owned memory on a pool thread. A worker thread's
// environment may end while it runs: its cleanup hook (Teardown) then raises the flag that Execute
// polls and waits until Execute has left that memory alone. Derived classes call Guard() at the end
// of their constructor, Begin() first in Execute (false: the environment is gone, do nothing) and
// End() when they no longer touch the memory.
class GuardedWorker : public Napi::AsyncWorker {
 protected:
  GuardedWorker(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name) {}
  ~GuardedWorker() override {
    if (env_ != nullptr) napi_remove_env_cleanup_hook(env_, Teardown, this);
  }

  void Guard(Napi::Env env) {
    env_ = env;
    napi_add_env_cleanup_hook(env_, Teardown, this);
  }
  bool Begin() {
    std::lock_guard<std::mutex> lock(mtx_);
    if (torn_down_) return false;
    started_ = true;
    return true;
  }
  void End() {
    std::lock_guard<std::mutex> lock(mtx_);
    running_ = false;
    cv_.notify_all();
  }
  bool TornDown() const { return torn_down_flag_.load(); }

 private:
  static void Teardown(void* arg) {
    auto* self = static_cast<GuardedWorker*>(arg);
    std::unique_lock<std::mutex> lock(self->mtx_);
    self->torn_down_ = true;
    self->torn_down_flag_.store(true);
    if (self->started_) self->cv_.wait(lock, [self] { return !self->running_; });
  }

  napi_env env_ = nullptr;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool started_ = false, running_ = true, torn_down_ = false;
  std::atomic<bool> torn_down_flag_{false};
};

}  // namespace agcnode

// Interrupt cleanup for the command-line tool. JavaScript signal handlers run only when the
// event loop gets a turn, which a long synchronous step (segmenting a 60 Mbp contig, counting the
// k-mers of a reference) can delay for tens of seconds. These handlers act at once, in signal
// context: they remove the registered temporary files (unlink and rmdir are async-signal-safe),
// print one line and end the process with 128 + the signal number. Only the CLI installs them;
// a library user's process keeps its own signal handling.
#include "common.h"

#include <atomic>
#include <cstring>

#ifndef _WIN32
#include <signal.h>
#include <unistd.h>
#endif

namespace agcnode {

namespace {

constexpr int kSlots = 256;
constexpr size_t kPathMax = 4096;

// state: 0 free, 1 being written, 2 a file to remove, 3 a folder to remove (after the files)
// Every member has an initializer, so that the table is initialized at compile time, all zero,
// and costs nothing until used: otherwise a constructor run when the addon loads wrote each slot's
// state, one page of the 1 MiB table each (256 page faults, ~1 ms of every start-up).
struct Slot {
  std::atomic<int> state{0};
  char path[kPathMax]{};
};

Slot g_slots[kSlots];
std::atomic<bool> g_installed{false};

#ifndef _WIN32
void remove_all(int kind) {
  for (Slot& s : g_slots) {
    if (s.state.load(std::memory_order_acquire) != kind) continue;
    if (kind == 2)
      unlink(s.path);
    else
      rmdir(s.path);
  }
}

extern "C" void on_interrupt(int sig) {
  remove_all(2);
  remove_all(3);
  static const char msg[] = "\nagc-node: interrupted\n";
  ssize_t ignored = write(2, msg, sizeof msg - 1);
  (void)ignored;
  _exit(128 + sig);
}
#endif

// installInterruptCleanup(): true when installed (POSIX), false where unsupported.
Napi::Value Install(const Napi::CallbackInfo& info) {
#ifdef _WIN32
  return Napi::Boolean::New(info.Env(), false);
#else
  // Installed again on every call: a JavaScript signal listener added since (libuv installs its
  // own handler then) would otherwise take the signal back.
  g_installed.store(true);
  {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  }
  return Napi::Boolean::New(info.Env(), true);
#endif
}

// registerInterruptCleanup(path, isFolder): slot id (>= 0), or -1 when the table is full or the
// path too long (the JS exit hooks still remove it on a normal exit).
Napi::Value Register(const Napi::CallbackInfo& info) {
  std::string p = ArgString(info, 0, "path");
  bool folder = info.Length() > 1 && info[1].ToBoolean().Value();
  if (p.empty() || p.size() >= kPathMax || p.find('\0') != std::string::npos)
    return Napi::Number::New(info.Env(), -1);
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_slots[i].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(g_slots[i].path, p.c_str(), p.size() + 1);
      g_slots[i].state.store(folder ? 3 : 2, std::memory_order_release);
      return Napi::Number::New(info.Env(), i);
    }
  }
  return Napi::Number::New(info.Env(), -1);
}

// unregisterInterruptCleanup(slot): the file was renamed into place or removed.
Napi::Value Unregister(const Napi::CallbackInfo& info) {
  int32_t i = ArgInt32(info, 0, "slot");
  if (i >= 0 && i < kSlots) g_slots[i].state.store(0, std::memory_order_release);
  return info.Env().Undefined();
}

}  // namespace

void InitSignals(Napi::Env env, Napi::Object exports) {
  exports.Set("installInterruptCleanup",
              Napi::Function::New(env, Install, "installInterruptCleanup"));
  exports.Set("registerInterruptCleanup",
              Napi::Function::New(env, Register, "registerInterruptCleanup"));
  exports.Set("unregisterInterruptCleanup",
              Napi::Function::New(env, Unregister, "unregisterInterruptCleanup"));
}

}  // namespace agcnode

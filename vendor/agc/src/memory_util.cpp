#include "agc/memory_util.h"

#include <cstdint>

#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#include <cerrno>
// older C library headers than the kernel: the value is fixed by the kernel ABI
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#endif

namespace agc {

bool PopulateWritable(void* data, size_t size) {
#ifdef __linux__
  const long ps = sysconf(_SC_PAGESIZE);
  const uintptr_t page = ps > 0 ? uintptr_t(ps) : 4096;
  const uintptr_t at = reinterpret_cast<uintptr_t>(data);
  if (size > UINTPTR_MAX - at) return false;
  const uintptr_t lo = (at + page - 1) & ~(page - 1);
  const uintptr_t hi = (at + size) & ~(page - 1);
  if (hi <= lo) return true;
  int r;
  // a signal may interrupt the population; what is done stays done
  do r = madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_WRITE);
  while (r != 0 && errno == EINTR);
  return r == 0;
#else
  (void)data;
  (void)size;
  return false;
#endif
}

}  // namespace agc

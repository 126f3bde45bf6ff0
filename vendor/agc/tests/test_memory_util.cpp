// PopulateWritable: pages become resident, bytes stay as they are (also while another thread
// writes them), and ranges that are not this process's writable memory are refused.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "agc/memory_util.h"
#include "test_framework.h"

#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>

namespace {

constexpr size_t kSize = size_t(8) << 20;

uint8_t* MapFresh(size_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  // page counts below assume small pages (a system with huge pages always on would fault 2 MiB)
  madvise(p, size, MADV_NOHUGEPAGE);
  return static_cast<uint8_t*>(p);
}

size_t ResidentPages(uint8_t* p, size_t size) {
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> v((size + page - 1) / page);
  if (mincore(p, size, v.data()) != 0) return 0;
  size_t n = 0;
  for (unsigned char c : v) n += c & 1;
  return n;
}

}  // namespace

TEST(populate_makes_pages_resident_and_keeps_bytes) {
  uint8_t* p = MapFresh(kSize);
  REQUIRE(p != nullptr);
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  for (size_t i = 0; i < page; i++) p[i] = uint8_t(i * 7 + 1);
  CHECK_EQ(ResidentPages(p, kSize), size_t(1));
  CHECK(agc::PopulateWritable(p, kSize));
  CHECK_EQ(ResidentPages(p, kSize), kSize / page);
  bool same = true;
  for (size_t i = 0; i < page; i++) same = same && p[i] == uint8_t(i * 7 + 1);
  for (size_t i = page; i < kSize; i += 4093) same = same && p[i] == 0;
  CHECK(same);
  munmap(p, kSize);
}

TEST(populate_leaves_partial_pages_alone) {
  uint8_t* p = MapFresh(kSize);
  REQUIRE(p != nullptr);
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  // no whole page inside: nothing to do
  CHECK(agc::PopulateWritable(p + 1, page - 2));
  CHECK(agc::PopulateWritable(p, 0));
  CHECK(agc::PopulateWritable(nullptr, 0));
  CHECK_EQ(ResidentPages(p, kSize), size_t(0));
  // the whole pages inside only
  CHECK(agc::PopulateWritable(p + 1, 3 * page));
  CHECK_EQ(ResidentPages(p, kSize), size_t(2));
  munmap(p, kSize);
}

TEST(populate_refuses_memory_that_is_not_writable) {
  uint8_t* p = MapFresh(kSize);
  REQUIRE(p != nullptr);
  munmap(p, kSize);
  CHECK(!agc::PopulateWritable(p, kSize));
  uint8_t* r =
      static_cast<uint8_t*>(mmap(nullptr, kSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  REQUIRE(r != MAP_FAILED);
  CHECK(!agc::PopulateWritable(r, kSize));
  munmap(r, kSize);
  CHECK(!agc::PopulateWritable(reinterpret_cast<void*>(~uintptr_t(0) - 10), 100));
}

TEST(populate_while_another_thread_writes) {
  uint8_t* p = MapFresh(kSize);
  REQUIRE(p != nullptr);
  std::atomic<bool> go{false};
  std::thread writer([&] {
    while (!go.load()) {
    }
    for (size_t i = 0; i < kSize; i += 64) p[i] = uint8_t(i >> 6 | 1);
  });
  go.store(true);
  const bool ok = agc::PopulateWritable(p, kSize);
  writer.join();
  CHECK(ok);
  bool same = true;
  for (size_t i = 0; i < kSize; i += 64) same = same && p[i] == uint8_t(i >> 6 | 1);
  CHECK(same);
  munmap(p, kSize);
}

#else

TEST(populate_is_refused_off_linux) {
  std::vector<uint8_t> v(1 << 16);
  CHECK(!agc::PopulateWritable(v.data(), v.size()));
}

#endif

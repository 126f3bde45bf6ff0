// Runner for the agc_core tests: agc_core_tests <path of ../shared> [test-name-substring...]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "test_framework.h"

const char* g_shared_dir = nullptr;

std::string SharedPath(const std::string& rel) {
  if (!g_shared_dir) throw std::runtime_error("no shared directory given (argv[1])");
  return std::string(g_shared_dir) + "/" + rel;
}

namespace agctest {

namespace {
int g_failures_in_test = 0;
std::vector<std::string> g_temp_files;

void remove_temp_files() {
  for (const std::string& f : g_temp_files) std::remove(f.c_str());
}
}  // namespace

std::vector<TestCase>& Registry() {
  static std::vector<TestCase> tests;
  return tests;
}

int Register(const char* name, void (*fn)()) {
  Registry().push_back({name, fn});
  return 0;
}

void ReportFailure(const char* file, int line, const std::string& what) {
  ++g_failures_in_test;
  // stdout, like the summary, so the lines stay in order when both are piped.
  std::cout << "    " << file << ":" << line << ": " << what << "\n";
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

bool FileExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return static_cast<bool>(in);
}

std::string TempPath(const std::string& stem) {
  static int counter = 0;
  const char* dir = std::getenv("TMPDIR");
  std::string base = (dir && *dir) ? dir : "/tmp";
#ifdef _WIN32
  if (!(dir && *dir)) {
    const char* t = std::getenv("TEMP");
    base = t ? t : ".";
  }
#endif
  // Parallel runs (other helpers, CI jobs) must not collide.
  static const unsigned run_id = std::random_device{}();
  std::string p = base + "/agc_core_tests_" + std::to_string(run_id) + "_" +
                  std::to_string(counter++) + "_" + stem;
  g_temp_files.push_back(p);
  return p;
}

}  // namespace agctest

int main(int argc, char** argv) {
  using namespace agctest;
  if (argc < 2) {
    std::cerr << "usage: agc_core_tests <path of ../shared> [test-name-filter...]\n";
    return 2;
  }
  g_shared_dir = argv[1];
  std::atexit(remove_temp_files);

  int passed = 0, failed = 0;
  for (const TestCase& t : Registry()) {
    if (argc > 2) {
      bool match = false;
      for (int i = 2; i < argc; ++i) match = match || std::strstr(t.name, argv[i]) != nullptr;
      if (!match) continue;
    }
    g_failures_in_test = 0;
    auto t0 = std::chrono::steady_clock::now();
    try {
      t.fn();
    } catch (const RequireFailed&) {
      // already reported
    } catch (const std::exception& e) {
      ReportFailure(t.name, 0, std::string("unexpected exception: ") + e.what());
    } catch (...) {
      ReportFailure(t.name, 0, "unexpected non-standard exception");
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (g_failures_in_test == 0) {
      ++passed;
      std::cout << "ok   " << t.name << " (" << static_cast<long>(ms) << " ms)\n";
    } else {
      ++failed;
      std::cout << "FAIL " << t.name << "\n";
    }
    std::cout.flush();
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  if (passed + failed == 0) {
    std::cerr << "no tests matched\n";
    return 1;
  }
  return failed == 0 ? 0 : 1;
}

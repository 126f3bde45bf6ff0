// A tiny self-registering test runner, shared by all vendor/agc/tests/*.cpp files.
//
//   TEST(name) { CHECK(cond); CHECK_EQ(a, b); CHECK_THROWS(expr); REQUIRE(cond); }
//
// CHECK* record a failure and continue; REQUIRE stops the current test. A test that throws
// counts as failed. g_shared_dir is the path of ../shared (argv[1]); tests that need it call
// SharedPath("golden/...").
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace agctest {

struct TestCase {
  const char* name;
  void (*fn)();
};

std::vector<TestCase>& Registry();
void ReportFailure(const char* file, int line, const std::string& what);
int Register(const char* name, void (*fn)());

// Thrown by REQUIRE to abort the current test only.
struct RequireFailed {};

template <typename T>
std::string Show(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
inline std::string Show(const uint8_t& v) { return Show(static_cast<unsigned>(v)); }
inline std::string Show(const std::string& v) { return "\"" + v + "\""; }
inline std::string Show(const char* v) { return v ? Show(std::string(v)) : "(null)"; }
inline std::string Show(bool v) { return v ? "true" : "false"; }
template <typename T>
std::string Show(const std::vector<T>& v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size() && i < 32; ++i) os << (i ? " " : "") << Show(v[i]);
  if (v.size() > 32) os << " ... (" << v.size() << " items)";
  os << "]";
  return os.str();
}

// Reads a whole file; throws std::runtime_error when it cannot.
std::vector<uint8_t> ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::vector<uint8_t>& data);
bool FileExists(const std::string& path);
// path of a fresh file name in the temp directory (removed at exit).
std::string TempPath(const std::string& stem);

}  // namespace agctest

extern const char* g_shared_dir;
// g_shared_dir + "/" + rel
std::string SharedPath(const std::string& rel);

#define AGC_TEST_CAT2(a, b) a##b
#define AGC_TEST_CAT(a, b) AGC_TEST_CAT2(a, b)

#define TEST(name)                                     \
  static void agc_test_##name();                       \
  static const int AGC_TEST_CAT(agc_test_reg_, name) = \
      ::agctest::Register(#name, &agc_test_##name);    \
  static void agc_test_##name()

#define CHECK(cond)                                                                \
  do {                                                                             \
    if (!(cond)) ::agctest::ReportFailure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define REQUIRE(cond)                                                     \
  do {                                                                    \
    if (!(cond)) {                                                        \
      ::agctest::ReportFailure(__FILE__, __LINE__, "REQUIRE(" #cond ")"); \
      throw ::agctest::RequireFailed{};                                   \
    }                                                                     \
  } while (0)

#define CHECK_EQ(a, b)                                                                  \
  do {                                                                                  \
    const auto& agc_a_ = (a);                                                           \
    const auto& agc_b_ = (b);                                                           \
    if (!(agc_a_ == agc_b_))                                                            \
      ::agctest::ReportFailure(__FILE__, __LINE__,                                      \
                               "CHECK_EQ(" #a ", " #b "): " + ::agctest::Show(agc_a_) + \
                                   " != " + ::agctest::Show(agc_b_));                   \
  } while (0)

// Passes when `expr` throws an exception of type `type` (or a subclass).
#define CHECK_THROWS_AS(expr, type)                                                               \
  do {                                                                                            \
    bool agc_thrown_ = false;                                                                     \
    try {                                                                                         \
      (void)(expr);                                                                               \
    } catch (const type&) {                                                                       \
      agc_thrown_ = true;                                                                         \
    } catch (...) {                                                                               \
      ::agctest::ReportFailure(__FILE__, __LINE__,                                                \
                               "CHECK_THROWS_AS(" #expr "): wrong exception type");               \
      agc_thrown_ = true;                                                                         \
    }                                                                                             \
    if (!agc_thrown_)                                                                             \
      ::agctest::ReportFailure(__FILE__, __LINE__, "CHECK_THROWS_AS(" #expr "): nothing thrown"); \
  } while (0)

#define CHECK_THROWS(expr) CHECK_THROWS_AS(expr, std::exception)

#define CHECK_NOTHROW(expr)                                                                \
  do {                                                                                     \
    try {                                                                                  \
      (void)(expr);                                                                        \
    } catch (const std::exception& agc_e_) {                                               \
      ::agctest::ReportFailure(__FILE__, __LINE__,                                         \
                               std::string("CHECK_NOTHROW(" #expr "): ") + agc_e_.what()); \
    }                                                                                      \
  } while (0)

#pragma once
// A small tmpfs mounted for a test's lifetime (needs root, or CAP_SYS_ADMIN): a real
// filesystem that fills up in seconds. Unmounted lazily on destruction (an open file cannot
// keep it), also when an assertion failed. A failed mount is not an exception: the test decides
// (under CI=true it must fail, elsewhere it may skip).

#include <filesystem>
#include <string>

#include "tests/support/temp_dir.h"  // running_in_ci()

namespace watchdog::testing {

class TmpfsMount {
 public:
  // `size` as mount(8) takes it: "2m", "16m".
  TmpfsMount(const std::filesystem::path& path, const std::string& size);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }  // why the mount failed

 private:
  std::filesystem::path path_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace watchdog::testing

// Declares `var`, a TmpfsMount of `size` at `path`, in a gtest test body: a failed mount fails the
// test under CI=true (never a skip there) and skips it elsewhere (not root).
#define REQUIRE_TMPFS(var, path, size)                                                          \
  ::watchdog::testing::TmpfsMount var((path), (size));                                          \
  if (!var.mounted()) {                                                                         \
    if (::watchdog::testing::running_in_ci()) FAIL() << "cannot mount a tmpfs: " << var.error(); \
    GTEST_SKIP() << "cannot mount a tmpfs (needs root): " << var.error();                       \
  }

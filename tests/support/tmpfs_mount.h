#pragma once
// A small tmpfs mounted for a test's lifetime (needs root, or CAP_SYS_ADMIN): a real
// filesystem that fills up in seconds. Unmounted lazily on destruction (an open file cannot
// keep it), also when an assertion failed. A failed mount is not an exception: the test decides
// (under CI=true it must fail, elsewhere it may skip).

#include <filesystem>
#include <string>

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

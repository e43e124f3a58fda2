#include "tests/support/tmpfs_mount.h"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

namespace watchdog::testing {

TmpfsMount::TmpfsMount(const std::filesystem::path& path, const std::string& size) : path_(path) {
  std::filesystem::create_directories(path_);
  const std::string options = "size=" + size + ",mode=0755";
  if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
    mounted_ = true;
  } else {
    error_ = std::strerror(errno);
  }
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
}

}  // namespace watchdog::testing

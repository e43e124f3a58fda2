#pragma once
// Shared by the descriptor exhaustion tests: this process runs out of file descriptors, as the
// watchdog did with ~1,000 idle connections (issue #20), while the targets stay fine.

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace watchdog::testing {

// Fills every free descriptor under a lowered soft limit; gives both back when destroyed.
class DescriptorsUsedUp {
 public:
  DescriptorsUsedUp() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 256);
    ::setrlimit(RLIMIT_NOFILE, &lowered);
    while (true) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      held_.push_back(fd);
    }
  }
  ~DescriptorsUsedUp() {
    for (int fd : held_) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  DescriptorsUsedUp(const DescriptorsUsedUp&) = delete;
  DescriptorsUsedUp& operator=(const DescriptorsUsedUp&) = delete;

  // Frees `count` more descriptors (the lowest held), so a later step of a call runs out.
  void give_back(int count) {
    std::sort(held_.begin(), held_.end(), std::greater<>());
    for (; count > 0 && !held_.empty(); --count) {
      ::close(held_.back());
      held_.pop_back();
    }
  }

 private:
  rlimit saved_{};
  std::vector<int> held_;
};

}  // namespace watchdog::testing

#include "config/parse_guard.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>

#include "config/text.h"
#include "config/units.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define WATCHDOG_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WATCHDOG_SANITIZED 1
#endif

namespace watchdog::config {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxMessageBytes = 4096;

// The process's current address space (VmSize), or 0 when /proc cannot say.
std::uint64_t address_space_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "re");
  if (!statm) return 0;
  unsigned long long pages = 0;
  const bool read = std::fscanf(statm, "%llu", &pages) == 1;
  std::fclose(statm);
  return read ? pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// In the child: limits, `work`, one tagged answer ('O' ok, 'F' + message, 'M' out of memory),
// _exit. Never returns.
void close_other_descriptors(int keep) {
#if defined(SYS_close_range)
  if (keep > 3) ::syscall(SYS_close_range, 3U, static_cast<unsigned>(keep - 1), 0U);
  if (::syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0U, 0U) == 0) return;
#endif
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  for (int fd = 3; fd < max_fd; ++fd) {
    if (fd != keep) ::close(fd);
  }
}

[[noreturn]] void child_main(int answer_fd, pid_t parent, std::uint64_t address_space_cap,
                             std::chrono::milliseconds deadline,
                             const std::function<void()>& work) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a parent that dies does not leave it looping
  if (::getppid() != parent) ::_exit(1);
  // Forked without exec, it would hold copies of every descriptor of the daemon (HTTP
  // connections whose close the peer then waits for, probe and backup pipes) until it exits.
  close_other_descriptors(answer_fd);
  for (int number : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) std::signal(number, SIG_DFL);
  // Under a memory cgroup, the kernel's OOM killer takes the child, not the daemon.
  if (std::FILE* oom = std::fopen("/proc/self/oom_score_adj", "we")) {
    std::fputs("1000", oom);
    std::fclose(oom);
  }
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  // A backstop for a child the parent could not kill (it is SIGKILLed at the hard limit).
  const auto cpu_seconds =
      static_cast<rlim_t>(std::chrono::ceil<std::chrono::seconds>(deadline).count() + 1);
  const rlimit cpu{cpu_seconds, cpu_seconds};
  ::setrlimit(RLIMIT_CPU, &cpu);
#ifndef WATCHDOG_SANITIZED  // sanitizers reserve terabytes of shadow address space
  if (address_space_cap > 0) {
    const rlimit address_space{address_space_cap, address_space_cap};
    ::setrlimit(RLIMIT_AS, &address_space);
  }
#else
  (void)address_space_cap;
#endif
  char tag = 'O';
  std::string message;
  try {
    work();
  } catch (const std::bad_alloc&) {
    tag = 'M';
  } catch (const std::exception& error) {
    tag = 'F';
    try {
      message.assign(error.what(), std::min(std::strlen(error.what()), kMaxMessageBytes));
    } catch (...) {
      tag = 'M';
    }
  } catch (...) {
    tag = 'F';
  }
  write_all(answer_fd, &tag, 1);
  write_all(answer_fd, message.data(), message.size());
  ::_exit(0);
}

// CPU time the process has used; nullopt when it cannot be read (then the wall limit rules).
std::optional<std::chrono::nanoseconds> cpu_time_of(pid_t pid) {
  clockid_t clock = 0;
  timespec used{};
  if (::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &used) != 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(used.tv_sec) + std::chrono::nanoseconds(used.tv_nsec);
}

enum class Wait { Answered, OutOfCpu, OutOfTime };

// Reads the child's answer until EOF (Answered), or until the child used up its CPU budget or
// the wall limit passed. Looks at the child's CPU clock every slice.
Wait read_answer(int fd, pid_t pid, std::chrono::milliseconds cpu_budget,
                 Clock::time_point wall_deadline, std::string& answer) {
  constexpr auto kSlice = std::chrono::milliseconds(20);
  char buffer[1024];
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(wall_deadline - Clock::now());
    if (left.count() <= 0) return Wait::OutOfTime;
    // Only until the answer arrives: a child that answered and then frees a large heap on its
    // way out may pass the budget before EOF.
    if (answer.empty()) {
      if (const auto used = cpu_time_of(pid); used && *used >= cpu_budget) return Wait::OutOfCpu;
    }
    pollfd readable{fd, POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(std::min(left, kSlice).count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Wait::OutOfTime;
    if (ready == 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return Wait::Answered;  // EOF: the child exited (or died)
    if (answer.size() < kMaxMessageBytes + 1) answer.append(buffer, static_cast<std::size_t>(n));
  }
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

ChildVerdict run_in_limited_child(const std::function<void()>& work, const ChildLimits& limits) {
  using Outcome = ChildVerdict::Outcome;
  const std::uint64_t inherited = address_space_bytes();
  const std::uint64_t cap = inherited == 0 ? 0 : inherited + limits.extra_address_space_bytes;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {Outcome::NotStarted, "pipe: " + errno_text()};
  const auto wall_limit =
      limits.wall_limit.count() > 0
          ? limits.wall_limit
          : std::max<std::chrono::milliseconds>(10 * limits.deadline, std::chrono::seconds(10));
  const auto wall_deadline = Clock::now() + wall_limit;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const std::string error = errno_text();
    ::close(fds[0]);
    ::close(fds[1]);
    return {Outcome::NotStarted, "fork: " + error};
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1], parent, cap, limits.deadline, work);
  }
  ::close(fds[1]);
  std::string answer;
  const Wait wait = read_answer(fds[0], pid, limits.deadline, wall_deadline, answer);
  ::close(fds[0]);
  const bool answered = wait == Wait::Answered;
  if (!answered) ::kill(pid, SIGKILL);
  const int status = wait_for(pid);
  if (wait == Wait::OutOfCpu) return {Outcome::TimedOut, ""};
  if (wait == Wait::OutOfTime) {
    return {Outcome::TimedOut, "no answer within " + format_duration(wall_limit) +
                                   " of wall-clock time, with CPU time to spare"};
  }
  if (WIFSIGNALED(status) || answer.empty()) {
    const int number = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return {Outcome::Crashed, number ? strsignal(number) : "exited without an answer"};
  }
  switch (answer.front()) {
    case 'O':
      return {Outcome::Ok, ""};
    case 'M':
      return {Outcome::OutOfMemory, ""};
    default:
      return {Outcome::Failed, answer.substr(1)};
  }
}

}  // namespace watchdog::config

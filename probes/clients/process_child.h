#pragma once
// Private to probes/clients/process_runner.cpp: starting a clean child through Boost.Process
// (what the child inherits, and finding its program), apart from supervising the run.

#include <map>
#include <memory>  // boost/process/extend.hpp (1.74) needs it and does not include it
#include <string>
#include <vector>

// asio's scheduler trips a false -Wnull-dereference (compensating_work_started) at -O2.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/process/extend.hpp>
#pragma GCC diagnostic pop
#include <unistd.h>

#include <csignal>
#include <system_error>

#include "probes/clients/process_runner.h"

namespace watchdog::probes::process_child {

namespace bp = boost::process;

// Marks every descriptor >= 3 close-on-exec. Runs in the forked child: async-signal-safe only.
// (Not bp::limit_handles: in Boost 1.74 it also closes Boost's exec-error pipe, so a failed
// exec looks like a started child exiting 1, and it calls opendir(), i.e. malloc, after fork.)
void mark_cloexec_from_3();

// The names a child gets from the watchdog's environment unless `inherit_env` is set.
inline constexpr const char* kBaseEnvironment[] = {"PATH", "HOME", "LANG", "TZ", "LC_ALL"};
inline constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

// The child's whole environment ("KEY=value" entries): the base (kBaseEnvironment, or all of
// the watchdog's with spec.inherit_env) with spec.env replacing or adding keys. The one
// builder every child of the watchdog goes through.
std::vector<std::string> child_environment(const ProcessSpec& spec);

// Resolves argv[0] in the parent so a missing or non-executable program gets a clear message:
// the program to exec, or `error` set.
std::string resolve_program(const ProcessSpec& spec, std::string& error);

// Boost.Process handler: a clean child (default signal dispositions, empty mask, no leaked
// descriptors), chdir that aborts on failure (bp::start_dir reports the error but still execs),
// and the pid of a child that failed to start, so the parent can reap it (Boost does not).
struct ChildSetup : bp::extend::handler {
  const char* working_dir = nullptr;  // nullptr = inherit
  pid_t* failed_pid = nullptr;
  char** envp = nullptr;  // the child's whole environment

  // In the parent, before fork: hand exec our environment. (bp::environment's operator[] and
  // find() read past the end of shorter entries in Boost 1.74 — ASan reports it — so the
  // environment is built here instead.)
  template <class Executor>
  void on_setup(Executor& exec) const {
    exec.env = envp;
  }

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    mark_cloexec_from_3();
    if (working_dir != nullptr && chdir(working_dir) != 0) {
      exec.set_error(std::error_code(errno, std::system_category()), "chdir failed");
      _exit(127);
    }
  }

  template <class Executor>
  void on_error(Executor& exec, const std::error_code&) const {
    if (exec.pid > 0) *failed_pid = exec.pid;
  }
};

}  // namespace watchdog::probes::process_child

#pragma once
// Runs a command through Boost.Process: an argv vector (never a shell), stdin from /dev/null (or
// `stdin_file`), stdout+stderr merged and the last `tail_bytes` kept, its own process group, a
// hard timeout after which the WHOLE group is killed (SIGKILL). Shared by the command probe, the
// command action and the backup drivers.
//
// The run ends when the child exits (background processes it started keep running; they must
// not write to the inherited stdout/stderr — redirect them — or they get SIGPIPE) or when the
// timeout expires. Never throws; failures to start come back as `started == false`.
//
// The child starts with default signal dispositions, an empty signal mask and no descriptors
// but 0/1/2. Thread-safe: runs from several threads at once are fine. The process reaps its
// own children (no SIGCHLD handler), so the daemon must not set SIGCHLD to SIG_IGN: the exit
// status would be lost (exit_code -1, signal 0).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/time_text.h"

namespace watchdog::probes {

struct ProcessSpec {
  std::vector<std::string> argv;           // argv[0]: absolute path, or a name searched in PATH
  // The child's environment is explicit: a minimal base taken from the watchdog's own (PATH,
  // HOME, LANG, TZ and LC_ALL, when set; PATH defaults to /usr/local/bin:/usr/bin:/bin) plus
  // `env`, which wins. With `inherit_env` the base is the watchdog's whole environment instead
  // (its secrets included: opt in only for a command that needs it).
  std::map<std::string, std::string> env;
  bool inherit_env = false;
  std::string working_dir;                 // empty = inherit
  std::filesystem::path stdin_file;        // the child's stdin (a dump); empty = /dev/null
  std::chrono::milliseconds timeout{60000};
  std::size_t tail_bytes = 4096;
  // Streaming (pg_dump > file): when set, stdout is NOT merged into the tail but handed to this
  // callback chunk by chunk as it arrives, on the calling thread; output_tail then holds stderr
  // only. Returning false stops the run: the group is killed and `aborted` is set.
  std::function<bool(const char* data, std::size_t size)> on_stdout;
  // When set, also gets every chunk that goes to the tail (progress lines), on the calling thread.
  std::function<void(const char* data, std::size_t size)> on_output;
  // Asked every poll slice (≤ 50 ms) while the child runs: true kills the whole group and sets
  // `cancelled` (a leader that lost its lease stops its recovery actions).
  std::function<bool()> cancel;
};

struct ProcessResult {
  bool started = false;
  std::string start_error;  // why it could not start (no such file, permission denied)
  // The errno behind start_error when a system call gave one (pipe, fork, exec, chdir, open):
  // is_local_process_exhaustion() tells the watchdog's own shortage from the command's fault.
  int start_errno = 0;
  bool timed_out = false;   // the group was killed at the deadline
  bool aborted = false;     // on_stdout returned false; the group was killed
  bool cancelled = false;   // spec.cancel said so; the group was killed
  int exit_code = -1;       // valid when started && !timed_out && signal == 0
  int signal = 0;           // terminating signal, if any
  std::string output_tail;  // last tail_bytes of stdout+stderr
  std::chrono::nanoseconds elapsed{0};
};

ProcessResult run_process(const ProcessSpec& spec) noexcept;

// The first non-empty line of `output`, trimmed and cut to `max_chars` (with "…"), control
// characters replaced: suitable as a one-line detail.
std::string first_line(const std::string& output, std::size_t max_chars = 200);

// "SIGKILL", "SIGSEGV", … ("signal 42" for the rest).
std::string signal_name(int signal);
// Details say durations through config/time_text.h: "120 ms", "1.2 s", "60 s", "5 min 3 s".
using config::human_duration;

}  // namespace watchdog::probes

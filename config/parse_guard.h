#pragma once
// Running an untrusted parse where it cannot hurt the caller: in a forked child with an address
// space cap and a CPU-time budget (with a wall-clock backstop), killed by its PID when it
// overruns. CPU time, not wall time: on a starved host (a loaded node, a sanitizer build) a
// valid file whose parse waits for a CPU must not be refused; a looping parser burns CPU and is
// stopped as soon as on an idle machine.
//
// Why: yaml-cpp 0.7.0 (Debian's) loops forever, allocating, on some malformed inputs (a file
// "# c\n,\n"), and other shapes may exist. A guard that bounds time and memory whatever the
// input catches the known bug and the unknown ones alike; a pre-scan would only catch the shapes
// we know of, and a different YAML library would be a large change with its own bugs. The child
// only parses and _exits: glibc keeps malloc usable in a child forked from a threaded process,
// and nothing else (no logging, no locks, no static destructors) runs there.
//
// The parse is deterministic, so once the child succeeded the caller parses again in-process
// and gets the same result: the child costs one fork and one extra parse (~1 ms for a typical
// file, ~0.3 s for 10,000 probes), only at start-up, reload and check-config.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace watchdog::config {

// The config loader's are in yaml_parse.cpp (the deadline grows with the file's size).
struct ChildLimits {
  // CPU time the child may use before its answer; then it is SIGKILLed. (Named deadline: on an
  // idle machine it is one.)
  std::chrono::milliseconds deadline{900};
  // Wall-clock backstop for a child that waits without burning CPU (0 = 10 × deadline, ≥ 10 s).
  std::chrono::milliseconds wall_limit{0};
  // Address space the child may add to what it inherits at the fork (beyond it, allocations
  // fail: std::bad_alloc → OutOfMemory).
  std::uint64_t extra_address_space_bytes = 512ull * 1024 * 1024;
};

struct ChildVerdict {
  enum class Outcome {
    Ok,           // `work` returned
    Failed,       // `work` threw; `message` is what() (a ConfigError's full message)
    OutOfMemory,  // `work` hit the address space cap (std::bad_alloc)
    TimedOut,     // no answer before the deadline ("") or the wall limit (`message` says): killed
    Crashed,      // died by a signal (stack overflow, CPU limit): `message` names it
    NotStarted,   // fork() or pipe() failed: `message` says why
  };
  Outcome outcome = Outcome::Ok;
  std::string message;
};

// Runs `work` in a forked child under `limits` and reports how it ended. Blocks the calling
// thread for about limits.deadline on an idle machine, at most the wall limit. Thread-safe;
// `work` must not start threads.
ChildVerdict run_in_limited_child(const std::function<void()>& work, const ChildLimits& limits);

}  // namespace watchdog::config

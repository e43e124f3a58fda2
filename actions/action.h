#pragma once
// The action seam: one recovery step (run a command, restart a container, …). The recovery
// coordinator in watchdog/ decides when an action runs; the action only does it.
//
// Contract: run() never throws, returns within `timeout` (killing what it started when the
// deadline passes), and is safe to repeat (a retry after a crash may run it twice).
// Runs on a recovery thread, never on a probe thread.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace watchdog::actions {

// What the action is asked to repair; also exported to commands as WATCHDOG_* variables.
struct Incident {
  std::string id;         // stable per incident, e.g. "api-20261122T033500Z"
  std::string component;  // "api"
  int attempt = 1;        // 1-based attempt within the recovery window
  std::string reason;     // safe one-line cause, e.g. "api-http: connection refused"
};

struct ActionOutcome {
  bool ok = false;
  std::string detail;       // one safe line: "exit 0 in 1.2 s", "killed after 60 s timeout"
  std::string output_tail;  // last few KiB of the action's output (commands), may be empty
  std::chrono::nanoseconds duration{0};
};

class Action {
 public:
  explicit Action(std::string name) : name_(std::move(name)) {}
  virtual ~Action() = default;
  Action(const Action&) = delete;
  Action& operator=(const Action&) = delete;

  const std::string& name() const { return name_; }
  virtual std::string_view kind() const = 0;
  // What it will do, safe to log (argv as written, with ${ENV} references unexpanded).
  virtual std::string describe() const = 0;
  virtual ActionOutcome run(const Incident& incident,
                            std::chrono::milliseconds timeout) noexcept = 0;

 private:
  std::string name_;
};

}  // namespace watchdog::actions

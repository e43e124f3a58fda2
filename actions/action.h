#pragma once
// The action seam: one recovery step (run a command, restart a container, …). The recovery
// coordinator (the engine, watchdog/engine/) decides when an action runs; the action only does it.
//
// Contract: run() never throws, returns within `timeout` (killing what it started when the
// deadline passes), and is safe to repeat (a retry after a crash may run it twice).
// Runs on a recovery thread, never on a probe thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/probe.h"

namespace watchdog::actions {

// What the action is asked to repair; also exported to commands as WATCHDOG_* variables.
struct Incident {
  std::string id;         // stable per incident, e.g. "api-20261122T033500Z"
  std::string component;  // "api"
  int attempt = 1;        // 1-based attempt of this incident
  std::string reason;     // safe one-line cause, e.g. "api-http: connection refused"
  // Leader lock (watchdog/leader/leader_lock.h): the fencing token of the tenure that started
  // the action (0 = none: one replica, or a lock that keeps none), and whether that tenure is
  // over. A `command` then kills its process group (and does not start); the other kinds run
  // to their end — an API call is short, and a restore cut off half-way would leave a
  // half-restored database.
  std::uint64_t fencing_token = 0;
  std::function<bool()> revoked;
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

  // Whether the action can destroy data that a less drastic step would have kept (a restore
  // over a database, deleting a pod). The ladder runs a destructive rung only for the failure
  // kinds in its `when:` (see watchdog/plan.h), and such an action takes a safety copy first.
  virtual bool destructive() const { return false; }
  // The failure kinds this kind repairs when the rung's `when:` is absent (restore_latest:
  // not_found, corrupt). Empty: any failure (harmless kinds) or none (destructive kinds, whose
  // rungs must then say `when:`).
  virtual std::vector<probes::FailureKind> default_when() const { return {}; }

 private:
  std::string name_;
};

}  // namespace watchdog::actions

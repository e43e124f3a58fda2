#pragma once
// A game-day scenario: how to break one component on purpose and how to mend it again. The
// runner (runner.h) owns everything else — safety checks, the confirmation, timing, watching
// the daemon's journal, measuring and reporting — so a scenario only acts:
//
//   prepare()  before the fault: start the data-loss writer, take a fresh backup, …
//   inject()   the fault itself; returns once it is in place
//   tick()     every ~250 ms while the runner waits for the outcome (a crash loop kills again)
//   data_loss() after the outcome, before the revert: rows written vs rows present
//   revert()   mends whatever is still broken. Idempotent, and must work in a new process
//              from ctx.memory alone: the runner saves that JSON in the state store before
//              inject() and after every step, and a crashed or interrupted game day is reverted
//              at the next start of `watchdog gameday` or `watchdog run`.
//
// Every step throws ScenarioError (a one-line, secret-free reason) when it cannot do its part.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"

namespace watchdog::gameday {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the scenario's own writer saw, for database scenarios.
struct DataLoss {
  std::int64_t rows_written = 0;  // committed by the writer before the fault
  std::int64_t rows_present = 0;  // of those, present after the recovery
  std::optional<TimePoint> last_present_written;  // write time of the newest surviving row
  std::optional<TimePoint> backup_started;        // of the backup the data came back from
  std::string backup_name;                        // "" when none was found
  std::chrono::milliseconds rpo{0};               // the backup target's rpo
  // When the writer's table was created: a backup that started before it cannot hold any of
  // its rows (the default game day uses the backups the operator already has).
  std::optional<TimePoint> writer_started;
  bool database_holds_data = true;  // after the recovery: the database exists and has tables
  std::int64_t rows_lost() const { return rows_written - rows_present; }
  // No row came back because the backup restored is older than the writer, not because
  // nothing was restored: then the RPO achieved is the backup's age at the fault.
  bool backup_predates_writer() const {
    return rows_written > 0 && rows_present == 0 && database_holds_data && backup_started &&
           writer_started && *backup_started <= *writer_started;
  }
};

struct Context {
  const config::Config& config;  // the whole configuration (backup targets, alert sinks)
  const config::ComponentSpec& component;
  // The scenario's own state (a container id, the writer's table, hidden files, …): saved to
  // the state store whenever save() is called, and given back to revert() after a crash.
  nlohmann::json& memory;
  std::function<void()> save;
  // A line for the game day's timeline ("writer: 48 rows committed").
  std::function<void(const std::string&)> note;
  // True once the game day is interrupted (SIGINT, SIGTERM, daemon stopping): end waits early.
  std::function<bool()> interrupted;
  // Queues an operator request for the running daemon (store::NewRequest kind + JSON data),
  // e.g. "reset" after a crash loop left the component FAILED.
  std::function<void(const std::string& kind, const std::string& data)> request;
};

// ctx.save() inside a revert, after the mend: the mend must never be lost to a store that
// cannot write (SQLITE_BUSY, or the volume disk-filling filled on purpose). A failed save is
// only noted; the worst it costs is that a later revert redoes an idempotent step.
inline void save_after_mend(Context& ctx) noexcept {
  try {
    ctx.save();
  } catch (const std::exception& error) {
    try {
      ctx.note(std::string("could not record the revert's progress: ") + error.what());
    } catch (...) {
    }
  }
}

class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual config::GamedayExpect expect() const { return config::GamedayExpect::Recover; }
  // One line per step, for the plan shown before confirmation and by --dry-run.
  virtual std::vector<std::string> plan() const = 0;
  virtual void prepare(Context&) {}
  virtual void inject(Context& ctx) = 0;
  virtual void tick(Context&) {}
  virtual std::optional<DataLoss> data_loss(Context&) { return std::nullopt; }
  virtual void revert(Context& ctx) = 0;
};

// The scenario `name` for `component`: a built-in (builtin_scenarios()) or one of the
// component's `gameday.scenarios`. Throws ScenarioError saying why it does not apply
// ("database-dropped needs gameday.backup_target").
std::unique_ptr<Scenario> make_scenario(const std::string& name, const config::Config& config,
                                        const config::ComponentSpec& component);

struct ScenarioInfo {
  std::string name;
  std::string summary;  // one line: what it breaks, what it needs
};
const std::vector<ScenarioInfo>& builtin_scenarios();

}  // namespace watchdog::gameday

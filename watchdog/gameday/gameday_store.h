#pragma once
// Game days in the state store: table `gamedays` of `<state_dir>/watchdog.db`. One row per game
// day that got past its safety checks and confirmation, written before the fault so that a
// crash can never leave a fault behind unrecorded:
//   running    prepare → inject → waiting for the watchdog's answer; `memory` is the scenario's
//              Context::memory as last saved, `heartbeat_ms` moves every ~2 s
//   reverting  the revert has started (and, for a row left so, may not have finished)
//   done       reverted; `result` is the report's JSON (report.h to_json) and `passed` its verdict
// A row that is not done and whose owner is gone (runner.h resume_interrupted) is reverted from
// its memory by the next `watchdog gameday` or `watchdog run`.
//
// Thread-safety: none; each thread or process opens its own StateStore and GamedayStore.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "watchdog/store/state_store.h"

namespace watchdog::gameday {

inline constexpr const char* kStatusRunning = "running";
inline constexpr const char* kStatusReverting = "reverting";
inline constexpr const char* kStatusDone = "done";

struct GamedayRow {
  std::string id;
  std::string scenario;
  std::string component;
  std::string trigger;  // "cli" or "schedule"
  std::string status = kStatusRunning;
  std::string memory = "{}";  // the scenario's Context::memory (JSON text)
  std::string result;         // the Result's JSON text once done; "" before
  std::string outcome;        // outcome_name() once done
  std::optional<bool> passed;  // once done
  std::int64_t owner_pid = 0;  // 0: released (a revert failed; any process may take it)
  std::string owner_host;
  std::string owner_ns;  // boot id and pid namespace (heartbeat.h Owner); "" in older rows
  store::TimePoint started;
  store::TimePoint heartbeat;
  std::optional<store::TimePoint> fault;  // inject() returned
  std::optional<store::TimePoint> finished;
};

class GamedayStore {
 public:
  // Creates the table in `store`'s file when missing. `store` must outlive this object.
  explicit GamedayStore(store::StateStore& store);

  // Inserts `row` unless another game day is unfinished, in one write transaction so that two
  // processes starting at once cannot both get in. Returns the unfinished row that blocked it,
  // or nothing when `row` was recorded.
  std::optional<GamedayRow> begin(const GamedayRow& row);
  void save_memory(const std::string& id, const std::string& memory);
  void mark_fault(const std::string& id, store::TimePoint at);
  void set_status(const std::string& id, const std::string& status);
  // Moves the heartbeat while the row still names this owner; false when another process has
  // claimed it since (the caller has lost the game day and must not finish it).
  bool heartbeat(const std::string& id, std::int64_t owner_pid, const std::string& owner_host,
                 store::TimePoint at);
  // Takes an abandoned row for a revert, atomically: only when it is still not done and its
  // heartbeat is still the one `seen` read (nobody claimed or beat it since). Sets status
  // reverting, the new owner and the heartbeat. False: someone else got there first.
  bool claim(const GamedayRow& seen, std::int64_t owner_pid, const std::string& owner_host,
             const std::string& owner_ns, store::TimePoint at);
  // Gives the row up after a failed revert (owner_pid 0), so that the next resume, in this
  // process or any other, takes it at once.
  void release(const std::string& id);
  // status done, with the result JSON, its outcome and verdict.
  void finish(const std::string& id, const std::string& result_json, const std::string& outcome,
              bool passed, store::TimePoint at);

  std::vector<GamedayRow> unfinished();  // oldest first
  // The newest finished result JSON text per (scenario, component), for metrics.
  std::vector<GamedayRow> latest_results();
  std::optional<GamedayRow> get(const std::string& id);
  std::vector<GamedayRow> list(std::size_t limit);  // newest first

 private:
  store::Database& db_;
};

}  // namespace watchdog::gameday

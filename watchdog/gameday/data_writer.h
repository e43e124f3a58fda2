#pragma once
// The data-loss writer of the database scenarios: a table of its own in the target's database,
//   watchdog_gameday_writes (id BIGINT PRIMARY KEY, written_at_us BIGINT NOT NULL)
// and one row every `interval` from its own thread, each INSERT its own transaction
// (autocommit). id counts 1, 2, 3 … and written_at_us is this host's clock (µs since the Unix
// epoch, UTC) when the row was sent — plain integers, so the same SQL serves PostgreSQL and
// MySQL and nothing depends on a session time zone. A row counts as written once the server
// confirmed its commit; an insert that fails (the server restarting) is retried with the same
// id on a new connection at the next tick (ON CONFLICT DO NOTHING: a commit whose answer was
// lost is counted once, not retried forever), and stop() asks whether a last unanswered one
// made it.
//
// After a fault, written_rows() reads what survived: the ids present and the newest write time.
// The table is the scenario's own: revert drops it (drop_writer_table), nothing else is touched.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/backup_target.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {

inline constexpr const char* kWriterTable = "watchdog_gameday_writes";

// written_at_us and the scenarios' memory keep times as µs since the Unix epoch (UTC).
inline std::int64_t to_micros(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
}
inline TimePoint from_micros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

// A postgres probe `query:` that reads the writer's table while a game day has it and passes
// (0) when it does not exist: what makes database-corrupted visible to the watchdog.
inline constexpr const char* kWriterProbeQuery =
    "SELECT CASE WHEN to_regclass('watchdog_gameday_writes') IS NULL THEN 0 ELSE "
    "(xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM watchdog_gameday_writes', "
    "false, true, '')))[1]::text::int END";

class DataWriter {
 public:
  DataWriter(const config::BackupTargetSpec& target, std::chrono::milliseconds interval);
  ~DataWriter();  // stops the thread
  DataWriter(const DataWriter&) = delete;
  DataWriter& operator=(const DataWriter&) = delete;

  // Drops a leftover table of an earlier game day and creates it empty. Throws ScenarioError.
  void create_table();
  void start();
  // Stops after the insert in flight (if any) and returns the rows committed. Idempotent.
  std::int64_t stop();

  std::int64_t rows_committed() const;
  // Write time of row id (1-based); nullopt when it was never committed.
  std::optional<TimePoint> write_time(std::int64_t id) const;
  std::optional<TimePoint> last_write() const;
  int failed_inserts() const;
  std::string last_error() const;  // "" when every insert went through

 private:
  void loop();
  void settle_last_insert();

  const config::BackupTargetSpec target_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<TimePoint> write_times_;      // index = id − 1
  std::optional<TimePoint> unanswered_at_;  // the pending id's first failed attempt
  int failed_inserts_ = 0;
  std::string last_error_;
  std::thread thread_;
};

// What survived of the writer's rows. `database_missing`: the database does not exist (then
// rows 0). A database without the table also reads as 0 rows; `holds_tables` then says whether
// it has any table at all (restored from a backup older than the writer, or left empty).
struct WrittenRows {
  bool database_missing = false;
  bool holds_tables = false;
  std::int64_t rows = 0;
  std::optional<TimePoint> newest;  // write time of the newest surviving row
};
// Throws ScenarioError when the server cannot be asked.
WrittenRows written_rows(const config::BackupTargetSpec& target);

// DROP TABLE IF EXISTS of the writer's table, when the database exists. Throws ScenarioError.
void drop_writer_table(const config::BackupTargetSpec& target);

}  // namespace watchdog::gameday

// database-dropped: complete loss of one database (the DR plans' "complete data loss"). The
// database is the one of gameday.backup_target; a writer inserts rows into a table of its own
// up to the fault, so the report can say how many committed rows the restore brought back and
// how old the backup was.
//
// Memory (what revert needs, also in a new process): target, database, table_created,
// drop_started, and for the report rows_written, fault_at_us, fresh_backup.
#include <thread>

#include "actions/backup/backup_runner.h"
#include "actions/backup/restore.h"
#include "probes/backup/backup_catalog.h"
#include "probes/clients/pg_connection.h"
#include "watchdog/gameday/data_writer.h"
#include "watchdog/gameday/database_scenarios.h"
#include "watchdog/gameday/target_database.h"

namespace watchdog::gameday {
namespace {

namespace bk = probes::backup;
using std::chrono::milliseconds;

// Sleeps `span` in small steps; false when the game day was interrupted meanwhile.
bool sleep_unless_interrupted(Context& ctx, milliseconds span) {
  const auto until = std::chrono::steady_clock::now() + span;
  while (std::chrono::steady_clock::now() < until) {
    if (ctx.interrupted && ctx.interrupted()) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return true;
}

class DatabaseDropped : public Scenario {
 public:
  DatabaseDropped(const config::BackupTargetSpec& target, const config::ComponentGameday& settings)
      : target_(target),
        database_(target_database_name(target)),
        interval_(std::chrono::duration_cast<milliseconds>(settings.writer_interval)),
        fresh_backup_(settings.fresh_backup) {}

  std::vector<std::string> plan() const override {
    std::vector<std::string> lines = {"create table " + std::string(kWriterTable) +
                                      " in database " + database_ + " (backup target " +
                                      target_.name + ") and insert one row every " +
                                      std::to_string(interval_.count()) + " ms"};
    if (fresh_backup_) {
      lines.push_back("take a fresh backup of " + target_.name +
                      " while the writer runs (the backup engine, holding the target's lock)");
    }
    lines.push_back("stop the writer, then DROP DATABASE " + database_ +
                    (postgres() ? " WITH (FORCE)" : ""));
    lines.push_back("expect the watchdog to restore " + database_ + " from a backup of " +
                    target_.name);
    lines.push_back(
        "data loss: rows committed before the fault vs rows present after the "
        "restore, against the rpo of " +
        target_.name);
    lines.push_back("revert: restore the newest backup of " + target_.name + " if " + database_ +
                    " is still missing or empty, then drop table " + kWriterTable);
    return lines;
  }

  void prepare(Context& ctx) override {
    if (!fresh_backup_) require_a_backup();
    ctx.memory["target"] = target_.name;
    ctx.memory["database"] = database_;
    ctx.memory["table_created"] = true;  // before creating it: a crash in between is reverted
    ctx.memory["writer_started_us"] = to_micros(Clock::now());
    ctx.save();
    writer_ = std::make_unique<DataWriter>(target_, interval_);
    writer_->create_table();
    writer_->start();
    ctx.note("writer: one row every " + std::to_string(interval_.count()) + " ms into " +
             database_ + "." + kWriterTable);
    if (fresh_backup_) {
      take_fresh_backup(ctx);
    } else if (!sleep_unless_interrupted(ctx, lead_time())) {
      throw ScenarioError("interrupted while the writer ran");
    }
  }

  void inject(Context& ctx) override {
    const std::int64_t rows = writer_ ? writer_->stop() : 0;
    ctx.memory["rows_written"] = rows;
    ctx.memory["fault_at_us"] = to_micros(Clock::now());
    ctx.memory["drop_started"] = true;
    ctx.save();
    if (writer_ && writer_->failed_inserts() > 0) {
      ctx.note("writer: " + std::to_string(writer_->failed_inserts()) +
               " inserts failed (not counted): " + writer_->last_error());
    }
    ctx.note("writer: " + std::to_string(rows) + " rows committed; dropping database " + database_);
    drop_database(target_);
  }

  std::optional<DataLoss> data_loss(Context& ctx) override {
    DataLoss loss;
    loss.rows_written = ctx.memory.value("rows_written", std::int64_t{0});
    const auto present = written_rows(target_);
    loss.rows_present = present.rows;
    loss.last_present_written = present.newest;
    loss.database_holds_data = present.holds_tables;
    if (ctx.memory.contains("writer_started_us")) {
      loss.writer_started = from_micros(ctx.memory["writer_started_us"].get<std::int64_t>());
    }
    loss.rpo = std::chrono::duration_cast<milliseconds>(target_.rpo);
    const auto fault = from_micros(ctx.memory.value("fault_at_us", to_micros(Clock::now())));
    std::string error;
    const auto backups = bk::list_backups(target_.directory, target_.name, error);
    // The newest backup from before the fault is the one a restore_latest picks (a restore
    // skips backups that failed verification, so does this).
    for (auto it = backups.rbegin(); it != backups.rend(); ++it) {
      if (it->started <= fault && !it->verify_failed()) {
        loss.backup_name = it->name;
        loss.backup_started = it->started;
        break;
      }
    }
    return loss;
  }

  void revert(Context& ctx) override {
    if (writer_) writer_->stop();
    if (ctx.memory.value("drop_started", false)) restore_unless_back(ctx);
    if (ctx.memory.value("table_created", false)) {
      drop_writer_table(target_);
      ctx.note("dropped table " + std::string(kWriterTable) + " in " + database_);
    }
  }

 private:
  bool postgres() const { return target_.kind == config::BackupKind::Postgres; }

  // How long the writer runs before (and after) the fresh backup, or before the fault without
  // one: about ten rows, so the report has rows to bring back and rows to lose.
  milliseconds lead_time() const { return std::max(milliseconds(1000), interval_ * 10); }

  // Without a fresh backup the restore needs one already in the catalog, or the database would
  // stay lost after the game day.
  void require_a_backup() const {
    std::string error;
    if (bk::list_backups(target_.directory, target_.name, error).empty()) {
      throw ScenarioError("database-dropped: no backup of " + target_.name + " to come back from" +
                          (error.empty() ? "" : " (" + error + ")") +
                          "; set gameday.fresh_backup: true");
    }
  }

  // A backup through the engine in this process (it takes the target's lock, so a running
  // daemon's scheduled backup and this one never overlap). The writer runs before and after
  // it, so the restore has rows to bring back and rows to lose.
  void take_fresh_backup(Context& ctx) {
    const auto margin = lead_time();
    if (!sleep_unless_interrupted(ctx, margin))
      throw ScenarioError("interrupted before the fresh backup");
    const auto outcome =
        actions::run_backup(target_, std::chrono::duration_cast<milliseconds>(target_.timeout),
                            /*join_running=*/false);
    if (!outcome.ok) throw ScenarioError("fresh backup of " + target_.name + ": " + outcome.error);
    ctx.memory["fresh_backup"] = outcome.metadata ? outcome.metadata->name : "";
    ctx.save();
    ctx.note(actions::describe_outcome(outcome));
    if (!sleep_unless_interrupted(ctx, margin))
      throw ScenarioError("interrupted after the fresh backup");
  }

  // Restores the newest backup unless the database holds data again. The decision is taken
  // inside the restore, under the target's backup lock (restore.h, before_replace): a restore
  // of the daemon's still running is waited for, not mistaken for the finished one; a database
  // that is missing or empty (a failed restore leaves one) is restored; one that holds data —
  // the watchdog restored it — is left as it is.
  void restore_unless_back(Context& ctx) const {
    actions::RestoreRequest request;
    request.backup = "latest";
    request.jobs = target_.jobs;
    request.timeout = std::chrono::duration_cast<milliseconds>(target_.timeout);
    request.replace = true;  // only for before_replace's look; HoldsData is refused below
    bool holds_data = false;
    request.before_replace = [&](const actions::Destination& destination) -> std::string {
      using State = actions::Destination::State;
      if (destination.state == State::HoldsData) {
        holds_data = true;
        return "database " + database_ + " holds data again";
      }
      if (destination.state == State::Unreachable) {
        return "cannot inspect database " + database_ + ": " + destination.why;
      }
      ctx.note("database " + database_ + " is still " +
               (destination.state == State::Missing ? "missing" : "empty") +
               ": restoring the newest backup of " + target_.name);
      return "";
    };
    if (postgres()) {
      std::string error;
      auto connection = actions::connection_of(target_, error);
      if (!connection) throw ScenarioError("backup target " + target_.name + ": " + error);
      request.into = *connection;
    }
    const auto outcome = actions::restore_backup(target_, request);
    if (holds_data) return;  // restored meanwhile: nothing to mend
    if (!outcome.ok) {
      throw ScenarioError("cannot restore " + database_ + " from " +
                          (outcome.backup.empty() ? target_.name : outcome.backup) + ": " +
                          outcome.error);
    }
    ctx.note("restored " + database_ + " from " + outcome.backup);
  }

  const config::BackupTargetSpec target_;
  const std::string database_;
  const milliseconds interval_;
  const bool fresh_backup_;
  std::unique_ptr<DataWriter> writer_;
};

}  // namespace

std::unique_ptr<Scenario> make_database_dropped(const config::Config& config,
                                                const config::ComponentSpec& component) {
  const auto& target = gameday_backup_target(config, component, "database-dropped");
  return std::make_unique<DatabaseDropped>(target, component.gameday);
}

}  // namespace watchdog::gameday

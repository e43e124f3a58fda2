// MysqlDriver::restore (mysql_driver.h): `mariadb DB < NAME.sql` into a database, created when
// missing; one that holds tables only with `replace` (dropped and created again, after
// request.before_replace — restore_latest's safety dump).
#include "actions/backup/mysql_client.h"
#include "actions/backup/mysql_driver.h"
#include "actions/guarded_action.h"

namespace watchdog::actions {
namespace {

namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;
using Rows = std::vector<std::vector<std::string>>;

// One client run inside the restore's deadline; nullopt with `error`.
struct Session {
  const config::BackupTargetSpec& target;
  const ClientDefaults& defaults;
  Clock::time_point deadline;
  std::string error;

  std::optional<Rows> query(const std::string& database, const std::string& sql) {
    return mysql_query(target, defaults, database, sql, time_left(deadline), error);
  }
};

// Every base table's exact row count in `db`.
std::optional<std::map<std::string, std::int64_t>> row_counts(Session& session,
                                                              const std::string& db) {
  auto tables = session.query(
      "", "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
              mysql_literal(db) + " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')");
  if (!tables) return std::nullopt;
  std::map<std::string, std::int64_t> counts;
  if (tables->empty()) return counts;
  std::string sql;
  for (const auto& row : *tables) {
    sql += (sql.empty() ? "" : " UNION ALL ") + std::string("SELECT ") + mysql_literal(row.at(0)) +
           ", COUNT(*) FROM " + mysql_identifier(row.at(0));
  }
  auto rows = session.query(db, sql);
  if (!rows) return std::nullopt;
  for (const auto& row : *rows) {
    if (row.size() == 2) counts[row[0]] = std::stoll(row[1]);
  }
  return counts;
}

// Creates (or, with replace, recreates) `db`; "" or why it refused/failed. Routines and events
// count as data too: the dump's DROP … IF EXISTS would replace them.
std::string prepare_destination(Session& session, const RestoreRequest& request,
                                const std::string& db, RestoreOutcome& outcome) {
  using State = Destination::State;
  auto found = session.query(
      "", "SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
              mysql_literal(db) + "), (SELECT COUNT(*) FROM information_schema.TABLES " +
              "WHERE TABLE_SCHEMA = " + mysql_literal(db) +
              ") + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " +
              mysql_literal(db) +
              ") + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " +
              mysql_literal(db) + ")");
  if (!found || found->empty() || found->front().size() != 2) {
    return "cannot connect to the destination server: " + session.error;
  }
  const std::string tables = found->front()[1];
  Destination destination{State::Missing, db, "", "", PgConnection{}, session.deadline};
  if (found->front()[0] != "0") destination.state = tables == "0" ? State::Empty : State::HoldsData;
  if (destination.state == State::HoldsData && !request.replace) {
    outcome.refused = true;
    return "database " + db + " exists and holds " + tables +
           " tables, routines or events; refusing to overwrite it without --yes (replace)";
  }
  if (request.replace && request.before_replace) {
    if (std::string refusal = request.before_replace(destination); !refusal.empty()) {
      outcome.refused = true;
      return refusal;
    }
  }
  if (destination.state == State::Empty) return "";
  const std::string name = mysql_identifier(db);
  const std::string sql = destination.state == State::HoldsData
                              ? "DROP DATABASE " + name + "; CREATE DATABASE " + name
                              : "CREATE DATABASE " + name;
  if (!session.query("", sql)) return "cannot create database " + db + ": " + session.error;
  return "";
}

}  // namespace

void MysqlDriver::restore(const bk::BackupMetadata& backup, const RestoreRequest& request,
                          Clock::time_point deadline, RestoreOutcome& outcome) {
  const std::string db = request.into_name.empty() ? target_.dbname : request.into_name;
  if (outcome.error = check_database_name(db); !outcome.error.empty()) return;
  ClientDefaults defaults(target_);
  if (outcome.error = defaults.error(); !outcome.error.empty()) return;
  Session session{target_, defaults, deadline, ""};
  outcome.error = prepare_destination(session, request, db, outcome);
  if (!outcome.error.empty()) return;

  probes::ProcessSpec spec;
  spec.argv = defaults.argv(target_.mysql.client);
  for (const char* arg : {"--batch", "--connect-timeout=10"}) spec.argv.emplace_back(arg);
  spec.argv.push_back("--database=" + db);
  spec.stdin_file = target_.directory / backup.file;
  spec.timeout = time_left(deadline);
  spec.tail_bytes = 2048;
  const auto run = probes::run_process(spec);
  if (!run.started || run.timed_out || run.signal != 0 || run.exit_code != 0) {
    outcome.error = mysql_error(target_.mysql.client, run, spec.timeout);
    return;
  }
  if (request.progress) request.progress(1, 1, "done");  // one client run: no finer steps
  if (!request.compare_row_counts) return;
  auto counts = row_counts(session, db);
  if (!counts) {
    outcome.error = "cannot count rows after the restore: " + session.error;
    return;
  }
  outcome.error = compare_row_counts(backup, *counts);
  if (outcome.error.empty()) {
    outcome.detail = std::to_string(counts->size()) + " tables, row counts match";
  }
}

}  // namespace watchdog::actions

#include "actions/backup/mysql_driver.h"

#include "actions/backup/backup_runner.h"
#include "actions/backup/mysql_client.h"
#include "actions/backup/mysql_dump_rows.h"
#include "actions/guarded_action.h"

namespace watchdog::actions {

namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;

DumpResult dump_mysql_database(const config::BackupTargetSpec& target, const std::string& database,
                               const std::filesystem::path& partial, Clock::time_point deadline,
                               bk::BackupMetadata& meta) {
  DumpResult result;
  const auto budget = time_left(deadline);
  if (result.error = check_database_name(database); !result.error.empty()) return result;
  ClientDefaults defaults(target);
  if (result.error = defaults.error(); !result.error.empty()) return result;
  std::string error;
  const auto info = mysql_query(target, defaults, database, "SELECT VERSION()",
                                std::min(budget, std::chrono::milliseconds(30000)), error);
  if (!info || info->empty() || info->front().empty()) {
    result.error = "cannot connect to database " + database + ": " + error;
    return result;
  }
  meta.server_version = info->front().front();
  meta.database = database;

  probes::ProcessSpec spec;
  spec.argv = defaults.argv(target.mysql.dump);
  for (const char* arg :
       {"--single-transaction", "--routines", "--triggers", "--events", "--hex-blob", "--quick"}) {
    spec.argv.emplace_back(arg);
  }
  spec.argv.push_back(database);
  spec.timeout = time_left(deadline);
  spec.tail_bytes = 2048;
  DumpRowCounter rows;
  spec.on_stdout = [&rows](const char* data, std::size_t size) {
    rows.feed(data, size);
    return true;
  };
  auto streamed = stream_dump(std::move(spec), partial);
  result.created = streamed.created;
  result.write_errno = streamed.write_errno;
  result.error = streamed.error;
  if (!streamed.created || !result.error.empty()) return result;
  const auto& run = streamed.run;
  if (!run.started || run.timed_out || run.aborted || run.signal != 0 || run.exit_code != 0) {
    result.error = mysql_error(target.mysql.dump, run, budget);
    return result;
  }
  meta.size_bytes = streamed.size_bytes;
  meta.sha256 = streamed.sha256;
  meta.row_counts = rows.counts();
  meta.row_counts_exact = true;
  return result;
}

DumpResult MysqlDriver::dump(const DumpJob& job, bk::BackupMetadata& meta) {
  return dump_mysql_database(target_, target_.dbname, job.partial, job.deadline, meta);
}

DrillOutcome MysqlDriver::drill(std::chrono::milliseconds timeout) {
  DrillOutcome outcome;
  RestoreRequest request;
  request.into_name = drill_database(target_.name);
  request.replace = true;  // the scratch database of an interrupted drill
  request.compare_row_counts = true;
  request.timeout = timeout;
  outcome = drill_outcome(restore_backup(target_, request));
  ClientDefaults defaults(target_);
  std::string error = defaults.error();
  if (error.empty()) {
    mysql_query(target_, defaults, "",
                "DROP DATABASE IF EXISTS " + mysql_identifier(request.into_name),
                std::chrono::seconds(60), error);
  }
  if (!error.empty() && outcome.ok) {
    outcome.ok = false;
    outcome.detail = "cannot drop the scratch database: " + error;
  }
  return outcome;
}

}  // namespace watchdog::actions

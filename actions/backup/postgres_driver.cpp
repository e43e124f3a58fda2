#include "actions/backup/postgres_driver.h"

#include <future>

#include "actions/backup/backup_runner.h"
#include "probes/clients/pg_connection.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {

namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;

std::string PostgresDriver::file_name(const std::string& name) const {
  return bk::backup_file(name, target_.format);
}

DumpResult PostgresDriver::dump(const DumpJob& job, bk::BackupMetadata& meta) {
  DumpResult result;
  std::string error;
  auto connection = connection_of(target_, error);
  if (!connection) {
    result.error = error;
    return result;
  }
  PgSession session(*connection, std::chrono::seconds(10));
  if (!session.ok()) {
    result.error = "cannot connect to " + target_.name + ": " + session.error();
    return result;
  }
  auto info = session.query(
      "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL statement_timeout = 0;");
  info = info ? session.query(
                    "SELECT pg_export_snapshot(), current_setting('server_version'), "
                    "current_database(), (SELECT pg_get_userbyid(datdba) FROM pg_database "
                    "WHERE datname = current_database())")
              : info;
  if (!info) {
    result.error = "cannot read " + target_.name + ": " + session.error();
    return result;
  }
  const std::string snapshot = info->at(0).at(0);
  // Rows are counted in the exported snapshot while pg_dump dumps it: the same data, and no
  // extra wall time. (An early return below waits for the count: ~future joins.)
  auto counting = std::async(std::launch::async, [&session, exact = target_.exact_row_counts] {
    return session.row_counts(exact);
  });
  meta.server_version = info->at(0).at(1);
  meta.database = info->at(0).at(2);
  meta.owner = info->at(0).at(3);  // restored as this role (actions/backup/restore.h)
  meta.row_counts_exact = target_.exact_row_counts;

  probes::ProcessSpec spec;
  spec.argv = {target_.pg_dump, "--no-password", "--snapshot=" + snapshot,
               "--dbname=" + connection->conninfo()};
  const bool directory = target_.format == "directory";
  spec.argv.push_back(directory ? "--format=directory" : "--format=custom");
  if (target_.compress >= 0) spec.argv.push_back("--compress=" + std::to_string(target_.compress));
  spec.env = connection->child_env();
  spec.timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline - Clock::now());
  spec.tail_bytes = 2048;

  probes::ProcessResult run;
  if (directory) {
    spec.argv.push_back("--jobs=" + std::to_string(target_.jobs));
    spec.argv.push_back("--file=" + job.partial.string());
    result.created = true;  // pg_dump creates it; removing a missing one is harmless
    run = probes::run_process(spec);
  } else {
    auto streamed = stream_dump(spec, job.partial);
    result.created = streamed.created;
    result.write_errno = streamed.write_errno;
    if (streamed.write_errno == 0) result.error = streamed.error;
    if (!streamed.created) return result;
    run = std::move(streamed.run);
    meta.size_bytes = streamed.size_bytes;
    meta.sha256 = streamed.sha256;
  }
  auto counts = counting.get();
  const bool failed_already = !result.error.empty() || result.write_errno != 0;
  if (counts) {
    meta.row_counts = std::move(*counts);
  } else if (!failed_already) {
    result.error = "cannot count the rows of " + target_.name + ": " + session.error();
  }
  session.exec("COMMIT");
  const bool dumped =
      run.started && !run.timed_out && !run.aborted && run.signal == 0 && run.exit_code == 0;
  if (result.error.empty() && result.write_errno == 0 && !dumped) {
    result.error = pg_error("pg_dump", run, job.timeout);
  }
  if (result.error.empty() && result.write_errno == 0 && directory) {
    auto digest = bk::digest_directory(job.partial, error);
    if (!digest) result.error = error;
    if (digest) {
      meta.files = digest->files;
      meta.sha256 = digest->sha256;
      meta.size_bytes = digest->size_bytes;
    }
  }
  return result;
}

DrillOutcome PostgresDriver::drill(std::chrono::milliseconds timeout) {
  DrillOutcome outcome;
  std::string error;
  auto connection = connection_of(target_, error);
  if (!connection) {
    outcome.detail = error;
    return outcome;
  }
  RestoreRequest request;
  request.into = connection->with_dbname(drill_database(target_.name));
  request.jobs = target_.jobs;
  request.replace = true;  // the scratch database of an interrupted drill
  request.compare_row_counts = true;
  request.timeout = timeout;
  outcome = drill_outcome(restore_backup(target_, request));
  PgSession admin(connection->with_dbname("postgres"), std::chrono::seconds(10));
  if (!admin.exec("DROP DATABASE IF EXISTS " + quote_identifier(request.into.dbname()) +
                  " WITH (FORCE)") &&
      outcome.ok) {
    outcome.ok = false;
    outcome.detail = "cannot drop the scratch database: " + admin.error();
  }
  return outcome;
}

}  // namespace watchdog::actions

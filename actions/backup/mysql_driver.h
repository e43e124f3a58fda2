#pragma once
// kind: mysql — one MySQL/MariaDB database (backup_driver.h), through the client tools only.
// Keys: host, port, dbname, user, password (secret), mysqldump / mysql (the tools, default
// mariadb-dump / mariadb), and the engine's own (directory, retention, schedule, drill, …).
//  dump     mariadb-dump --single-transaction --routines --triggers --events --hex-blob --quick
//           of the one database (no CREATE DATABASE / USE: it restores under any name), plain
//           SQL streamed and hashed into NAME.sql. Metadata: database, server_version (SELECT
//           VERSION()), format "sql", and row_counts counted in the dump itself as it streams
//           (mysql_dump_rows.h) — exact for what the dump holds, whatever wrote meanwhile.
//  restore  into a database (request.into_name, default dbname), created when missing; one
//           that holds tables is refused unless `replace` (then DROP DATABASE + CREATE, after
//           request.before_replace); then `mariadb DB < NAME.sql`; optionally every base
//           table's COUNT(*) against the metadata (mysql_restore.cpp).
//  drill    the newest good backup into watchdog_drill_<target> on the same server, row counts
//           compared, dropped after.
// The password reaches the tools only in a 0600 options file (mysql_client.h).

#include "actions/backup/backup_driver.h"

namespace watchdog::actions {

class MysqlDriver final : public BackupDriver {
 public:
  explicit MysqlDriver(const config::BackupTargetSpec& target) : target_(target) {}

  std::string format() const override { return "sql"; }
  std::string file_name(const std::string& name) const override { return name + ".sql"; }
  DumpResult dump(const DumpJob& job, probes::backup::BackupMetadata& meta) override;
  void restore(const probes::backup::BackupMetadata& backup, const RestoreRequest& request,
               std::chrono::steady_clock::time_point deadline, RestoreOutcome& outcome) override;
  DrillOutcome drill(std::chrono::milliseconds timeout) override;
  std::string restore_tool() const override { return target_.mysql.client; }

 private:
  const config::BackupTargetSpec& target_;
};

// mariadb-dump of `database` on the target's server into `partial` (created), before
// `deadline`; fills meta's size_bytes, sha256, database, server_version and row_counts. Backups
// and safety dumps (safety_dump.h) both use it.
DumpResult dump_mysql_database(const config::BackupTargetSpec& target, const std::string& database,
                               const std::filesystem::path& partial,
                               std::chrono::steady_clock::time_point deadline,
                               probes::backup::BackupMetadata& meta);

}  // namespace watchdog::actions

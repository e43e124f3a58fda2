#pragma once
// kind: postgres — a PostgreSQL database (backup_driver.h).
//  dump     a libpq session opens a REPEATABLE READ transaction and exports its snapshot;
//           per-table row counts (exact count(*) or reltuples estimates) are taken in that
//           snapshot while pg_dump --snapshot dumps exactly the same data: -Fc streamed and
//           hashed (NAME.dump), or -Fd -j N written to a directory then hashed file by file
//           (NAME.dumpdir, a manifest).
//  restore  pg_restore into a database, created when missing (postgres_restore.cpp; the rules
//           on ownership and replacing are in restore.h).
//  drill    the newest good backup into a scratch database on the same server
//           (watchdog_drill_<target>), row counts compared with the metadata, dropped after.
// The password reaches pg_dump and pg_restore only through PGPASSWORD.

#include "actions/backup/backup_driver.h"

namespace watchdog::actions {

class PostgresDriver final : public BackupDriver {
 public:
  explicit PostgresDriver(const config::BackupTargetSpec& target) : target_(target) {}

  std::string format() const override { return target_.format; }
  std::string file_name(const std::string& name) const override;
  DumpResult dump(const DumpJob& job, probes::backup::BackupMetadata& meta) override;
  void restore(const probes::backup::BackupMetadata& backup, const RestoreRequest& request,
               std::chrono::steady_clock::time_point deadline, RestoreOutcome& outcome) override;
  DrillOutcome drill(std::chrono::milliseconds timeout) override;
  std::string restore_tool() const override {
    return "pg_restore -j " + std::to_string(target_.jobs);
  }

 private:
  const config::BackupTargetSpec& target_;
};

}  // namespace watchdog::actions

// The kinds table: `kind:` of a `backups:` entry → its driver.
#include "actions/backup/backup_driver.h"
#include "actions/backup/command_driver.h"
#include "actions/backup/files_driver.h"
#include "actions/backup/mysql_driver.h"
#include "actions/backup/postgres_driver.h"

namespace watchdog::actions {

std::unique_ptr<BackupDriver> backup_driver(const config::BackupTargetSpec& target) {
  switch (target.kind) {
    case config::BackupKind::Postgres: return std::make_unique<PostgresDriver>(target);
    case config::BackupKind::Mysql: return std::make_unique<MysqlDriver>(target);
    case config::BackupKind::Command: return std::make_unique<CommandDriver>(target);
    case config::BackupKind::Files: return std::make_unique<FilesDriver>(target);
  }
  throw std::runtime_error(std::string("backup kind ") + config::kind_name(target.kind) +
                           " has no driver in this build");
}

}  // namespace watchdog::actions

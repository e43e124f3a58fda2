#pragma once
// What the mysql backup driver (mysql_driver.h) needs to talk to a MySQL/MariaDB server through
// its own client tools (mariadb, mariadb-dump): no C connector, so the image only needs the
// client package.
//
// The password never reaches argv or the environment (MYSQL_PWD is visible in
// /proc/PID/environ and deprecated): ClientDefaults writes [client] user/password/host/port to a
// 0600 file in a private 0700 temp dir, passed as --defaults-file= (the tool's first argument;
// no other option file is read), and removes both when it goes out of scope.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_target.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {

class ClientDefaults {
 public:
  explicit ClientDefaults(const config::BackupTargetSpec& target);
  ~ClientDefaults();
  ClientDefaults(const ClientDefaults&) = delete;
  ClientDefaults& operator=(const ClientDefaults&) = delete;
  const std::string& error() const { return error_; }  // "" = the file is ready
  // {tool, "--defaults-file=…"}: the start of every argv.
  std::vector<std::string> argv(const std::string& tool) const;

 private:
  std::filesystem::path dir_;
  std::string error_;
};

// The [client] section for `target` (pure): only the keys that are set; values quoted and
// escaped as MariaDB's option file parser reads them back.
std::string client_defaults_text(const config::BackupTargetSpec& target);

// Runs `sql` with the client (--batch --skip-column-names) in `database` ("" = none) and returns
// its rows (tab-separated fields, the client's \t \n \\ escapes undone), or nullopt with one
// safe line in `error`.
std::optional<std::vector<std::vector<std::string>>> mysql_query(
    const config::BackupTargetSpec& target, const ClientDefaults& defaults,
    const std::string& database, const std::string& sql, std::chrono::milliseconds timeout,
    std::string& error);

// Rows of `--batch --skip-column-names` output (pure).
std::vector<std::vector<std::string>> parse_batch_rows(const std::string& output);

// 'text' and `name` for SQL built here (sql_mode without NO_BACKSLASH_ESCAPES, the default).
std::string mysql_literal(const std::string& text);
std::string mysql_identifier(const std::string& name);

// Why `tool` failed, one safe line: "mariadb-dump exit 2: Got error: 1049: Unknown database 'x'
// when selecting the database".
std::string mysql_error(const std::string& tool, const probes::ProcessResult& run,
                        std::chrono::milliseconds timeout);

// "" when `name` can be a database here, else why not (it is an argument to the tools).
std::string check_database_name(const std::string& name);

}  // namespace watchdog::actions

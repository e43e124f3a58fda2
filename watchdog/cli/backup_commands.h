#pragma once
// The backup CLI (issue #4), registered on the main CLI11 app by one call:
//
//   watchdog backup  -c F [--target T]                  pg_dump now (+ verify, retention)
//   watchdog backups list   -c F [--target T] [--json]  age, size, checksum state, inside RPO?
//   watchdog backups verify -c F [NAME | --all] [--target T]
//                                                       re-hash; exit 1 on any mismatch,
//                                                       truncation or missing metadata
//   watchdog backups prune  -c F [--target T] [--dry-run]   retention now / what would go
//   watchdog restore NAME|latest -c F --into DSN [--target T] [--jobs N] [--yes]
//   watchdog drill   -c F [--target T]                  restore into a scratch DB, compare, drop
//
// Exit codes: 0 success, 1 the operation failed (or verification found a problem), 2 invalid
// configuration or usage. `--into` may be given as `--into-env VAR` so the DSN stays out of argv.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace watchdog::core {

// Adds the subcommands to `app`. After CLI11 has parsed, call the returned function: it runs
// the chosen backup command and returns its exit code, or nullopt when none was chosen.
std::function<std::optional<int>()> register_backup_commands(CLI::App& app);

}  // namespace watchdog::core

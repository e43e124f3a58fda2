#pragma once
// `watchdog backups report` (issue #17), registered under `backups` by backup_commands.cpp:
//
//   watchdog backups report -c F [--since 24h] [--json] [--target T] [--send]
//
// Prints the backup report (watchdog/cli/backup_report.h): a table, or --json. --send also
// sends it now, once, to the report's sinks (`backup_report.alerts`, default every slack,
// discord and teams sink) with the key "backup-report/manual-<UTC time>", and prints each
// sink's answer. Directly, not through the daemon's outbox (whose queued alerts are the
// daemon's to deliver); no retries.
//
// Exit codes: 0 every target OK, 1 a target needs attention (or --send could not deliver),
// 2 invalid configuration or usage.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace watchdog::core {

// Adds `report` to the `backups` subcommand. After parsing, the returned function runs it and
// returns its exit code, or nullopt when it was not chosen.
std::function<std::optional<int>()> register_backup_report_command(CLI::App& backups);

}  // namespace watchdog::core

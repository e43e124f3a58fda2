#pragma once
// Retention for backups the watchdog did not write (issue #17): mongodump archives or per-day
// dump directories, model artifacts, configuration copies.
//
//   watchdog backups prune --glob '/backups/mongo/*' --keep-within 7d
//                          [--keep-last N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]
//                          [--entries files|directories|any] [--settle D] [--dry-run]
//
// Every match of the glob of the kind `--entries` names (files by default, as the backup_age
// probe's; directories or any for per-day dump directories) is one backup; its time is its mtime
// (a directory's: the newest of itself and the files under it, as the backup_age probe sees
// it, probes/backup/backup_entries.h). The same plan as the targets' retention
// (actions/backup/retention.h: restic semantics, keep_within from the newest match), so the
// newest match always stays; a directory that goes is removed with everything in it.
// Output, exit codes and --dry-run as for `backups prune -c` (one decision per line, reasons).
//
// Safety: the glob must be an absolute path whose directory part has no wildcard and is not
// `/` once resolved (the wildcard applies to names in ONE directory: '/backups/mongo/*' yes,
// '/*', '/backups/*/old' or 'mongo/*' no); "*" skips hidden names (as a shell does) and "."
// and ".." never match. A matching symlink is never an item (its target is not a backup of
// this directory); one that leads out of the directory refuses the whole run, since the glob
// then catches something the operator did not mean. At least one --keep-* rule is required.
// A match younger than --settle (5m, as the probe's settle) may still be being written, and one
// dated in the future would move the keep-within cutoff past every real backup: both are
// skipped — never deleted, never counted (a warning for the future one). There is no lock
// against a dump job: a dump that writes nothing for longer than --settle looks finished.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace watchdog::core {

// Adds --glob and the --keep-* options to `prune` (`backups prune`, which already has
// -c/--config and --dry-run); -c becomes optional, and exclusive with --glob. After parsing,
// the returned function runs the file prune when `prune` ran with --glob (its exit code), says
// what is missing when it ran with neither -c nor --glob (2), and returns nullopt otherwise.
std::function<std::optional<int>()> add_file_prune_options(CLI::App& prune);

}  // namespace watchdog::core

#pragma once
// Retention for backups the watchdog did not write (issue #17): mongodump archives or per-day
// dump directories, model artifacts, configuration copies.
//
//   watchdog backups prune --glob '/backups/mongo/*' --keep-within 7d
//                          [--keep-last N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]
//                          [--dry-run]
//
// Every match of the glob — files and directories alike — is one backup; its time is its mtime
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

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <ostream>

#include "actions/backup/retention.h"

namespace watchdog::core {

// Adds --glob and the --keep-* options to `prune` (`backups prune`, which already has
// -c/--config and --dry-run); -c becomes optional, and exclusive with --glob. After parsing,
// the returned function runs the file prune when `prune` ran with --glob (its exit code), says
// what is missing when it ran with neither -c nor --glob (2), and returns nullopt otherwise.
std::function<std::optional<int>()> add_file_prune_options(CLI::App& prune);

// "keep   NAME  (reasons)" / "would delete NAME" / "delete NAME", one line per decision.
void print_retention_decisions(const std::vector<actions::RetentionDecision>& decisions,
                               bool dry_run, std::ostream& out);

}  // namespace watchdog::core

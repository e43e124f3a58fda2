#include "actions/backup/restore.h"

#include "actions/backup/backup_driver.h"
#include "actions/backup/backup_runner.h"

namespace watchdog::actions {
namespace {

namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;

void restore(const config::BackupTargetSpec& target, const RestoreRequest& request,
             RestoreOutcome& outcome) {
  const auto deadline = Clock::now() + request.timeout;
  // Held to the end: no backup dumps a half-restored source (and becomes the newest "good"
  // backup), and retention cannot delete the backup being restored.
  BackupLock lock(target, deadline);
  if (!lock.held()) {
    outcome.error = lock.busy() ? "a backup of " + target.name + " was still running at the timeout"
                                : lock.error();
    return;
  }
  std::string error;
  auto backups = bk::list_backups(target.directory, target.name, error);
  if (!error.empty()) {
    outcome.error = error;
    return;
  }
  if (request.backup != "latest") {  // a safety dump only ever by its name, never as "latest"
    for (auto& dump : bk::list_safety_dumps(target.directory, target.name)) {
      backups.push_back(std::move(dump));
    }
  }
  bk::BackupMetadata* chosen = nullptr;
  std::string rejected;
  for (auto it = backups.rbegin(); it != backups.rend() && chosen == nullptr; ++it) {
    if (request.backup != "latest" && it->name != request.backup) continue;
    if (request.backup == "latest" && it->verify_failed()) continue;
    outcome.backup = it->name;
    const auto verification = verify_and_record(target, *it);
    if (verification.ok) {
      chosen = &*it;
    } else {
      rejected += (rejected.empty() ? "" : "; ") + it->name + ": " + verification.error;
      if (request.backup != "latest") break;
    }
  }
  if (chosen == nullptr) {
    outcome.refused = !rejected.empty();
    outcome.error = !rejected.empty() ? "verification failed, not restoring: " + rejected
                    : request.backup == "latest"
                        ? "no backup of " + target.name + " that passed verification"
                        : "no backup named " + request.backup;
    return;
  }
  backup_driver(target)->restore(*chosen, request, deadline, outcome);
}

}  // namespace

bk::Verification verify_and_record(const config::BackupTargetSpec& target,
                                   bk::BackupMetadata& metadata) {
  auto verification = bk::verify_backup(target.directory, metadata);
  metadata.verification = verification;
  std::string ignored;
  bk::write_metadata(target.directory, metadata, ignored);
  if (!verification.ok) {
    bk::update_status(
        target.directory, target.name, [](bk::TargetStatus& s) { ++s.verify_failures; }, ignored);
  }
  return verification;
}

std::string compare_row_counts(const bk::BackupMetadata& expected,
                               const std::map<std::string, std::int64_t>& actual) {
  for (const auto& [table, rows] : expected.row_counts) {
    auto it = actual.find(table);
    if (it == actual.end()) return table + " is missing after the restore";
    if (expected.row_counts_exact && it->second != rows) {
      return table + ": " + std::to_string(it->second) + " rows, backup had " +
             std::to_string(rows);
    }
  }
  for (const auto& [table, rows] : actual) {
    if (!expected.row_counts.contains(table)) return table + " is not in the backup's metadata";
  }
  return "";
}

RestoreOutcome restore_backup(const config::BackupTargetSpec& target,
                              const RestoreRequest& request) {
  RestoreOutcome outcome;
  const auto start = Clock::now();
  try {
    restore(target, request, outcome);
    outcome.ok = outcome.error.empty();
  } catch (const std::exception& e) {
    outcome.ok = false;
    outcome.error = std::string("restore failed unexpectedly: ") + e.what();
  }
  outcome.elapsed = Clock::now() - start;
  return outcome;
}

}  // namespace watchdog::actions

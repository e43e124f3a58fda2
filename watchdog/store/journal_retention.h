#pragma once
// The incident journal's retention (`watchdog.journal_retention`, `journal_max_incidents`):
// without it every incident (~3 KiB with its timeline) and every operator request stays in
// watchdog.db for good, and a long-lived or flapping deployment grows the file without bound.
//
// Deleted, oldest first: closed incidents older than the retention or beyond the newest
// `max_closed`, with their timelines, and operator requests done longer ago than the retention.
// Kept whatever their age: open incidents, and each component's newest recovered incident
// (watchdog_incident_last_time_to_recover_seconds is restored from it). The incidents and
// actions a deleted incident counted are added to `journal_pruned` in the same transaction, so
// the counters restored at start (IncidentJournal::incident_counts, action_counts) never go
// down.
//
// Thread-safety: none (the engine's loop thread).

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "watchdog/store/sqlite.h"
#include "watchdog/store/state_store.h"

namespace watchdog::store {

struct JournalLimits {
  std::chrono::milliseconds max_age{std::chrono::hours(24 * 90)};
  std::int64_t max_closed = 100000;  // closed incidents kept at most
};

struct PruneResult {
  std::int64_t incidents = 0;
  std::int64_t events = 0;
  std::int64_t requests = 0;
  bool more = false;  // the batch was full: call again soon
};

// Deletes at most `batch` incidents (and their events) and `batch` requests, in one transaction.
PruneResult prune_journal(Database& db, TimePoint now, const JournalLimits& limits,
                          std::size_t batch = 500);

}  // namespace watchdog::store

#pragma once
// The game days' figures on /metrics, one series per (scenario, component) that has a result in
// the state store (`gamedays` table, newest run of each pair):
//   watchdog_gameday_last_run_timestamp_seconds{scenario,component}  when that run started
//   watchdog_gameday_last_time_to_recover_seconds{scenario,component} its fault → HEALTHY;
//       only for scenarios that expect the watchdog to recover; absent (never NaN) for a
//       Detect or give-up scenario (their revert, not the watchdog, mends them) and for a run
//       that did not recover (a failure, an error). A stale figure of an older run is removed.
//   watchdog_gameday_last_passed{scenario,component}                 1 if every check passed
// Runs happen in the daemon (scheduled) and in `watchdog gameday` processes: the daemon reads
// the store at start and whenever another connection committed (StateStore::changed_elsewhere,
// polled by the game-day scheduler's thread). Only configured components are shown, like the
// incident metrics: a removed component's pairs lose their series at the next refresh.
//
// Thread-safety: every method may be called from any thread (one mutex).

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "watchdog/gameday/result.h"
#include "watchdog/metrics.h"
#include "watchdog/store/state_store.h"

namespace watchdog::gameday {

// The results among `rows` (result JSON text, GamedayStore::latest_results) of components in
// `components`; a row that does not read (result_from_json) is logged and left out.
std::vector<Result> readable_results(const std::vector<std::string>& rows,
                                     const std::set<std::string>& components);

class GamedayMetrics {
 public:
  explicit GamedayMetrics(core::Metrics& metrics);

  // Shows these results (the newest of each pair); pairs shown before and missing now lose
  // their series.
  void show(const std::vector<Result>& latest);
  // Reads the store and shows its newest results of `components` when the store changed since
  // the last call (always at the first). A store error is logged (once until it reads again)
  // and the series stay as they were.
  void refresh(store::StateStore& store, const std::set<std::string>& components);

 private:
  using FamilyId = core::MetricsStore::FamilyId;
  core::MetricsStore& store_;
  FamilyId last_run_;
  FamilyId last_time_to_recover_;
  FamilyId last_passed_;
  std::mutex mutex_;
  std::set<std::string> shown_;       // label texts of the pairs with series
  std::set<std::string> components_;  // of the last refresh: a reload changes them
  bool refreshed_ = false;
  bool failing_ = false;
};

}  // namespace watchdog::gameday

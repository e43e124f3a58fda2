#pragma once
// Every metric the watchdog exports, kept in a compact series store (metrics_store.h). Names are
// watchdog_* in base units; labels hold names from the config only — never URLs, DSNs or
// details. Probe measurements become gauges named watchdog_<measurement>{component,probe};
// a measurement named *_total is a running total kept outside the process (the backup status
// file's verify failures) and becomes a counter that follows it (never decreasing).
//
// Thread-safety: every method may be called from any thread.

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "probes/probe.h"
#include "watchdog/metrics_store.h"
#include "watchdog/process_metrics.h"
#include "watchdog/state.h"

namespace watchdog::core {

class Metrics;

// One probe's series, looked up once per plan instead of once per check: observing a result
// then touches its row's atomics only — no lock, no lookup (but for a measurement the probe has
// never reported before). A forgotten probe's handle writes to a row no longer rendered (the
// engine fetches new handles with every plan). Used from one thread at a time.
class ProbeSeries {
 public:
  void observe(const probes::ProbeResult& result, double seconds);

 private:
  friend class Metrics;
  MetricsStore* store_ = nullptr;
  std::shared_ptr<ProbeRow> row_;
};

class Metrics {
 public:
  Metrics();

  // Text exposition format 0.0.4 of every series, then the process_* metrics.
  std::string render() const;
  // For metric groups kept in their own files (recovery_metrics.h, incident_metrics.h).
  MetricsStore& store() { return store_; }

  void set_component_state(const std::string& component, State state, TimePoint since);
  void set_overall_state(State state);
  ProbeSeries probe_series(const std::string& component, const std::string& probe,
                           std::string_view kind);
  // `times` > 1 restores the count of a previous run at start.
  void count_action(const std::string& component, const std::string& action, bool ok,
                    double times = 1);
  // result: "success" (delivered), "retry" (an attempt failed, will retry), "failure" (a
  // permanent answer: not retried), "expired" (still failing after give_up_after)
  void count_alert(const std::string& alert, std::string_view result);
  void set_alerts_pending(const std::string& alert, double pending);
  // Outbox rows of this sink that failed for good (failed or expired; kept a week).
  void set_alerts_failed(const std::string& alert, double failed);
  // A SIGHUP reload: counts it and sets watchdog_config_last_reload_successful (1/0) and, on
  // success, watchdog_config_last_reload_success_timestamp_seconds. The start counts as the
  // first successful load (set by the constructor).
  void count_reload(bool ok);
  // Drops every series of a component (or one probe) that a reload removed.
  void forget_component(const std::string& component);
  void forget_probe(const std::string& component, const std::string& probe, std::string_view kind);

 private:
  using FamilyId = MetricsStore::FamilyId;

  MetricsStore store_;
  FamilyId component_state_;
  FamilyId component_since_;
  FamilyId overall_state_;
  FamilyId actions_;
  FamilyId alerts_sent_;
  FamilyId alerts_pending_;
  FamilyId alerts_failed_;
  FamilyId reloads_;
  Cell& last_reload_successful_;
  Cell& last_reload_success_;
  ProcessCollector process_;
};

}  // namespace watchdog::core

#pragma once
// The Prometheus registry and every metric the watchdog exports (prometheus-cpp). Names are
// watchdog_* in base units; labels hold names from the config only — never URLs, DSNs or
// details. Probe measurements become gauges named watchdog_<measurement>{component,probe};
// a measurement named *_total is a running total kept outside the process (the backup status
// file's verify failures) and becomes a counter that follows it (never decreasing).
//
// Thread-safety: every method may be called from any thread.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/probe.h"
#include "watchdog/process_metrics.h"
#include "watchdog/state.h"

namespace watchdog::core {

class Metrics;

// One probe's series, looked up once per plan instead of once per check: observing a result
// then touches atomics only — no family lock, no label map. Invalid once Metrics forgets the
// probe (the engine fetches new handles with every plan). Used from one thread at a time.
class ProbeSeries {
 public:
  void observe(const probes::ProbeResult& result, double seconds);

 private:
  friend class Metrics;
  Metrics* metrics_ = nullptr;
  prometheus::Labels labels_;  // component, probe, kind
  prometheus::Gauge* success_ = nullptr;
  prometheus::Histogram* duration_ = nullptr;
  prometheus::Gauge* last_run_ = nullptr;
  std::array<prometheus::Counter*, 4> runs_{};  // by ProbeStatus, created on first use
  struct MeasurementGauge {
    std::string name;
    prometheus::Family<prometheus::Gauge>* family = nullptr;
    prometheus::Gauge* gauge = nullptr;
  };
  // The measurements the latest result reported: one it leaves out is removed (absent, not
  // frozen at its last value).
  std::vector<MeasurementGauge> gauges_;
  std::vector<std::pair<std::string, prometheus::Counter*>> totals_;  // *_total measurements
};

class Metrics {
 public:
  Metrics();

  // Text exposition format 0.0.4 of everything registered, then the process_* metrics.
  std::string render() const;
  // For metric groups kept in their own files (recovery_metrics.h).
  prometheus::Registry& registry() { return *registry_; }

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
  friend class ProbeSeries;
  prometheus::Family<prometheus::Gauge>& measurement_family(const std::string& name);
  prometheus::Family<prometheus::Counter>& total_family(const std::string& name);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& component_state_;
  prometheus::Family<prometheus::Gauge>& component_since_;
  prometheus::Family<prometheus::Gauge>& overall_state_;
  prometheus::Family<prometheus::Gauge>& probe_success_;
  prometheus::Family<prometheus::Histogram>& probe_duration_;
  prometheus::Family<prometheus::Counter>& probe_runs_;
  prometheus::Family<prometheus::Gauge>& probe_last_run_;
  prometheus::Family<prometheus::Counter>& actions_;
  prometheus::Family<prometheus::Counter>& alerts_sent_;
  prometheus::Family<prometheus::Gauge>& alerts_pending_;
  prometheus::Family<prometheus::Gauge>& alerts_failed_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Gauge& last_reload_successful_;
  prometheus::Gauge& last_reload_success_;
  ProcessCollector process_;

  std::mutex mutex_;  // guards measurements_ and the label sets remembered for forget_*
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> measurements_;
  std::map<std::string, prometheus::Family<prometheus::Counter>*> totals_;  // *_total measurements
  std::map<std::string, std::map<std::string, std::string>>
      probe_kinds_;  // component → probe → kind
  // component → the {action, result} pairs of its watchdog_recovery_actions_total series
  std::map<std::string, std::set<std::pair<std::string, std::string>>> action_series_;
};

}  // namespace watchdog::core

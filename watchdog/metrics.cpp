#include "watchdog/metrics.h"

#include <algorithm>
#include <atomic>
#include <chrono>

#include "config/time_text.h"
#include "watchdog/metrics_text.h"
#include "watchdog/version.h"

namespace watchdog::core {
namespace {

constexpr std::array<double, 15> kDurationBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

bool valid_metric_suffix(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::array<std::string_view, std::size(kAllStates)> state_labels() {
  std::array<std::string_view, std::size(kAllStates)> labels{};
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = label_of(kAllStates[i]);
  return labels;
}

// In ProbeStatus order (ProbeRow::runs).
constexpr std::array<std::string_view, 4> kRunStatuses = {"healthy", "degraded", "unhealthy",
                                                          "unknown"};

std::string labels_of(std::string_view name, std::string_view value) {
  std::string text;
  append_label(text, name, value);
  return text;
}

std::string labels_of(std::string_view name, std::string_view value, std::string_view name2,
                      std::string_view value2) {
  std::string text = labels_of(name, value);
  text += ',';
  append_label(text, name2, value2);
  return text;
}

void append_process_metrics(std::string& out, const ProcessCollector& process) {
  for (const auto& sample : process.Collect()) {
    append_family_header(out, sample.name, sample.help, sample.type);
    append_sample(out, sample.name, "", {}, sample.value);
  }
}

}  // namespace

Metrics::Metrics()
    : component_state_(store_.add_component("watchdog_component_state",
                                            "1 for the component's current state, 0 for the others",
                                            MetricType::Gauge, "state", state_labels())),
      component_since_(store_.add_component(
          "watchdog_component_state_since_timestamp_seconds",
          "When the component entered its current state (Unix time)", MetricType::Gauge)),
      overall_state_(store_.add_global(
          "watchdog_overall_state", "1 for the worst state over all components, 0 for the others",
          MetricType::Gauge)),
      actions_(store_.add_component_tagged("watchdog_recovery_actions_total",
                                           "Recovery actions run, by result (success or failure)",
                                           MetricType::Counter)),
      alerts_sent_(
          store_.add_global("watchdog_alerts_sent_total",
                            "Alert delivery attempts, by result (success, retry, failure, expired)",
                            MetricType::Counter)),
      alerts_pending_(store_.add_global("watchdog_alerts_pending",
                                        "Alerts queued for a sink and not yet delivered",
                                        MetricType::Gauge)),
      alerts_failed_(store_.add_global(
          "watchdog_alerts_failed", "Alerts a sink refused for good or that expired (last 7 days)",
          MetricType::Gauge)),
      reloads_(store_.add_global("watchdog_config_reloads_total",
                                 "Configuration reloads (SIGHUP), by result", MetricType::Counter)),
      last_reload_successful_(
          store_.global(store_.add_global("watchdog_config_last_reload_successful",
                                          "1 if the last configuration load succeeded, else 0",
                                          MetricType::Gauge),
                        {})),
      last_reload_success_(
          store_.global(store_.add_global("watchdog_config_last_reload_success_timestamp_seconds",
                                          "When the configuration was last loaded successfully",
                                          MetricType::Gauge),
                        {})) {
  store_.add_probe("watchdog_probe_success", "1 if the probe's last check was healthy, else 0",
                   MetricType::Gauge, ProbeField::Success);
  store_.add_probe("watchdog_probe_duration_seconds", "Wall time of each probe check",
                   MetricType::Histogram, ProbeField::DurationSeconds);
  store_.add_probe("watchdog_probe_runs_total", "Probe checks run, by result status",
                   MetricType::Counter, ProbeField::Runs, "status", kRunStatuses);
  store_.add_probe("watchdog_probe_last_run_timestamp_seconds",
                   "When the probe's last check finished (Unix time)", MetricType::Gauge,
                   ProbeField::LastRun);
  store_
      .global(
          store_.add_global("watchdog_build_info",
                            "Always 1; the version label says which build runs", MetricType::Gauge),
          labels_of("version", kVersion))
      .set(1);
  for (State s : kAllStates) store_.global(overall_state_, labels_of("state", label_of(s))).set(0);
  for (const char* result : {"success", "failure"}) {
    store_.global(reloads_, labels_of("result", result)).add(0);
  }
  // Metrics exist once the configuration loaded: the start is the first successful load.
  last_reload_successful_.set(1);
  last_reload_success_.set(config::unix_seconds(Clock::now()));
}

std::string Metrics::render() const {
  // The last exposition's size: ~30 MB at 10,000 components, written without regrowth copies.
  static std::atomic<std::size_t> last_size = 0;
  std::string out;
  out.reserve(last_size.load(std::memory_order_relaxed) + 4096);
  store_.render(out);
  append_process_metrics(out, process_);
  last_size.store(out.size(), std::memory_order_relaxed);
  return out;
}

void Metrics::set_component_state(const std::string& component, State state, TimePoint since) {
  for (std::size_t i = 0; i < std::size(kAllStates); ++i) {
    store_.set(component_state_, component, kAllStates[i] == state ? 1 : 0, i);
  }
  store_.set(component_since_, component, config::unix_seconds(since));
}

void Metrics::set_overall_state(State state) {
  for (State s : kAllStates) {
    store_.global(overall_state_, labels_of("state", label_of(s))).set(s == state ? 1 : 0);
  }
}

ProbeSeries Metrics::probe_series(const std::string& component, const std::string& probe,
                                  std::string_view kind) {
  ProbeSeries series;
  series.store_ = &store_;
  series.row_ = store_.probe(component, probe, kind, kDurationBuckets);
  return series;
}

void ProbeSeries::observe(const probes::ProbeResult& result, double seconds) {
  ProbeRow& row = *row_;
  row.success.set(result.status == probes::ProbeStatus::Healthy ? 1 : 0);
  row.duration.observe(seconds);
  row.runs[static_cast<std::size_t>(result.status)].add(1);
  row.last_run.set(config::unix_seconds(Clock::now()));
  for (const auto& m : result.measurements) {
    if (!valid_metric_suffix(m.name)) continue;
    const bool total = m.name.ends_with("_total");
    auto it = std::find_if(row.measurements.begin(), row.measurements.end(),
                           [&](const auto& cell) { return cell->name == m.name; });
    Cell& cell = it != row.measurements.end()
                     ? (*it)->cell
                     : store_->add_measurement(
                           row, m.name, total ? MetricType::Counter : MetricType::Gauge,
                           total ? "Probe-reported running total " + m.name
                                 : "Probe measurement " + m.name + " from the latest check");
    if (total) {
      cell.raise_to(m.value);
    } else {
      cell.set(m.value);
    }
  }
  // A measurement this result left out no longer holds (every backup corrupt: no oldest
  // restorable one): its series goes, as docs/metrics.md promises. *_total counters stay. An
  // Unknown result (timed out, abandoned, could not decide) says nothing about the target, so
  // the last known figures stay: an RPO alert must not resolve because one check hung.
  if (result.status == probes::ProbeStatus::Unknown) return;
  for (const auto& cell : row.measurements) {
    if (cell->name.ends_with("_total")) continue;
    const bool reported =
        std::any_of(result.measurements.begin(), result.measurements.end(),
                    [&](const probes::Measurement& m) { return m.name == cell->name; });
    if (!reported) cell->cell.remove();
  }
}

void Metrics::count_action(const std::string& component, const std::string& action, bool ok,
                           double times) {
  store_.add_tagged(actions_, component,
                    labels_of("action", action, "result", ok ? "success" : "failure"), times);
}

void Metrics::count_alert(const std::string& alert, std::string_view result) {
  store_.global(alerts_sent_, labels_of("alert", alert, "result", result)).add(1);
}

void Metrics::set_alerts_failed(const std::string& alert, double failed) {
  store_.global(alerts_failed_, labels_of("alert", alert)).set(failed);
}

void Metrics::set_alerts_pending(const std::string& alert, double pending) {
  store_.global(alerts_pending_, labels_of("alert", alert)).set(pending);
}

void Metrics::count_reload(bool ok) {
  store_.global(reloads_, labels_of("result", ok ? "success" : "failure")).add(1);
  last_reload_successful_.set(ok ? 1 : 0);
  if (ok) last_reload_success_.set(config::unix_seconds(Clock::now()));
}

void Metrics::forget_probe(const std::string& component, const std::string& probe,
                           std::string_view kind) {
  store_.forget_probe(component, probe, kind);
}

void Metrics::forget_component(const std::string& component) {
  store_.forget_probes(component);
  store_.remove(actions_, component);
  for (std::size_t i = 0; i < std::size(kAllStates); ++i) {
    store_.remove(component_state_, component, i);
  }
  store_.remove(component_since_, component);
}

}  // namespace watchdog::core

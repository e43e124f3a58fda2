#include "watchdog/metrics.h"

#include <algorithm>
#include <chrono>

#include "config/time_text.h"
#include "watchdog/metrics_text.h"
#include "watchdog/version.h"

namespace watchdog::core {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return buckets;
}

bool valid_metric_suffix(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      component_state_(BuildGauge()
                           .Name("watchdog_component_state")
                           .Help("1 for the component's current state, 0 for the others")
                           .Register(*registry_)),
      component_since_(BuildGauge()
                           .Name("watchdog_component_state_since_timestamp_seconds")
                           .Help("When the component entered its current state (Unix time)")
                           .Register(*registry_)),
      overall_state_(BuildGauge()
                         .Name("watchdog_overall_state")
                         .Help("1 for the worst state over all components, 0 for the others")
                         .Register(*registry_)),
      probe_success_(BuildGauge()
                         .Name("watchdog_probe_success")
                         .Help("1 if the probe's last check was healthy, else 0")
                         .Register(*registry_)),
      probe_duration_(BuildHistogram()
                          .Name("watchdog_probe_duration_seconds")
                          .Help("Wall time of each probe check")
                          .Register(*registry_)),
      probe_runs_(BuildCounter()
                      .Name("watchdog_probe_runs_total")
                      .Help("Probe checks run, by result status")
                      .Register(*registry_)),
      probe_last_run_(BuildGauge()
                          .Name("watchdog_probe_last_run_timestamp_seconds")
                          .Help("When the probe's last check finished (Unix time)")
                          .Register(*registry_)),
      actions_(BuildCounter()
                   .Name("watchdog_recovery_actions_total")
                   .Help("Recovery actions run, by result (success or failure)")
                   .Register(*registry_)),
      alerts_sent_(BuildCounter()
                       .Name("watchdog_alerts_sent_total")
                       .Help("Alert delivery attempts, by result (success, retry, failure, expired)")
                       .Register(*registry_)),
      alerts_pending_(BuildGauge()
                          .Name("watchdog_alerts_pending")
                          .Help("Alerts queued for a sink and not yet delivered")
                          .Register(*registry_)),
      alerts_failed_(BuildGauge()
                         .Name("watchdog_alerts_failed")
                         .Help("Alerts a sink refused for good or that expired (last 7 days)")
                         .Register(*registry_)),
      reloads_(BuildCounter()
                   .Name("watchdog_config_reloads_total")
                   .Help("Configuration reloads (SIGHUP), by result")
                   .Register(*registry_)),
      last_reload_successful_(BuildGauge()
                                  .Name("watchdog_config_last_reload_successful")
                                  .Help("1 if the last configuration load succeeded, else 0")
                                  .Register(*registry_)
                                  .Add({})),
      last_reload_success_(BuildGauge()
                               .Name("watchdog_config_last_reload_success_timestamp_seconds")
                               .Help("When the configuration was last loaded successfully")
                               .Register(*registry_)
                               .Add({})) {
  BuildGauge()
      .Name("watchdog_build_info")
      .Help("Always 1; the version label says which build runs")
      .Register(*registry_)
      .Add({{"version", kVersion}})
      .Set(1);
  for (State s : kAllStates) overall_state_.Add({{"state", std::string(label_of(s))}});
  for (const char* result : {"success", "failure"}) reloads_.Add({{"result", result}});
  // Metrics exist once the configuration loaded: the start is the first successful load.
  last_reload_successful_.Set(1);
  last_reload_success_.Set(config::unix_seconds(Clock::now()));
}

std::string Metrics::render() const {
  auto families = registry_->Collect();
  for (auto& family : process_.Collect()) families.push_back(std::move(family));
  return to_prometheus_text(families);
}

void Metrics::set_component_state(const std::string& component, State state, TimePoint since) {
  for (State s : kAllStates) {
    component_state_.Add({{"component", component}, {"state", std::string(label_of(s))}})
        .Set(s == state ? 1 : 0);
  }
  component_since_.Add({{"component", component}}).Set(config::unix_seconds(since));
}

void Metrics::set_overall_state(State state) {
  for (State s : kAllStates) {
    overall_state_.Add({{"state", std::string(label_of(s))}}).Set(s == state ? 1 : 0);
  }
}

ProbeSeries Metrics::probe_series(const std::string& component, const std::string& probe,
                                  std::string_view kind) {
  ProbeSeries series;
  series.metrics_ = this;
  series.labels_ = {{"component", component}, {"probe", probe}, {"kind", std::string(kind)}};
  series.success_ = &probe_success_.Add(series.labels_);
  series.duration_ = &probe_duration_.Add(series.labels_, duration_buckets());
  series.last_run_ = &probe_last_run_.Add(series.labels_);
  std::lock_guard lock(mutex_);
  probe_kinds_[component][probe] = std::string(kind);
  return series;
}

void ProbeSeries::observe(const probes::ProbeResult& result, double seconds) {
  success_->Set(result.status == probes::ProbeStatus::Healthy ? 1 : 0);
  duration_->Observe(seconds);
  auto& runs = runs_[static_cast<std::size_t>(result.status)];
  if (runs == nullptr) {
    auto with_status = labels_;
    with_status["status"] = std::string(probes::to_string(result.status));
    runs = &metrics_->probe_runs_.Add(with_status);
  }
  runs->Increment();
  last_run_->Set(config::unix_seconds(Clock::now()));
  auto labels = [this] {  // measurements carry no kind label
    return prometheus::Labels{{"component", labels_.at("component")}, {"probe", labels_.at("probe")}};
  };
  for (const auto& m : result.measurements) {
    if (!valid_metric_suffix(m.name)) continue;
    if (m.name.ends_with("_total")) {
      auto it = std::find_if(totals_.begin(), totals_.end(),
                             [&](const auto& t) { return t.first == m.name; });
      if (it == totals_.end()) {
        totals_.emplace_back(m.name, &metrics_->total_family(m.name).Add(labels()));
        it = totals_.end() - 1;
      }
      if (m.value > it->second->Value()) it->second->Increment(m.value - it->second->Value());
      continue;
    }
    auto it = std::find_if(gauges_.begin(), gauges_.end(),
                           [&](const auto& g) { return g.name == m.name; });
    if (it == gauges_.end()) {
      auto& family = metrics_->measurement_family(m.name);
      gauges_.push_back({m.name, &family, &family.Add(labels())});
      it = gauges_.end() - 1;
    }
    it->gauge->Set(m.value);
  }
  // A measurement this result left out no longer holds (every backup corrupt: no oldest
  // restorable one): its series goes, as docs/metrics.md promises. *_total counters stay. An
  // Unknown result (timed out, abandoned, could not decide) says nothing about the target, so
  // the last known figures stay: an RPO alert must not resolve because one check hung.
  if (result.status == probes::ProbeStatus::Unknown) return;
  std::erase_if(gauges_, [&](const MeasurementGauge& gauge) {
    const bool reported =
        std::any_of(result.measurements.begin(), result.measurements.end(),
                    [&](const probes::Measurement& m) { return m.name == gauge.name; });
    if (!reported) gauge.family->Remove(gauge.gauge);
    return !reported;
  });
}

void Metrics::count_action(const std::string& component, const std::string& action, bool ok,
                           double times) {
  const std::string result = ok ? "success" : "failure";
  actions_.Add({{"component", component}, {"action", action}, {"result", result}}).Increment(times);
  std::lock_guard lock(mutex_);
  action_series_[component].emplace(action, result);
}

void Metrics::count_alert(const std::string& alert, std::string_view result) {
  alerts_sent_.Add({{"alert", alert}, {"result", std::string(result)}}).Increment();
}

void Metrics::set_alerts_failed(const std::string& alert, double failed) {
  alerts_failed_.Add({{"alert", alert}}).Set(failed);
}

void Metrics::set_alerts_pending(const std::string& alert, double pending) {
  alerts_pending_.Add({{"alert", alert}}).Set(pending);
}

void Metrics::count_reload(bool ok) {
  reloads_.Add({{"result", ok ? "success" : "failure"}}).Increment();
  last_reload_successful_.Set(ok ? 1 : 0);
  if (ok) last_reload_success_.Set(config::unix_seconds(Clock::now()));
}

prometheus::Family<prometheus::Counter>& Metrics::total_family(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = totals_.find(name);
  if (it != totals_.end()) return *it->second;
  auto& family = BuildCounter()
                     .Name("watchdog_" + name)
                     .Help("Probe-reported running total " + name)
                     .Register(*registry_);
  totals_.emplace(name, &family);
  return family;
}

prometheus::Family<prometheus::Gauge>& Metrics::measurement_family(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = measurements_.find(name);
  if (it != measurements_.end()) return *it->second;
  auto& family = BuildGauge()
                     .Name("watchdog_" + name)
                     .Help("Probe measurement " + name + " from the latest check")
                     .Register(*registry_);
  measurements_.emplace(name, &family);
  return family;
}

void Metrics::forget_probe(const std::string& component, const std::string& probe,
                           std::string_view kind) {
  const prometheus::Labels labels = {
      {"component", component}, {"probe", probe}, {"kind", std::string(kind)}};
  probe_success_.Remove(&probe_success_.Add(labels));
  probe_duration_.Remove(&probe_duration_.Add(labels, duration_buckets()));
  probe_last_run_.Remove(&probe_last_run_.Add(labels));
  for (const auto& status : {"healthy", "degraded", "unhealthy", "unknown"}) {
    auto with_status = labels;
    with_status["status"] = status;
    probe_runs_.Remove(&probe_runs_.Add(with_status));
  }
  std::lock_guard lock(mutex_);
  for (auto& [name, family] : measurements_) {
    family->Remove(&family->Add({{"component", component}, {"probe", probe}}));
  }
  for (auto& [name, family] : totals_) {
    family->Remove(&family->Add({{"component", component}, {"probe", probe}}));
  }
  probe_kinds_[component].erase(probe);
}

void Metrics::forget_component(const std::string& component) {
  std::map<std::string, std::string> probes;
  std::set<std::pair<std::string, std::string>> actions;
  {
    std::lock_guard lock(mutex_);
    probes = probe_kinds_[component];
    probe_kinds_.erase(component);
    actions = std::move(action_series_[component]);
    action_series_.erase(component);
  }
  for (const auto& [probe, kind] : probes) forget_probe(component, probe, kind);
  for (const auto& [action, result] : actions) {
    actions_.Remove(
        &actions_.Add({{"component", component}, {"action", action}, {"result", result}}));
  }
  for (State s : kAllStates) {
    component_state_.Remove(
        &component_state_.Add({{"component", component}, {"state", std::string(label_of(s))}}));
  }
  component_since_.Remove(&component_since_.Add({{"component", component}}));
}

}  // namespace watchdog::core

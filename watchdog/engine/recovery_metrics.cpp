#include "watchdog/engine/recovery_metrics.h"

#include <array>

namespace watchdog::core {
namespace {

// Incident durations: seconds to a day.
constexpr std::array<double, 15> kIncidentBuckets = {1,   5,    10,   30,   60,    120,   300,  600,
                                                     900, 1800, 3600, 7200, 14400, 43200, 86400};

double seconds(std::chrono::milliseconds elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

Cell& single_gauge(MetricsStore& store, const char* name, const char* help) {
  return store.global(store.add_global(name, help, MetricType::Gauge), {});
}

}  // namespace

RecoveryMetrics::RecoveryMetrics(Metrics& metrics)
    : store_(metrics.store()),
      incidents_open_(store_.add_component(
          "watchdog_incidents_open",
          "Open incidents: components that left HEALTHY and are not back", MetricType::Gauge)),
      time_to_detect_(store_.add_component_histogram(
          "watchdog_incident_time_to_detect_seconds",
          "From the first failing probe result to CRITICAL", kIncidentBuckets)),
      time_to_recover_(store_.add_component_histogram(
          "watchdog_incident_time_to_recover_seconds",
          "From CRITICAL to HEALTHY again: the measured RTO", kIncidentBuckets)),
      muted_(store_.add_component("watchdog_component_muted",
                                  "1 while a pause or maintenance window mutes actions and alerts",
                                  MetricType::Gauge)),
      held_(store_.add_component("watchdog_component_held",
                                 "1 while recovery actions are held (dependency, mute, not leader)",
                                 MetricType::Gauge)),
      flapping_(store_.add_component(
          "watchdog_component_flapping",
          "1 while the component flaps: one FLAPPING alert stands for its changes",
          MetricType::Gauge)),
      leader_(single_gauge(store_, "watchdog_leader",
                           "1 when this replica holds the leader lock (or none is configured)")),
      running_(single_gauge(store_, "watchdog_recoveries_running", "Recovery actions running now")),
      queued_(single_gauge(store_, "watchdog_recoveries_queued",
                           "Recovery actions waiting for max_concurrent_recoveries")) {
  leader_.set(1);
  running_.set(0);
  queued_.set(0);
}

void RecoveryMetrics::set_incident_open(const std::string& component, bool open) {
  store_.set(incidents_open_, component, open ? 1 : 0);
}

void RecoveryMetrics::observe_time_to_detect(const std::string& component,
                                             std::chrono::milliseconds elapsed) {
  store_.observe(time_to_detect_, component, seconds(elapsed));
}

void RecoveryMetrics::observe_time_to_recover(const std::string& component,
                                              std::chrono::milliseconds elapsed) {
  store_.observe(time_to_recover_, component, seconds(elapsed));
}

void RecoveryMetrics::set_muted(const std::string& component, bool muted) {
  store_.set(muted_, component, muted ? 1 : 0);
}

void RecoveryMetrics::set_held(const std::string& component, bool held) {
  store_.set(held_, component, held ? 1 : 0);
}

void RecoveryMetrics::set_flapping(const std::string& component, bool flapping) {
  store_.set(flapping_, component, flapping ? 1 : 0);
}

void RecoveryMetrics::set_leader(bool leader) { leader_.set(leader ? 1 : 0); }

void RecoveryMetrics::set_recoveries(int running, int queued) {
  running_.set(running);
  queued_.set(queued);
}

void RecoveryMetrics::forget_component(const std::string& component) {
  for (FamilyId family :
       {incidents_open_, time_to_detect_, time_to_recover_, muted_, held_, flapping_}) {
    store_.remove(family, component);
  }
}

}  // namespace watchdog::core

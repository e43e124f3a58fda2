#include "watchdog/engine/recovery_metrics.h"

namespace watchdog::core {
namespace {

using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// Incident durations: seconds to a day.
const prometheus::Histogram::BucketBoundaries& incident_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400};
  return buckets;
}

double seconds(std::chrono::milliseconds elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

}  // namespace

RecoveryMetrics::RecoveryMetrics(Metrics& metrics)
    : incidents_open_(BuildGauge()
                          .Name("watchdog_incidents_open")
                          .Help("Open incidents: components that left HEALTHY and are not back")
                          .Register(metrics.registry())),
      time_to_detect_(BuildHistogram()
                          .Name("watchdog_incident_time_to_detect_seconds")
                          .Help("From the first failing probe result to CRITICAL")
                          .Register(metrics.registry())),
      time_to_recover_(BuildHistogram()
                           .Name("watchdog_incident_time_to_recover_seconds")
                           .Help("From CRITICAL to HEALTHY again: the measured RTO")
                           .Register(metrics.registry())),
      muted_(BuildGauge()
                 .Name("watchdog_component_muted")
                 .Help("1 while a pause or maintenance window mutes actions and alerts")
                 .Register(metrics.registry())),
      held_(BuildGauge()
                .Name("watchdog_component_held")
                .Help("1 while recovery actions are held (dependency, mute, not leader)")
                .Register(metrics.registry())),
      leader_(BuildGauge()
                  .Name("watchdog_leader")
                  .Help("1 when this replica holds the leader lock (or none is configured)")
                  .Register(metrics.registry())
                  .Add({})),
      running_(BuildGauge()
                   .Name("watchdog_recoveries_running")
                   .Help("Recovery actions running now")
                   .Register(metrics.registry())
                   .Add({})),
      queued_(BuildGauge()
                  .Name("watchdog_recoveries_queued")
                  .Help("Recovery actions waiting for max_concurrent_recoveries")
                  .Register(metrics.registry())
                  .Add({})) {
  leader_.Set(1);
}

void RecoveryMetrics::set_incident_open(const std::string& component, bool open) {
  incidents_open_.Add({{"component", component}}).Set(open ? 1 : 0);
}

void RecoveryMetrics::observe_time_to_detect(const std::string& component,
                                             std::chrono::milliseconds elapsed) {
  time_to_detect_.Add({{"component", component}}, incident_buckets()).Observe(seconds(elapsed));
}

void RecoveryMetrics::observe_time_to_recover(const std::string& component,
                                              std::chrono::milliseconds elapsed) {
  time_to_recover_.Add({{"component", component}}, incident_buckets()).Observe(seconds(elapsed));
}

void RecoveryMetrics::set_muted(const std::string& component, bool muted) {
  muted_.Add({{"component", component}}).Set(muted ? 1 : 0);
}

void RecoveryMetrics::set_held(const std::string& component, bool held) {
  held_.Add({{"component", component}}).Set(held ? 1 : 0);
}

void RecoveryMetrics::set_leader(bool leader) { leader_.Set(leader ? 1 : 0); }

void RecoveryMetrics::set_recoveries(int running, int queued) {
  running_.Set(running);
  queued_.Set(queued);
}

void RecoveryMetrics::forget_component(const std::string& component) {
  const prometheus::Labels labels = {{"component", component}};
  incidents_open_.Remove(&incidents_open_.Add(labels));
  time_to_detect_.Remove(&time_to_detect_.Add(labels, incident_buckets()));
  time_to_recover_.Remove(&time_to_recover_.Add(labels, incident_buckets()));
  muted_.Remove(&muted_.Add(labels));
  held_.Remove(&held_.Add(labels));
}

}  // namespace watchdog::core

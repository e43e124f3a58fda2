#include "probes/backup/anomaly_checks.h"

namespace watchdog::probes::backup {

AnomalySettings read_anomaly_settings(config::Options& options, bool with_duration) {
  AnomalySettings settings;
  settings.history =
      static_cast<int>(options.integer_or("anomaly_history", settings.history, kMinPrevious, 100));
  settings.min_ratio = options.ratio_or("min_ratio", settings.min_ratio);
  if (with_duration) {
    settings.min_duration_ratio =
        options.ratio_or("min_duration_ratio", settings.min_duration_ratio);
  }
  return settings;
}

std::chrono::milliseconds read_grace(config::Options& options) {
  const auto grace = options.duration_or("grace", kDefaultGrace);
  if (grace.count() < 0) options.fail("grace", "must not be negative");
  return grace;
}

void add_anomaly_measurements(const HistoryVerdict& verdict,
                              const std::optional<Lateness>& lateness,
                              std::vector<Measurement>& out) {
  if (verdict.usual_size_bytes)
    out.push_back({"backup_usual_size_bytes", *verdict.usual_size_bytes});
  if (verdict.size_ratio) out.push_back({"backup_size_ratio", *verdict.size_ratio});
  if (verdict.usual_duration_seconds) {
    out.push_back({"backup_usual_duration_seconds", *verdict.usual_duration_seconds});
  }
  if (lateness) {
    out.push_back({"backup_late_seconds", static_cast<double>(lateness->late.count())});
  }
}

std::optional<ProbeResult> anomaly_result(const HistoryVerdict& verdict,
                                          const std::optional<Lateness>& lateness) {
  std::string detail;
  for (const auto& anomaly : verdict.anomalies) detail += (detail.empty() ? "" : "; ") + anomaly;
  if (lateness && lateness->anomaly) detail += (detail.empty() ? "" : "; ") + *lateness->anomaly;
  if (detail.empty()) return std::nullopt;
  return degraded(FailureKind::Threshold, detail);
}

}  // namespace watchdog::probes::backup

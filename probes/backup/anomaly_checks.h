#pragma once
// What the `backup` and `backup_age` probes share about backup anomalies (issue #18): reading
// their keys, and turning a history verdict and a schedule's lateness into measurements and a
// verdict. The judging itself is pure (backup_anomaly.h, backup_lateness.h).
//
// Keys (both kinds): anomaly_history (previous backups compared, default 7, 3–100),
// min_ratio (of the usual size, default 0.5; 0 = off), grace (how late a scheduled run may
// start, default 30m; only with a schedule). `backup` also: min_duration_ratio (default 0.25;
// 0 = off). `backup_age` also: schedule (cron), time_zone (IANA, default UTC) and settle, read
// by the probe.
//
// Measurements: backup_usual_size_bytes and backup_size_ratio (from 3 previous backups on),
// backup_usual_duration_seconds (`backup`, from 3 previous backups with a known duration on),
// backup_late_seconds
// (with a schedule).

#include <chrono>
#include <optional>
#include <vector>

#include "config/options.h"
#include "probes/backup/backup_anomaly.h"
#include "probes/backup/backup_lateness.h"
#include "probes/probe.h"

namespace watchdog::probes::backup {

inline constexpr std::chrono::minutes kDefaultGrace{30};

// anomaly_history, min_ratio and, when `with_duration`, min_duration_ratio. Throws
// config::ConfigError.
AnomalySettings read_anomaly_settings(config::Options& options, bool with_duration);
// grace (>= 0).
std::chrono::milliseconds read_grace(config::Options& options);

// Adds the measurements of `verdict` and `lateness` (none without a schedule) to `out`.
void add_anomaly_measurements(const HistoryVerdict& verdict,
                              const std::optional<Lateness>& lateness,
                              std::vector<Measurement>& out);

// Degraded (Threshold) with the anomalies joined by "; " when there is one; nothing otherwise.
// Callers use it only where the result would otherwise be Healthy: a small or late backup is
// suspicious, not proven bad, and never hides an Unhealthy verdict.
std::optional<ProbeResult> anomaly_result(const HistoryVerdict& verdict,
                                          const std::optional<Lateness>& lateness);

}  // namespace watchdog::probes::backup

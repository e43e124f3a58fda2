#pragma once
// `disk`: how full a filesystem is, in space and in inodes (statvfs), and when it will be full.
//
// Keys: path (default "/"), warn (ratio, default 80%), critical (default 90%),
// inodes_warn (default = warn), inodes_critical (default = critical); warn ≤ critical.
// Time to full: full_in (default true; false turns it off), full_in_warn (duration, default
// 48h), full_in_critical (default 24h; Netdata's defaults; full_in_warn ≥ full_in_critical),
// full_in_window (default 6h: the growth rate is fitted over this much history).
// Space is counted like df: used / (used + available to unprivileged users), so the root
// reserve counts as used. A ratio ≥ critical → Unhealthy (Threshold), ≥ warn → Degraded.
// Time to full = available bytes / growth rate (DiskTrend: least squares over the window, one
// sample per check, kept across restarts as the probe's memory); full in < full_in_critical →
// Unhealthy (Threshold) "/data … full in 5h12m at +1.2 GiB/h (critical under 24h)" once the
// history spans half the window (3h at 6h: a critical verdict runs the recovery ladder, so it
// waits for a settled rate), Degraded "… (under 24h; critical once the history spans 3h)"
// before that; < full_in_warn → Degraded. Worst wins, critical before warn; at one level space,
// then inodes, then time to full name the cause.
// Memory: the history (DiskTrend::encode) with every result; "" once (forget it) when full_in
// is off or the history is empty after the probe had one. Forward wall-clock steps are seen
// against CLOCK_BOOTTIME (DiskTrend: the history starts afresh).
// Measurements: disk_used_ratio, disk_inodes_used_ratio (0 on filesystems without inodes),
// disk_free_bytes (available to unprivileged users), disk_total_bytes; with an estimate only
// (none while the history is too short or the disk is not filling): disk_full_in_seconds,
// disk_growth_bytes_per_second.
//
// statvfs() cannot be given a deadline: on a dead network mount it may block past `timeout`;
// the worker's guard covers that case.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "config/options.h"
#include "probes/disk_trend.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

class DiskProbe final : public GuardedProbe {
 public:
  struct Settings {
    std::filesystem::path path = "/";
    double warn = 0.8;
    double critical = 0.9;
    double inodes_warn = 0.8;
    double inodes_critical = 0.9;
    bool full_in = true;
    std::chrono::milliseconds full_in_warn = std::chrono::hours(48);
    std::chrono::milliseconds full_in_critical = std::chrono::hours(24);
    std::chrono::milliseconds full_in_window = std::chrono::hours(6);
  };

  // What one statvfs() showed.
  struct Usage {
    double used_ratio = 0;
    double inodes_ratio = 0;
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);
  // The verdict and detail for one reading (pure; the order described above).
  static ProbeResult judge(const Settings& settings, const Usage& usage,
                           const std::optional<DiskTrend::Estimate>& trend);

  DiskProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "disk"; }
  // The growth history of the same path (another path's is ignored).
  void restore_memory(std::string_view memory) noexcept override;

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  Settings settings_;
  std::optional<DiskTrend> trend_;  // none with full_in: false
  bool has_memory_ = false;         // given one, or sent one: "" forgets it
};

}  // namespace watchdog::probes

#pragma once
// `disk`: how full a filesystem is, in space and in inodes (statvfs).
//
// Keys: path (default "/"), warn (ratio, default 80%), critical (default 90%),
// inodes_warn (default = warn), inodes_critical (default = critical); warn ≤ critical.
// Space is counted like df: used / (used + available to unprivileged users), so the root
// reserve counts as used. A ratio ≥ critical → Unhealthy (Threshold), ≥ warn → Degraded.
// Measurements: disk_used_ratio, disk_inodes_used_ratio (0 on filesystems without inodes),
// disk_free_bytes (available to unprivileged users), disk_total_bytes.
//
// statvfs() cannot be given a deadline: on a dead network mount it may block past `timeout`;
// the worker's guard covers that case.

#include <filesystem>
#include <memory>
#include <string>

#include "config/options.h"
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
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  DiskProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "disk"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  Settings settings_;
};

}  // namespace watchdog::probes

#pragma once
// `backup_age`: is the newest backup in a directory recent enough (RPO) and non-trivial?
//
// Keys: directory (required, absolute), pattern (fnmatch glob on file names, default "*"),
// rpo (required duration > 0), min_size (size, default 1 byte: an empty file fails).
// Only regular files directly in `directory` count (symlinks are followed, no recursion).
// The glob behaves like a shell's: "*" does not match names starting with '.', so hidden
// temporary files of rsync/rclone uploads are ignored unless the pattern starts with '.'.
//
// The newest matching file (by mtime) decides: age > rpo or size < min_size → Unhealthy
// (Threshold); missing directory or no match → Unhealthy (NotFound).
// Measurements: backup_files (matching count, always), backup_age_seconds and
// backup_size_bytes (of the newest, when one exists). Directory and file names are not secret
// and appear in the detail.
//
// The directory listing stops at `timeout` (Unhealthy, Timeout); a single blocking stat() on a
// dead mount cannot be interrupted and is left to the worker's guard.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "config/options.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

class BackupAgeProbe final : public GuardedProbe {
 public:
  struct Settings {
    std::filesystem::path directory;
    std::string pattern = "*";
    std::chrono::milliseconds rpo{0};
    std::uint64_t min_size = 1;
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  BackupAgeProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "backup_age"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  ProbeResult scan(std::chrono::steady_clock::time_point deadline) const;
  Settings settings_;
};

}  // namespace watchdog::probes

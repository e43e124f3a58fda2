#pragma once
// DiskTrend: how fast a filesystem fills, from a short history of its available bytes.
//
// One sample per check (wall-clock time, since the history outlives a restart through the
// probe's memory, and df's Avail). The growth rate is the least-squares slope of available
// bytes over time across the window (a straight line through every sample, not the last two:
// a log rotation or a temporary file moves it a little, not all the way); time to full is the
// latest available bytes divided by that rate. Pure: no I/O, no clock reads — the caller
// passes the time in.
//
// No estimate when:
//  - fewer than kMinSamples samples, or they span less than kMinSpanPercent of the window:
//    two samples a few seconds apart (a restart, a burst of writes) say nothing about the
//    next day; 10 % of the default 6 h window is 36 minutes of steady growth;
//  - the disk is not filling (slope ≥ 0: shrinking or flat).
//
// Bounded: samples older than the window (counted from the newest) are dropped, and beyond
// kMaxSamples the sample closest to its neighbours is thinned out, so what is left stays about
// evenly spread over the window and the fitted line stays the same for steady growth.
//
// A clock stepped back: samples newer than the one just added are dropped (the history stays
// in time order).
//
// Thread-safety: none (one per probe; a probe is never checked concurrently).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace watchdog::probes {

class DiskTrend {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Seconds = std::chrono::duration<double>;

  struct Sample {
    TimePoint at;
    double available_bytes = 0;
  };
  struct Estimate {
    double growth_bytes_per_second = 0;  // > 0
    Seconds full_in{0};                  // latest available bytes / growth; 0 = full already
  };

  static constexpr std::size_t kMinSamples = 3;
  static constexpr int kMinSpanPercent = 10;       // of the window
  static constexpr std::size_t kMaxSamples = 720;  // 6 h at one check every 30 s

  explicit DiskTrend(std::chrono::milliseconds window, std::size_t max_samples = kMaxSamples);

  void add(TimePoint at, double available_bytes);
  std::optional<Estimate> estimate() const;
  const std::vector<Sample>& samples() const { return samples_; }
  std::chrono::milliseconds window() const { return window_; }

  // The samples as compact JSON for the probe's memory, tagged with what they measure (the
  // path): {"of": "/data", "samples": [[epoch ms, bytes], …]}. restore() replaces the history
  // with what it reads (sorted, thinned to the cap; pruned with the next add()) and returns
  // true; malformed text or samples of something else leave the history as it was (false).
  std::string encode(const std::string& of) const;
  bool restore(std::string_view encoded, const std::string& of);

 private:
  void prune(TimePoint newest);
  void thin();

  std::chrono::milliseconds window_;
  std::size_t max_samples_;
  std::vector<Sample> samples_;  // oldest first
};

}  // namespace watchdog::probes

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
// An estimate carries the span it was fitted over: the disk probe calls it critical only from
// kSettledSpanPercent of the window on (3 h at 6 h), a warning before that.
//
// Bounded: samples older than the window (counted from the newest) are dropped, and beyond
// max_samples the sample closest to its neighbours is thinned out, so what is left stays about
// evenly spread over the window and the fitted line stays the same for steady growth. A
// restored history is pruned to its window first, then thinned in one pass (evenly spaced
// samples); one with more than kMaxRestoredFactor × max_samples entries is refused.
//
// Wall-clock steps: a clock stepped back drops the samples newer than the one just added (the
// history stays in time order). A clock stepped forward would stretch the history (the growth
// looks slower, the samples before the step may leave the window at once): when the caller
// passes a reading of a clock that is never stepped (CLOCK_BOOTTIME), a wall-clock advance more
// than kMaxClockStep beyond it between two consecutive samples of this process starts the
// history afresh. A step while the watchdog was not running cannot be seen.
//
// Thread-safety: none (one per probe; a probe is never checked concurrently).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
    Seconds span{0};                     // from the oldest sample to the newest
  };

  static constexpr std::size_t kMinSamples = 3;
  static constexpr int kMinSpanPercent = 10;       // of the window, for any estimate
  static constexpr int kSettledSpanPercent = 50;   // of the window, for a critical verdict
  static constexpr std::size_t kMaxSamples = 720;  // 6 h at one check every 30 s
  static constexpr std::size_t kMaxRestoredFactor = 4;
  static constexpr std::chrono::seconds kMaxClockStep{5};
  static constexpr double kMaxBytes = 0x1p63;  // what an int64 (and the memory) can hold

  explicit DiskTrend(std::chrono::milliseconds window, std::size_t max_samples = kMaxSamples);

  // `never_stepped`: the same instant on a clock that is never stepped (time since boot), to
  // see forward wall-clock steps; without it they go unnoticed. Negative bytes count as 0.
  void add(TimePoint at, double available_bytes,
           std::optional<std::chrono::nanoseconds> never_stepped = std::nullopt);
  std::optional<Estimate> estimate() const;
  const std::vector<Sample>& samples() const { return samples_; }
  std::chrono::milliseconds window() const { return window_; }

  // The samples as compact JSON for the probe's memory, tagged with what they measure (the
  // path): {"of": "/data", "samples": [[epoch ms, bytes], …]}. restore() replaces the history
  // with what it reads (sorted, pruned to the window of its newest sample, thinned to the cap)
  // and returns true; malformed text, too many samples, bytes out of [0, 2^63) or samples of
  // something else leave the history as it was (false).
  std::string encode(const std::string& of) const;
  bool restore(std::string_view encoded, const std::string& of);

 private:
  void prune(TimePoint newest);
  void thin();
  void drop_narrowest();
  void keep_evenly_spaced();

  std::chrono::milliseconds window_;
  std::size_t max_samples_;
  std::vector<Sample> samples_;  // oldest first
  // The latest add() that came with a never-stepped reading: (wall clock, that reading).
  std::optional<std::pair<TimePoint, std::chrono::nanoseconds>> last_added_;
};

}  // namespace watchdog::probes

#pragma once
// Is the newest backup suspiciously small or fast compared with the ones before it? (issue #18;
// healthchecks.io's long-standing request "alert when a backup is too small / too fast".)
// Pure: the probes read the catalog or the directory and hand over the figures; no I/O, no clock.
//
// The newest backup is compared with the median of up to `history` previous ones (the median,
// not the mean, so that one odd backup among them does not move "the usual"). With fewer than
// kMinPrevious previous backups nothing is judged and no usual figure is reported: two points
// make no habit.
//   size < min_ratio × usual size                                    → an anomaly
//   duration < min_duration_ratio × usual duration, usual ≥ 1 s      → an anomaly (short dumps
//                                                                      vary by noise alone)
// A ratio of 0 turns its check off; a ratio exactly at the threshold is not an anomaly.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace watchdog::probes::backup {

// What the probes know of one backup: a `backup` catalog entry has both figures, a
// `backup_age` file only its size.
struct BackupSample {
  std::string name;  // "main_20261204T030000Z", or a file name
  std::uint64_t size_bytes = 0;
  std::optional<double> duration_seconds;  // start → finish, when known
};

struct AnomalySettings {
  int history = 7;                   // previous backups the newest is compared with
  double min_ratio = 0.5;            // of the usual size; 0 = off
  double min_duration_ratio = 0.25;  // of the usual duration; 0 = off
};

inline constexpr int kMinPrevious = 3;
inline constexpr double kMinUsualDurationSeconds = 1.0;

struct HistoryVerdict {
  std::optional<double> usual_size_bytes;        // the median size of the previous ones
  std::optional<double> size_ratio;              // newest / usual (absent when usual is 0)
  std::optional<double> usual_duration_seconds;  // median of the previous known durations
  // One line per anomaly found, size first: "main_20261204T030000Z is 2.1 MiB, 38 % of the
  // usual 5.5 MiB", "main_20261204T030000Z took 0.4 s, 11 % of the usual 3.5 s". Empty: none.
  std::vector<std::string> anomalies;
};

// `oldest_first`: the backups in order, the newest last. Empty input → an empty verdict.
HistoryVerdict judge_history(const std::vector<BackupSample>& oldest_first,
                             const AnomalySettings& settings);

// The median (the mean of the two middle values for an even count); nothing for no values.
std::optional<double> median(std::vector<double> values);

// size as a whole percentage of usual_size, rounded down in integers (usual_size is a median of
// byte counts: whole or ending in .5), so that a size below a 50 % threshold never reads "50 %".
std::uint64_t size_percent(std::uint64_t size, double usual_size);
// The same for durations: rounded down, never up, whatever the binary fractions do.
long long duration_percent(double seconds, double usual_seconds);

// "0.4 s", "3.5 s" below a minute; "5 min 3 s" from there on (config::human_duration).
std::string format_seconds(double seconds);

}  // namespace watchdog::probes::backup

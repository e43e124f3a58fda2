#include "probes/backup/backup_anomaly.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "config/time_text.h"
#include "config/units.h"

namespace watchdog::probes::backup {

std::optional<double> median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2;
}

std::uint64_t size_percent(std::uint64_t size, double usual_size) {
  constexpr auto kExactUpTo = std::numeric_limits<std::uint64_t>::max() / 200;
  if (size <= kExactUpTo && usual_size <= static_cast<double>(kExactUpTo)) {
    const auto usual_halves = static_cast<std::uint64_t>(std::llround(usual_size * 2));
    return usual_halves == 0 ? 0 : size * 200 / usual_halves;
  }
  // Beyond 92 PB the product would overflow; a long double is exact enough there.
  return static_cast<std::uint64_t>(std::floor(static_cast<long double>(size) * 100 /
                                               static_cast<long double>(usual_size)));
}

long long duration_percent(double seconds, double usual_seconds) {
  if (usual_seconds <= 0) return 0;
  auto percent = static_cast<long long>(std::floor(seconds * 100 / usual_seconds));
  // The division may round up onto the next whole number; step back until it is not above.
  while (percent > 0 && static_cast<double>(percent) * usual_seconds > seconds * 100) --percent;
  return percent;
}

std::string format_seconds(double seconds) {
  if (seconds < 60) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
    return buffer;
  }
  return config::human_duration(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds)));
}

HistoryVerdict judge_history(const std::vector<BackupSample>& oldest_first,
                             const AnomalySettings& settings) {
  HistoryVerdict verdict;
  if (oldest_first.empty()) return verdict;
  const BackupSample& newest = oldest_first.back();
  const auto previous_count =
      std::min<std::size_t>(oldest_first.size() - 1, static_cast<std::size_t>(settings.history));
  std::vector<double> sizes, durations;
  for (auto it = oldest_first.end() - 1 - static_cast<std::ptrdiff_t>(previous_count);
       it != oldest_first.end() - 1; ++it) {
    sizes.push_back(static_cast<double>(it->size_bytes));
    if (it->duration_seconds) durations.push_back(*it->duration_seconds);
  }

  if (sizes.size() >= kMinPrevious) {
    const double usual = *median(sizes);
    const double size = static_cast<double>(newest.size_bytes);
    verdict.usual_size_bytes = usual;
    if (usual > 0) verdict.size_ratio = size / usual;
    if (settings.min_ratio > 0 && size < settings.min_ratio * usual) {
      verdict.anomalies.push_back(newest.name + " is " + config::format_size(newest.size_bytes) +
                                  ", " + std::to_string(size_percent(newest.size_bytes, usual)) +
                                  " % of the usual " +
                                  config::format_size(static_cast<std::uint64_t>(usual)));
    }
  }
  if (durations.size() >= kMinPrevious) {
    const double usual = *median(durations);
    verdict.usual_duration_seconds = usual;
    if (settings.min_duration_ratio > 0 && usual >= kMinUsualDurationSeconds &&
        newest.duration_seconds && *newest.duration_seconds < settings.min_duration_ratio * usual) {
      verdict.anomalies.push_back(newest.name + " took " +
                                  format_seconds(*newest.duration_seconds) + ", " +
                                  std::to_string(duration_percent(*newest.duration_seconds, usual)) +
                                  " % of the usual " + format_seconds(usual));
    }
  }
  return verdict;
}

}  // namespace watchdog::probes::backup

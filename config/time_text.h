#pragma once
// Time points and durations as text, in one place for every library (config/ is the lowest
// layer): RFC 3339 timestamps for JSON, APIs and logs, compact UTC stamps for file names and
// keys, Unix time for metrics and storage, and durations for one-line details and alerts.
// (config::format_duration in config/units.h is the other direction of the YAML units: "1h30m".)
//
// All functions are pure and thread-safe (gmtime_r/timegm, no locale, no global state). Times
// before 1970 round down to the whole second like after it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace watchdog::config {

using SystemTime = std::chrono::system_clock::time_point;

// `time` in UTC through a strftime pattern ("%Y-%m-%d", "%G-W%V", …), whole seconds.
std::string format_utc(SystemTime time, const char* pattern);
// "2026-11-22T06:14:55Z" (RFC 3339, UTC, whole seconds: the fraction is dropped).
std::string format_rfc3339(SystemTime time);
// "2026-11-22T06:14:55.870Z" (RFC 3339, UTC, always three fraction digits).
std::string format_rfc3339_ms(SystemTime time);
// "2026-11-22T06:14:55.870738Z" (RFC 3339, UTC, always six fraction digits): Kubernetes'
// MicroTime, which the API server parses with exactly six.
std::string format_rfc3339_us(SystemTime time);
// "20261122T061455Z" (ISO 8601 basic format, UTC, whole seconds): for file names and keys.
std::string format_utc_stamp(SystemTime time);

// "2026-11-22T06:14:55Z", "2026-11-22T06:14:55.870738214Z" (any fraction, nanoseconds kept),
// "2026-11-22T08:14:55+02:00" or "…-05:30" (offsets; lower-case 'z' too) → the instant;
// nothing for text that is not such a timestamp, for a missing zone, and for the year 0001
// (Docker's zero time "0001-01-01T00:00:00Z" means "never").
std::optional<SystemTime> parse_rfc3339(std::string_view text);

// Seconds since the Unix epoch with the fraction (Prometheus `_timestamp_seconds`).
double unix_seconds(SystemTime time);
// Whole milliseconds since the Unix epoch (SQLite columns, JSON state) and back.
std::int64_t epoch_ms(SystemTime time);
SystemTime from_epoch_ms(std::int64_t ms);

// A duration for one-line details, to a tenth of a second where it matters:
// "120 ms", "1.2 s", "60 s", "5 min 3 s", "5 min". A negative one (a clock step) stays in
// milliseconds: "-1500 ms".
std::string human_duration(std::chrono::nanoseconds duration);
// A short latency in milliseconds to a tenth, for probe details: "0.4 ms", "25.0 ms", "1500.0 ms".
std::string latency_ms(std::chrono::nanoseconds elapsed);
// A duration in its two largest units, for chat and paging messages: "45s", "3m 12s",
// "2h 05m", "3d 4h". Negative durations count as zero ("0s").
std::string coarse_duration(std::chrono::seconds duration);

}  // namespace watchdog::config

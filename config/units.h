#pragma once
// Parsing of the human units used in the YAML file. Each function throws std::invalid_argument
// with a short reason ("unknown unit 'x'"); the loader adds file, line, column and key.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace watchdog::config {

using Duration = std::chrono::milliseconds;

// "500ms", "90s", "5m", "1h30m", "2d", "1h 30m"; a bare number is not accepted (unit required).
// Units (ms, s, m, h, d; case-sensitive) go from largest to smallest, each at most once. Any part
// may be fractional ("1.5s", "0.5h") as long as the total is a whole number of milliseconds
// ("1.5ms" is an error). Negative values are errors.
Duration parse_duration(std::string_view text);
// "1024", "1KiB", "1MiB", "500MB", "2GB", "1.5GiB" → bytes (decimal k/M/G/T = 1000^n, Ki/Mi/Gi/Ti =
// 1024^n). Units are case-insensitive, the trailing B optional ("1k", "1Gi"), a space before the
// unit is allowed ("1.5 MiB"). Fractions are rounded to the nearest byte; bare numbers must be
// whole.
std::uint64_t parse_size(std::string_view text);
// "90%" → 0.9, "0.9" → 0.9; must lie in [0, 1]. No exponents.
double parse_ratio(std::string_view text);

// Inverse helpers for summaries and logs: "1h30m", "1.5 MiB", "90%". format_duration's output
// parses back exactly; the others round to one decimal.
std::string format_duration(Duration d);
std::string format_size(std::uint64_t bytes);
std::string format_ratio(double ratio);

}  // namespace watchdog::config

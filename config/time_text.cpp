#include "config/time_text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace watchdog::config {
namespace {

using namespace std::chrono;

// Whole seconds, rounded down (also before 1970, where to_time_t would round up).
std::time_t seconds_of(SystemTime time) {
  return static_cast<std::time_t>(floor<seconds>(time.time_since_epoch()).count());
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_utc(SystemTime time, const char* pattern) {
  const std::time_t seconds = seconds_of(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::ostringstream out;  // put_time: strftime with a pattern the compiler cannot check
  out << std::put_time(&utc, pattern);
  return out.str();
}

std::string format_rfc3339(SystemTime time) { return format_utc(time, "%Y-%m-%dT%H:%M:%SZ"); }

std::string format_rfc3339_ms(SystemTime time) {
  const auto ms = floor<milliseconds>(time.time_since_epoch()).count();
  const auto fraction = ((ms % 1000) + 1000) % 1000;
  return format_utc(time, "%Y-%m-%dT%H:%M:%S") + "." + std::to_string(1000 + fraction).substr(1) +
         "Z";
}

std::string format_rfc3339_us(SystemTime time) {
  const auto us = floor<microseconds>(time.time_since_epoch()).count();
  const auto fraction = ((us % 1000000) + 1000000) % 1000000;
  return format_utc(time, "%Y-%m-%dT%H:%M:%S") + "." +
         std::to_string(1000000 + fraction).substr(1) + "Z";
}

std::string format_utc_stamp(SystemTime time) { return format_utc(time, "%Y%m%dT%H%M%SZ"); }

std::optional<SystemTime> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS, then an optional fraction, then Z or ±HH:MM.
  std::tm parts{};
  int year = 0, month = 0;
  if (!digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, parts.tm_mday) ||
      text[10] != 'T' || !digits(text, 11, 2, parts.tm_hour) || text[13] != ':' ||
      !digits(text, 14, 2, parts.tm_min) || text[16] != ':' || !digits(text, 17, 2, parts.tm_sec) ||
      year <= 1) {
    return std::nullopt;
  }
  // SystemTime counts int64 nanoseconds: 1677-09-21 to 2262-04-11. Outside whole years of that
  // (or with a field timegm would carry into the next year) the conversion would overflow
  // (found by scripts/fuzz.sh: "0226-12-06T04:00:00Z").
  if (year < 1678 || year > 2261 || month < 1 || month > 12 || parts.tm_mday < 1 ||
      parts.tm_mday > 31 || parts.tm_hour > 23 || parts.tm_min > 59 || parts.tm_sec > 60) {
    return std::nullopt;
  }
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  std::size_t at = 19;
  nanoseconds fraction{0};
  if (at < text.size() && text[at] == '.') {
    long long scale = 100000000;
    for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
      fraction += nanoseconds((text[at] - '0') * scale);
      scale /= 10;
    }
  }
  seconds offset{0};
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int offset_hours = 0, offset_minutes = 0;
    if (!digits(text, at + 1, 2, offset_hours) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits(text, at + 4, 2, offset_minutes)) {
      return std::nullopt;
    }
    offset = hours(offset_hours) + minutes(offset_minutes);
    if (text[at] == '-') offset = -offset;
  } else if (at >= text.size() || (text[at] != 'Z' && text[at] != 'z')) {
    return std::nullopt;
  }
  const std::time_t utc_seconds = timegm(&parts);
  return SystemTime(duration_cast<SystemTime::duration>(seconds(utc_seconds) - offset + fraction));
}

double unix_seconds(SystemTime time) { return duration<double>(time.time_since_epoch()).count(); }

std::int64_t epoch_ms(SystemTime time) {
  return duration_cast<milliseconds>(time.time_since_epoch()).count();
}

SystemTime from_epoch_ms(std::int64_t ms) {
  return SystemTime(duration_cast<SystemTime::duration>(milliseconds(ms)));
}

std::string human_duration(nanoseconds duration) {
  const auto ms = duration_cast<milliseconds>(duration).count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 10000) {
    const auto tenths = (ms + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
  }
  if (ms < 120000) return std::to_string((ms + 500) / 1000) + " s";
  const auto s = (ms + 500) / 1000;
  return std::to_string(s / 60) + " min" + (s % 60 ? " " + std::to_string(s % 60) + " s" : "");
}

std::string latency_ms(nanoseconds elapsed) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f ms", duration<double, std::milli>(elapsed).count());
  return text;
}

std::string coarse_duration(seconds duration) {
  const long long total = std::max<long long>(0, duration.count());
  const long long days = total / 86400, whole_hours = total % 86400 / 3600;
  const long long whole_minutes = total % 3600 / 60, rest = total % 60;
  auto two = [](long long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (days > 0) return std::to_string(days) + "d " + std::to_string(whole_hours) + "h";
  if (whole_hours > 0) return std::to_string(whole_hours) + "h " + two(whole_minutes) + "m";
  if (whole_minutes > 0) return std::to_string(whole_minutes) + "m " + two(rest) + "s";
  return std::to_string(rest) + "s";
}

}  // namespace watchdog::config

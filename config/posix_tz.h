#pragma once
// The POSIX TZ rule string that ends a TZif v2+ file (RFC 8536 section 3.3), e.g.
// "CET-1CEST,M3.5.0,M10.5.0/3". It decides the local time after the file's last transition,
// which is how a zone file covers 2090 without listing every year. Private to config/; used by
// config/time_zone.cpp. Immutable after parse().

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace watchdog::config {

// One kind of local time: its offset from UTC, whether it is daylight-saving time, and its
// abbreviation ("CEST", "+0530").
struct LocalTimeType {
  std::int32_t utc_offset = 0;  // seconds east of UTC
  bool is_dst = false;
  std::string abbreviation;
};

class PosixTimeZoneRule {
 public:
  // Throws std::invalid_argument naming the problem ("expected an offset after 'CET'").
  // Accepts RFC 8536's extensions: transition times from -167 to 167 hours.
  static PosixTimeZoneRule parse(std::string_view text);

  // The local time type in effect at `t` (seconds since the epoch, UTC).
  const LocalTimeType& type_at(std::int64_t t) const;
  // The first instant after `t` at which a DST rule fires, or nothing without DST.
  std::optional<std::int64_t> next_change_after(std::int64_t t) const;

 private:
  // "Jn" (1-365, Feb 29 never counted), "n" (0-365, counted) or "Mm.w.d" (day d of week w of
  // month m; w = 5 means the last).
  struct DateRule {
    char kind = 'M';  // 'J', 'N' or 'M'
    int day = 0;      // Jn / n
    int month = 0, week = 0, weekday = 0;
    std::int32_t time = 2 * 3600;  // local wall-clock seconds after midnight
  };
  // The UTC instant at which `rule` fires in `year`, given the offset in effect just before it.
  static std::int64_t fires_at(const DateRule& rule, int year, std::int32_t offset_before);
  bool dst_at(std::int64_t t) const;

  LocalTimeType standard_;
  std::optional<LocalTimeType> daylight_;
  DateRule dst_start_;
  DateRule dst_end_;
};

}  // namespace watchdog::config

#pragma once
// TimeZone: an IANA time zone read from the system's zoneinfo files (TZif, RFC 8536), so that a
// maintenance window written as "0 3 * * *" in Europe/Berlin starts at 03:00 Berlin time in
// winter and summer alike. GCC 12's libstdc++ has no std::chrono time-zone database, and
// setenv("TZ")/localtime are process-global, so this small reader does the conversion itself.
//
// Names: "UTC" and "Etc/UTC" (built in, no file needed), fixed offsets "+02:00", "-0530", "+05",
// or an IANA name looked up under $TZDIR (default /usr/share/zoneinfo). Names with "..", empty
// or "." parts, a leading '/' or unusual characters are rejected before any file is opened.
//
// Local time and clock changes: when clocks go forward a stretch of local time never happens;
// when they go back it happens twice. first_instant_at_or_after() resolves both one way (see
// there). Immutable after load(), so safe to share between threads.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/posix_tz.h"

namespace watchdog::config {

class TimeZone {
 public:
  using SystemTime = std::chrono::system_clock::time_point;
  using LocalSeconds = std::chrono::local_seconds;

  // Throws std::invalid_argument with a message fit for the operator, e.g.
  // "unknown time zone 'Europe/Berln' (no file /usr/share/zoneinfo/Europe/Berln)".
  static std::shared_ptr<const TimeZone> load(const std::string& name);
  // The same, reading zone files under `zoneinfo_dir` (tests).
  static std::shared_ptr<const TimeZone> load(const std::string& name,
                                              const std::string& zoneinfo_dir);
  static std::shared_ptr<const TimeZone> utc();

  const std::string& name() const { return name_; }

  // Seconds east of UTC in effect at `t` (+3600 for Berlin in winter).
  std::chrono::seconds utc_offset(SystemTime t) const;
  // Broken-down local time at `t` (whole seconds), with tm_isdst, tm_gmtoff and tm_zone set;
  // tm_zone points into this object, so it is valid while the TimeZone lives.
  std::tm to_local(SystemTime t) const;
  LocalSeconds local_time(SystemTime t) const;

  // The earliest instant whose local time is `local` or later. So a local time that happens
  // once maps to that instant; one that happens twice (clocks set back) to its first
  // occurrence; one that never happens (clocks set forward) to the moment of the jump.
  SystemTime first_instant_at_or_after(LocalSeconds local) const;
  // The latest local time shown at any instant up to `t`: local_time(t), except just after
  // clocks were set back, when the earlier, later-looking times still count.
  LocalSeconds latest_local_time_until(SystemTime t) const;

 private:
  TimeZone() = default;
  static std::shared_ptr<const TimeZone> read_tzif(const std::string& name,
                                                   const std::string& bytes);
  const LocalTimeType& type_at(std::int64_t t) const;
  std::optional<std::int64_t> next_change_after(std::int64_t t) const;
  // Calls visit(begin, end, utc_offset) for each stretch of constant offset in [from, to).
  template <typename Visit>
  void for_each_stretch(std::int64_t from, std::int64_t to, Visit visit) const;

  std::string name_;
  std::vector<LocalTimeType> types_;           // never empty; types_[0] applies before the first
  std::vector<std::int64_t> transitions_;      // ascending UTC seconds
  std::vector<std::size_t> transition_types_;  // index into types_, one per transition
  std::optional<PosixTimeZoneRule> footer_;    // governs after the last transition
};

}  // namespace watchdog::config

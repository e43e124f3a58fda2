// libFuzzer target: the value parsers of config/ — durations, sizes, ratios, cron, POSIX TZ rules,
// RFC 3339 times — and the message escaper. The first byte picks the parser, the rest is its
// text. Errors must be std::invalid_argument; a duration that parses must survive
// format_duration → parse_duration unchanged (units.h promises it). Built by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "config/cron.h"
#include "config/posix_tz.h"
#include "config/text.h"
#include "config/time_text.h"
#include "config/units.h"

using namespace watchdog::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 7) {
      case 0: {
        const Duration parsed = parse_duration(text);
        if (parse_duration(format_duration(parsed)) != parsed) __builtin_trap();
        break;
      }
      case 1: (void)parse_size(text); break;
      case 2: (void)parse_ratio(text); break;
      case 3: (void)CronSchedule::parse(text); break;
      case 4: (void)PosixTimeZoneRule::parse(text); break;
      case 5: (void)parse_rfc3339(text); break;
      case 6:
        for (const char c : escape_unprintable(text)) {
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
        }
        break;
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

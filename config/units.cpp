#include "config/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>

#include "config/text.h"

namespace watchdog::config {
namespace {

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// A decimal number "12" or "1.5", split so that it can be scaled exactly.
struct Decimal {
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;  // digits after the point, as an integer
  std::uint64_t scale = 1;     // 10^(number of fraction digits)
};

// Consumes a number at the front of `text`; nullopt when there is none.
std::optional<Decimal> take_number(std::string_view& text, std::string_view whole_text) {
  Decimal number;
  std::size_t i = 0;
  bool digits = false;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, digits = true) {
    auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (number.whole > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      throw std::invalid_argument("value too large in " + quoted(whole_text));
    }
    number.whole = number.whole * 10 + digit;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    bool fraction_digits = false;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      fraction_digits = true;
      if (number.scale >= 1'000'000'000'000ULL) continue;  // beyond any useful precision
      number.fraction = number.fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
      number.scale *= 10;
    }
    if (!fraction_digits) throw std::invalid_argument("malformed number in " + quoted(whole_text));
  }
  if (!digits && i == 0) return std::nullopt;
  if (!digits) throw std::invalid_argument("malformed number in " + quoted(whole_text));
  text.remove_prefix(i);
  return number;
}

std::string_view take_unit(std::string_view& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '%')) {
    ++i;
  }
  auto unit = text.substr(0, i);
  text.remove_prefix(i);
  return unit;
}

// number × multiplier, rounded to nearest when `exact` is false; nullopt on overflow.
std::optional<std::uint64_t> scale(const Decimal& number, std::uint64_t multiplier, bool exact,
                                   bool& inexact) {
  std::uint64_t whole = 0;
  if (__builtin_mul_overflow(number.whole, multiplier, &whole)) return std::nullopt;
  // fraction/scale < 1, so fraction × multiplier fits as long as multiplier < 2^64 / 10^12.
  long double part = static_cast<long double>(number.fraction) *
                     static_cast<long double>(multiplier) / static_cast<long double>(number.scale);
  long double rounded = std::round(part);
  inexact = std::fabs(part - rounded) > 1e-9L;
  if (exact && inexact) return whole;
  std::uint64_t result = 0;
  if (__builtin_add_overflow(whole, static_cast<std::uint64_t>(rounded), &result))
    return std::nullopt;
  return result;
}

struct Unit {
  std::string_view name;
  std::uint64_t multiplier;
};

// Largest first: parts of a duration must follow this order.
constexpr std::array<Unit, 5> kDurationUnits{
    {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};

constexpr std::uint64_t kKi = 1024;
constexpr std::array<Unit, 18> kSizeUnits{{{"b", 1},
                                           {"k", 1000},
                                           {"kb", 1000},
                                           {"m", 1000'000},
                                           {"mb", 1000'000},
                                           {"g", 1000'000'000},
                                           {"gb", 1000'000'000},
                                           {"t", 1000'000'000'000},
                                           {"tb", 1000'000'000'000},
                                           {"ki", kKi},
                                           {"kib", kKi},
                                           {"mi", kKi* kKi},
                                           {"mib", kKi* kKi},
                                           {"gi", kKi* kKi* kKi},
                                           {"gib", kKi* kKi* kKi},
                                           {"ti", kKi* kKi* kKi* kKi},
                                           {"tib", kKi* kKi* kKi* kKi},
                                           {"", 1}}};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "%.1f" without a trailing ".0".
std::string one_decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", value);
  std::string out = text;
  if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
  return out;
}

}  // namespace

Duration parse_duration(std::string_view input) {
  std::string_view text = trim(input);
  if (text.empty()) throw std::invalid_argument("empty duration (expected e.g. 30s, 5m, 1h30m)");
  if (text.front() == '-') throw std::invalid_argument("negative duration " + quoted(input));
  std::uint64_t total = 0;
  std::size_t next_unit = 0;  // index into kDurationUnits: parts go from largest to smallest
  while (!text.empty()) {
    auto number = take_number(text, input);
    if (!number) throw std::invalid_argument("malformed duration " + quoted(input));
    auto unit = take_unit(text);
    if (unit.empty()) {
      throw std::invalid_argument("missing unit in " + quoted(input) +
                                  " (expected ms, s, m, h, d)");
    }
    std::size_t index = 0;
    while (index < kDurationUnits.size() && kDurationUnits[index].name != unit) ++index;
    if (index == kDurationUnits.size()) {
      throw std::invalid_argument("unknown unit " + quoted(unit) + " in " + quoted(input) +
                                  " (expected ms, s, m, h, d)");
    }
    if (index < next_unit) {
      throw std::invalid_argument("units out of order or repeated in " + quoted(input) +
                                  " (write e.g. 1h30m)");
    }
    next_unit = index + 1;
    bool inexact = false;
    auto part = scale(*number, kDurationUnits[index].multiplier, true, inexact);
    if (inexact) {
      throw std::invalid_argument("finer than a millisecond in " + quoted(input));
    }
    if (!part || __builtin_add_overflow(total, *part, &total) ||
        total > static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max())) {
      throw std::invalid_argument("duration too large in " + quoted(input));
    }
    text = trim(text);
  }
  return Duration(static_cast<Duration::rep>(total));
}

std::uint64_t parse_size(std::string_view input) {
  std::string_view text = trim(input);
  if (text.empty()) throw std::invalid_argument("empty size (expected e.g. 512MiB, 2GB)");
  if (text.front() == '-') throw std::invalid_argument("negative size " + quoted(input));
  auto number = take_number(text, input);
  if (!number) throw std::invalid_argument("malformed size " + quoted(input));
  text = trim(text);
  auto unit_text = take_unit(text);
  if (!text.empty()) throw std::invalid_argument("malformed size " + quoted(input));
  const std::string unit = lower(unit_text);
  for (const auto& candidate : kSizeUnits) {
    if (candidate.name != unit) continue;
    bool inexact = false;
    auto bytes = scale(*number, candidate.multiplier, candidate.multiplier == 1, inexact);
    if (candidate.multiplier == 1 && inexact) {
      throw std::invalid_argument("not a whole number of bytes: " + quoted(input));
    }
    if (!bytes) throw std::invalid_argument("size too large: " + quoted(input));
    return *bytes;
  }
  throw std::invalid_argument("unknown unit " + quoted(unit_text) + " in " + quoted(input) +
                              " (expected B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
}

double parse_ratio(std::string_view input) {
  std::string_view text = trim(input);
  bool percent = !text.empty() && text.back() == '%';
  if (percent) text = trim(text.substr(0, text.size() - 1));
  double value = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  bool plain = text.find_first_not_of("0123456789.-") == std::string_view::npos;  // no nan, inf
  if (text.empty() || !plain || error != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument("malformed ratio " + quoted(input) + " (expected e.g. 90% or 0.9)");
  }
  if (percent) value /= 100.0;
  if (!(value >= 0.0 && value <= 1.0)) {
    throw std::invalid_argument("ratio " + quoted(input) + " outside 0..1 (0%..100%)");
  }
  return value;
}

std::string format_duration(Duration d) {
  if (d.count() < 0) return "-" + format_duration(-d);
  if (d.count() == 0) return "0s";
  std::string out;
  auto left = static_cast<std::uint64_t>(d.count());
  for (const auto& unit : kDurationUnits) {
    if (left >= unit.multiplier) {
      out += std::to_string(left / unit.multiplier) + std::string(unit.name);
      left %= unit.multiplier;
    }
  }
  return out;
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<std::string_view, 5> kNames{"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < kKi) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t index = 0;
  value /= 1024.0;
  // Move up while the rounded value would print as 1024 or more.
  while (std::round(value * 10) >= 1024 * 10 && index + 1 < kNames.size()) {
    value /= 1024.0;
    ++index;
  }
  return one_decimal(value) + " " + std::string(kNames[index]);
}

std::string format_ratio(double ratio) { return one_decimal(ratio * 100.0) + "%"; }

}  // namespace watchdog::config

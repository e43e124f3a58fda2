#include "config/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace watchdog::config {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                           "thu", "fri", "sat"};

struct FieldRule {
  int number;  // 1-based, for messages
  const char* name;
  int min;
  int max;  // day-of-week accepts 7 (= Sunday, folded to 0 afterwards)
  const std::string_view* names = nullptr;  // names[i] stands for min + i
  std::size_t name_count = 0;
};

const FieldRule kFields[] = {
    {1, "minute", 0, 59},
    {2, "hour", 0, 23},
    {3, "day-of-month", 1, 31},
    {4, "month", 1, 12, kMonthNames.data(), kMonthNames.size()},
    {5, "day-of-week", 0, 7, kWeekdayNames.data(), kWeekdayNames.size()},
};

[[noreturn]] void fail(const FieldRule& rule, const std::string& message) {
  throw std::invalid_argument("field " + std::to_string(rule.number) + " (" + rule.name +
                              "): " + message);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int parse_value(const FieldRule& rule, std::string_view text) {
  if (text.empty()) fail(rule, "missing value");
  for (std::size_t i = 0; i < rule.name_count; ++i) {
    if (lower(text) == rule.names[i]) return rule.min + static_cast<int>(i);
  }
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) value = rule.max + 1;  // reported below
  if (end != text.data() + text.size() ||
      (error != std::errc() && error != std::errc::result_out_of_range)) {
    fail(rule, "'" + std::string(text) + "' is not a number" + (rule.names ? " or a name" : ""));
  }
  if (value < rule.min || value > rule.max) {
    fail(rule, std::string(text) + " is out of range " + std::to_string(rule.min) + "-" +
                   std::to_string(rule.max));
  }
  return value;
}

// One comma-separated item: "*", "5", "1-5", each optionally followed by "/step".
void parse_item(const FieldRule& rule, std::string_view item, std::vector<bool>& selected) {
  if (item.empty()) fail(rule, "empty list item");
  int step = 1;
  bool has_step = false;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    std::string_view step_text = item.substr(slash + 1);
    auto [end, error] =
        std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
    if (step_text.empty() || error != std::errc() || end != step_text.data() + step_text.size() ||
        step < 1) {
      fail(rule, "step '" + std::string(step_text) + "' must be a whole number of at least 1");
    }
    has_step = true;
    item = item.substr(0, slash);
  }
  int first = rule.min;
  int last = rule.max;
  if (item != "*") {
    auto dash = item.find('-');
    first = parse_value(rule, item.substr(0, dash));
    if (dash != std::string_view::npos) {
      last = parse_value(rule, item.substr(dash + 1));
      if (last < first) {
        fail(rule, "range " + std::string(item) + " is backwards (ranges do not wrap around)");
      }
    } else if (!has_step) {
      last = first;
    }
  }
  for (int value = first; value <= last; value += step) selected[value - rule.min] = true;
}

// The set of values a field selects, indexed from 0 (value - min).
std::vector<bool> parse_field(const FieldRule& rule, std::string_view text) {
  std::vector<bool> selected(rule.max - rule.min + 1, false);
  std::size_t begin = 0;
  while (true) {
    auto comma = text.find(',', begin);
    parse_item(rule, text.substr(begin, comma - begin), selected);
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return selected;
}

std::string_view expand_macro(std::string_view text) {
  const std::string name = lower(text);
  if (name == "@hourly") return "0 * * * *";
  if (name == "@daily" || name == "@midnight") return "0 0 * * *";
  if (name == "@weekly") return "0 0 * * 0";
  if (name == "@monthly") return "0 0 1 * *";
  if (name == "@yearly" || name == "@annually") return "0 0 1 1 *";
  throw std::invalid_argument("unknown shorthand '" + std::string(text) +
                              "' (expected @hourly, @daily, @midnight, @weekly, @monthly, "
                              "@yearly or @annually)");
}

unsigned days_in_month(unsigned month) {
  return static_cast<unsigned>((year{2024} / month / last).day());  // leap year: Feb has 29
}

}  // namespace

CronSchedule CronSchedule::parse(std::string_view text) {
  CronSchedule schedule;
  schedule.text_ = std::string(text);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.empty()) throw std::invalid_argument("empty schedule");
  if (text.front() == '@') text = expand_macro(text);

  std::vector<std::string_view> fields;
  for (std::size_t i = 0; i < text.size();) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    fields.push_back(text.substr(i, end - i));
    i = end;
  }
  if (fields.size() != 5) {
    throw std::invalid_argument(
        "expected 5 fields (minute hour day-of-month month day-of-week), got " +
        std::to_string(fields.size()));
  }
  auto fill = [&](auto& bits, int index) {
    auto selected = parse_field(kFields[index], fields[index]);
    for (std::size_t i = 0; i < selected.size(); ++i) {
      if (selected[i]) bits.set((kFields[index].min + i) % bits.size());  // weekday 7 → 0
    }
  };
  fill(schedule.minutes_, 0);
  fill(schedule.hours_, 1);
  fill(schedule.days_of_month_, 2);
  fill(schedule.months_, 3);
  fill(schedule.weekdays_, 4);
  schedule.day_of_month_star_ = fields[2].front() == '*';
  schedule.weekday_star_ = fields[4].front() == '*';

  if (!schedule.day_of_month_star_ && schedule.weekday_star_) {
    bool possible = false;
    for (unsigned month = 1; month <= 12; ++month) {
      for (unsigned day = 1; day <= days_in_month(month); ++day) {
        possible = possible || (schedule.months_[month] && schedule.days_of_month_[day]);
      }
    }
    if (!possible) fail(kFields[2], "no selected month has any of these days, so it never matches");
  }
  return schedule;
}

bool CronSchedule::matches_day(unsigned month, unsigned day_of_month, unsigned weekday) const {
  if (!months_[month]) return false;
  const bool by_month_day = days_of_month_[day_of_month];
  const bool by_weekday = weekdays_[weekday];
  if (day_of_month_star_ || weekday_star_) return by_month_day && by_weekday;
  return by_month_day || by_weekday;
}

bool CronSchedule::matches(const std::tm& local) const {
  return matches_day(static_cast<unsigned>(local.tm_mon + 1), static_cast<unsigned>(local.tm_mday),
                     static_cast<unsigned>(local.tm_wday)) &&
         matches_time(static_cast<unsigned>(local.tm_hour), static_cast<unsigned>(local.tm_min));
}

bool CronSchedule::matches(LocalMinute minute) const {
  const local_days day = floor<days>(minute);
  const year_month_day date{day};
  const auto minute_of_day = static_cast<unsigned>((minute - day).count());
  return matches_day(static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     weekday{day}.c_encoding()) &&
         matches_time(minute_of_day / 60, minute_of_day % 60);
}

std::optional<CronSchedule::LocalMinute> CronSchedule::latest_match(LocalMinute latest,
                                                                    LocalMinute earliest) const {
  const local_days last_day = floor<days>(latest);
  for (local_days day = last_day; day >= floor<days>(earliest); day -= days{1}) {
    const year_month_day date{day};
    if (!matches_day(static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     weekday{day}.c_encoding())) {
      continue;
    }
    const int bound = day == last_day ? static_cast<int>((latest - day).count()) : 24 * 60 - 1;
    for (int hour = bound / 60; hour >= 0; --hour) {
      if (!hours_[hour]) continue;
      for (int minute = hour == bound / 60 ? bound % 60 : 59; minute >= 0; --minute) {
        if (!minutes_[minute]) continue;
        LocalMinute found = day + hours{hour} + minutes{minute};
        if (found < earliest) return std::nullopt;
        return found;
      }
    }
  }
  return std::nullopt;
}

std::optional<CronSchedule::LocalMinute> CronSchedule::first_match(LocalMinute earliest,
                                                                   LocalMinute latest) const {
  const local_days first_day = floor<days>(earliest);
  for (local_days day = first_day; day <= floor<days>(latest); day += days{1}) {
    const year_month_day date{day};
    if (!matches_day(static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     weekday{day}.c_encoding())) {
      continue;
    }
    const int bound = day == first_day ? static_cast<int>((earliest - day).count()) : 0;
    for (int hour = bound / 60; hour < 24; ++hour) {
      if (!hours_[hour]) continue;
      for (int minute = hour == bound / 60 ? bound % 60 : 0; minute < 60; ++minute) {
        if (!minutes_[minute]) continue;
        LocalMinute found = day + hours{hour} + minutes{minute};
        if (found > latest) return std::nullopt;
        return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace watchdog::config

#include "config/posix_tz.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

namespace watchdog::config {
namespace {

using namespace std::chrono;

// A cursor over the rule text; every error names what was expected and where.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument("bad TZ rule '" + std::string(text_) + "': expected " + what +
                                " at position " + std::to_string(pos_ + 1));
  }

  // "CET" (3+ letters) or "<+0530>" (quoted, letters, digits, '+' and '-').
  std::string name() {
    std::size_t begin = pos_;
    if (accept('<')) {
      while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '+' || peek() == '-') {
        ++pos_;
      }
      if (!accept('>') || pos_ - begin < 5) fail("a quoted name like <+0530>");
      return std::string(text_.substr(begin + 1, pos_ - begin - 2));
    }
    while (std::isalpha(static_cast<unsigned char>(peek()))) ++pos_;
    if (pos_ - begin < 3) fail("a zone name of at least 3 letters");
    return std::string(text_.substr(begin, pos_ - begin));
  }

  int number(int max_digits) {
    std::size_t begin = pos_;
    int value = 0;
    while (std::isdigit(static_cast<unsigned char>(peek())) &&
           pos_ - begin < std::size_t(max_digits)) {
      value = value * 10 + (text_[pos_++] - '0');
    }
    if (pos_ == begin) fail("a number");
    return value;
  }

  // [+-]hh[:mm[:ss]] in seconds; hours at most `max_hours`.
  std::int32_t clock_time(int max_hours) {
    int sign = 1;
    if (accept('-')) {
      sign = -1;
    } else {
      accept('+');
    }
    int hours = number(3);
    int minutes = accept(':') ? number(2) : 0;
    int seconds = accept(':') ? number(2) : 0;
    if (hours > max_hours || minutes > 59 || seconds > 59) fail("a valid time");
    return sign * (hours * 3600 + minutes * 60 + seconds);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::int64_t seconds_of(sys_days day) {
  return duration_cast<seconds>(day.time_since_epoch()).count();
}

int local_year(std::int64_t t, std::int32_t offset) {
  const sys_days day = floor<days>(sys_seconds{seconds{t + offset}});
  return static_cast<int>(year_month_day{day}.year());
}

}  // namespace

PosixTimeZoneRule PosixTimeZoneRule::parse(std::string_view text) {
  Reader in(text);
  PosixTimeZoneRule rule;
  rule.standard_.abbreviation = in.name();
  rule.standard_.utc_offset = -in.clock_time(24);  // POSIX counts west of UTC as positive
  if (in.done()) return rule;

  LocalTimeType daylight{rule.standard_.utc_offset + 3600, true, in.name()};
  if (in.peek() != ',' && !in.done()) daylight.utc_offset = -in.clock_time(24);
  rule.daylight_ = daylight;
  if (in.done()) {  // no rule given: the US rule, as glibc assumes
    rule.dst_start_ = {'M', 0, 3, 2, 0};
    rule.dst_end_ = {'M', 0, 11, 1, 0};
    return rule;
  }
  auto date_rule = [&in]() {
    if (!in.accept(',')) in.fail("','");
    DateRule date;
    if (in.accept('M')) {
      date.month = in.number(2);
      if (!in.accept('.')) in.fail("'.'");
      date.week = in.number(1);
      if (!in.accept('.')) in.fail("'.'");
      date.weekday = in.number(1);
      if (date.month < 1 || date.month > 12 || date.week < 1 || date.week > 5 || date.weekday > 6) {
        in.fail("Mm.w.d with m 1-12, w 1-5, d 0-6");
      }
    } else {
      date.kind = in.accept('J') ? 'J' : 'N';
      date.day = in.number(3);
      if (date.kind == 'J' ? date.day < 1 || date.day > 365 : date.day > 365)
        in.fail("a day number");
    }
    if (in.accept('/')) date.time = in.clock_time(167);
    return date;
  };
  rule.dst_start_ = date_rule();
  rule.dst_end_ = date_rule();
  if (!in.done()) in.fail("the end of the rule");
  return rule;
}

std::int64_t PosixTimeZoneRule::fires_at(const DateRule& rule, int year_number,
                                         std::int32_t offset_before) {
  const year y{year_number};
  sys_days day;
  if (rule.kind == 'J') {
    day = sys_days{y / January / 1} + days{rule.day - 1};
    if (y.is_leap() && rule.day >= 60) day += days{1};
  } else if (rule.kind == 'N') {
    day = sys_days{y / January / 1} + days{rule.day};
  } else if (rule.week == 5) {
    day = sys_days{y / month(rule.month) / weekday(rule.weekday)[last]};
  } else {
    day = sys_days{y / month(rule.month) / weekday(rule.weekday)[rule.week]};
  }
  return seconds_of(day) + rule.time - offset_before;
}

bool PosixTimeZoneRule::dst_at(std::int64_t t) const {
  const int y = local_year(t, standard_.utc_offset);
  const std::int64_t start = fires_at(dst_start_, y, standard_.utc_offset);
  const std::int64_t end = fires_at(dst_end_, y, daylight_->utc_offset);
  if (start < end) return start <= t && t < end;
  return !(end <= t && t < start);  // southern hemisphere: DST spans the new year
}

const LocalTimeType& PosixTimeZoneRule::type_at(std::int64_t t) const {
  return daylight_ && dst_at(t) ? *daylight_ : standard_;
}

std::optional<std::int64_t> PosixTimeZoneRule::next_change_after(std::int64_t t) const {
  if (!daylight_) return std::nullopt;
  const int y = local_year(t, standard_.utc_offset);
  std::optional<std::int64_t> next;
  for (int candidate_year = y - 1; candidate_year <= y + 1; ++candidate_year) {
    for (std::int64_t at : {fires_at(dst_start_, candidate_year, standard_.utc_offset),
                            fires_at(dst_end_, candidate_year, daylight_->utc_offset)}) {
      if (at > t && (!next || at < *next)) next = at;
    }
  }
  return next;
}

}  // namespace watchdog::config

#include "config/time_zone.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace watchdog::config {
namespace {

using namespace std::chrono;

constexpr std::int64_t kTwoDays = 2 * 86400;
constexpr std::uintmax_t kMaxFileBytes = 1 << 20;

const char* const kNameHint =
    " (expected an IANA name like Europe/Berlin, UTC, or an offset like +02:00)";

bool valid_zone_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
        c != '+' && c != '.') {
      return false;
    }
  }
  std::stringstream parts(name);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty() || part == "." || part == ".." || part.front() == '-') return false;
  }
  return true;
}

// "+02:00", "-0530", "+05" → seconds east of UTC; nothing when `name` is not an offset.
std::optional<std::int32_t> fixed_offset(const std::string& name) {
  if (name.empty() || (name[0] != '+' && name[0] != '-')) return std::nullopt;
  std::string digits;
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(name[i]))) {
      digits += name[i];
    } else if (name[i] != ':' || i != 3) {
      throw std::invalid_argument("invalid UTC offset '" + name + "' (expected +HH:MM)");
    }
  }
  if (digits.size() != 2 && digits.size() != 4) {
    throw std::invalid_argument("invalid UTC offset '" + name + "' (expected +HH:MM)");
  }
  const int hours = std::stoi(digits.substr(0, 2));
  const int minutes = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  if (hours > 18 || minutes > 59) {
    throw std::invalid_argument("UTC offset '" + name + "' is out of range -18:00 to +18:00");
  }
  return (name[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
}

// Big-endian reads with bounds checks over the file's bytes.
class ByteReader {
 public:
  ByteReader(const std::string& bytes, const std::string& name) : bytes_(bytes), name_(name) {}
  [[noreturn]] void fail(const std::string& why) const {
    throw std::invalid_argument("time zone '" + name_ + "': not a valid TZif file (" + why + ")");
  }
  std::int64_t integer(int size) {
    need(static_cast<std::size_t>(size));
    std::uint64_t value = 0;
    for (int i = 0; i < size; ++i)
      value = (value << 8) | static_cast<unsigned char>(bytes_[pos_++]);
    if (size == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
    return static_cast<std::int64_t>(value);
  }
  std::string text(std::size_t size) {
    need(size);
    pos_ += size;
    return bytes_.substr(pos_ - size, size);
  }
  void skip(std::size_t size) { text(size); }
  std::size_t left() const { return bytes_.size() - pos_; }

 private:
  void need(std::size_t size) const {
    if (bytes_.size() - pos_ < size) fail("truncated");
  }
  const std::string& bytes_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;
  std::int64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

TzifHeader read_header(ByteReader& in) {
  if (in.text(4) != "TZif") in.fail("no TZif magic");
  TzifHeader header;
  header.version = in.text(1)[0];
  in.skip(15);
  for (auto* count : {&header.isutcnt, &header.isstdcnt, &header.leapcnt, &header.timecnt,
                      &header.typecnt, &header.charcnt}) {
    *count = in.integer(4);
    if (*count < 0 || *count > 100000) in.fail("implausible count");
  }
  return header;
}

std::string read_file(const std::string& name, const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw std::invalid_argument("unknown time zone '" + name + "' (no file " + path.string() + ")");
  }
  if (std::filesystem::file_size(path, error) > kMaxFileBytes) {
    throw std::invalid_argument("time zone '" + name + "': " + path.string() + " is too large");
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    throw std::invalid_argument("time zone '" + name + "': cannot read " + path.string());
  }
  return bytes;
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const std::shared_ptr<const TimeZone> zone = [] {
    std::shared_ptr<TimeZone> utc(new TimeZone);
    utc->name_ = "UTC";
    utc->types_.push_back({0, false, "UTC"});
    return utc;
  }();
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::load(const std::string& name) {
  const char* dir = std::getenv("TZDIR");
  return load(name, dir && *dir ? dir : "/usr/share/zoneinfo");
}

std::shared_ptr<const TimeZone> TimeZone::load(const std::string& name,
                                               const std::string& zoneinfo_dir) {
  if (name == "UTC" || name == "Etc/UTC") {
    if (name == "UTC") return utc();
    std::shared_ptr<TimeZone> zone(new TimeZone(*utc()));
    zone->name_ = name;
    return zone;
  }
  if (auto offset = fixed_offset(name)) {
    std::shared_ptr<TimeZone> zone(new TimeZone);
    zone->name_ = name;
    zone->types_.push_back({*offset, false, name});
    return zone;
  }
  if (!valid_zone_name(name)) {
    throw std::invalid_argument("invalid time zone name '" + name + "'" + kNameHint);
  }
  return read_tzif(name, read_file(name, std::filesystem::path(zoneinfo_dir) / name));
}

std::shared_ptr<const TimeZone> TimeZone::read_tzif(const std::string& name,
                                                    const std::string& bytes) {
  ByteReader in(bytes, name);
  TzifHeader header = read_header(in);
  int time_size = 4;
  if (header.version >= '2') {  // skip the 32-bit block; the 64-bit one follows
    in.skip(header.timecnt * 5 + header.typecnt * 6 + header.charcnt + header.leapcnt * 8 +
            header.isstdcnt + header.isutcnt);
    header = read_header(in);
    time_size = 8;
  }
  if (header.leapcnt != 0) in.fail("leap-second zones (right/...) are not supported");
  if (header.typecnt == 0) in.fail("no local time types");

  std::shared_ptr<TimeZone> zone(new TimeZone);
  zone->name_ = name;
  for (std::int64_t i = 0; i < header.timecnt; ++i) {
    zone->transitions_.push_back(in.integer(time_size));
    if (i > 0 && zone->transitions_[i] <= zone->transitions_[i - 1]) in.fail("unsorted");
  }
  for (std::int64_t i = 0; i < header.timecnt; ++i) {
    auto type = static_cast<std::size_t>(in.integer(1));
    if (type >= static_cast<std::size_t>(header.typecnt)) in.fail("bad type index");
    zone->transition_types_.push_back(type);
  }
  std::vector<std::size_t> abbreviation_index;
  for (std::int64_t i = 0; i < header.typecnt; ++i) {
    LocalTimeType type;
    type.utc_offset = static_cast<std::int32_t>(in.integer(4));
    type.is_dst = in.integer(1) != 0;
    abbreviation_index.push_back(static_cast<std::size_t>(in.integer(1)));
    if (type.utc_offset < -25 * 3600 || type.utc_offset > 26 * 3600) in.fail("bad UTC offset");
    zone->types_.push_back(type);
  }
  const std::string abbreviations = in.text(header.charcnt);
  for (std::size_t i = 0; i < zone->types_.size(); ++i) {
    if (abbreviation_index[i] >= abbreviations.size()) in.fail("bad abbreviation index");
    zone->types_[i].abbreviation = abbreviations.substr(abbreviation_index[i]).c_str();
  }
  in.skip(header.isstdcnt + header.isutcnt);

  if (time_size == 8 && in.left() > 0) {
    std::string footer = in.text(in.left());
    if (footer.size() < 2 || footer.front() != '\n' || footer.find('\n', 1) == std::string::npos) {
      in.fail("bad footer");
    }
    footer = footer.substr(1, footer.find('\n', 1) - 1);
    if (!footer.empty()) zone->footer_ = PosixTimeZoneRule::parse(footer);
  }
  return zone;
}

const LocalTimeType& TimeZone::type_at(std::int64_t t) const {
  if (transitions_.empty() || t < transitions_.front()) {
    return footer_ && transitions_.empty() ? footer_->type_at(t) : types_.front();
  }
  if (footer_ && t >= transitions_.back()) return footer_->type_at(t);
  auto after = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  return types_[transition_types_[static_cast<std::size_t>(after - transitions_.begin()) - 1]];
}

std::optional<std::int64_t> TimeZone::next_change_after(std::int64_t t) const {
  auto after = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  if (after != transitions_.end()) return *after;
  return footer_ ? footer_->next_change_after(t) : std::nullopt;
}

template <typename Visit>
void TimeZone::for_each_stretch(std::int64_t from, std::int64_t to, Visit visit) const {
  for (std::int64_t begin = from; begin < to;) {
    const std::int64_t end = std::min(next_change_after(begin).value_or(to), to);
    if (visit(begin, end, type_at(begin).utc_offset)) return;
    begin = end;
  }
}

std::chrono::seconds TimeZone::utc_offset(SystemTime t) const {
  return seconds{type_at(floor<seconds>(t).time_since_epoch().count()).utc_offset};
}

TimeZone::LocalSeconds TimeZone::local_time(SystemTime t) const {
  const auto utc_seconds = floor<seconds>(t).time_since_epoch();
  return LocalSeconds{utc_seconds + seconds{type_at(utc_seconds.count()).utc_offset}};
}

std::tm TimeZone::to_local(SystemTime t) const {
  const std::int64_t utc_seconds = floor<seconds>(t).time_since_epoch().count();
  const LocalTimeType& type = type_at(utc_seconds);
  const local_seconds local{seconds{utc_seconds + type.utc_offset}};
  const local_days day = floor<days>(local);
  const year_month_day date{day};
  const hh_mm_ss<seconds> clock{local - day};
  std::tm out{};
  out.tm_year = static_cast<int>(date.year()) - 1900;
  out.tm_mon = static_cast<int>(static_cast<unsigned>(date.month())) - 1;
  out.tm_mday = static_cast<int>(static_cast<unsigned>(date.day()));
  out.tm_hour = static_cast<int>(clock.hours().count());
  out.tm_min = static_cast<int>(clock.minutes().count());
  out.tm_sec = static_cast<int>(clock.seconds().count());
  out.tm_wday = static_cast<int>(weekday{day}.c_encoding());
  out.tm_yday = static_cast<int>((day - local_days{date.year() / January / 1}).count());
  out.tm_isdst = type.is_dst ? 1 : 0;
  out.tm_gmtoff = type.utc_offset;
  out.tm_zone = type.abbreviation.c_str();
  return out;
}

TimeZone::SystemTime TimeZone::first_instant_at_or_after(LocalSeconds local) const {
  // No offset exceeds a day, so the answer lies within a day of `local` read as UTC.
  const std::int64_t wanted = local.time_since_epoch().count();
  std::int64_t found = wanted;
  for_each_stretch(wanted - kTwoDays, wanted + kTwoDays,
                   [&](std::int64_t begin, std::int64_t end, std::int32_t offset) {
                     found = std::max(begin, wanted - offset);  // local = t + offset ≥ wanted
                     return found < end;
                   });
  return SystemTime{seconds{found}};
}

TimeZone::LocalSeconds TimeZone::latest_local_time_until(SystemTime t) const {
  const std::int64_t until = floor<seconds>(t).time_since_epoch().count();
  std::int64_t latest = until + type_at(until).utc_offset;
  for_each_stretch(until - kTwoDays, until + 1,
                   [&](std::int64_t, std::int64_t end, std::int32_t offset) {
                     latest = std::max(latest, end - 1 + offset);
                     return false;
                   });
  return LocalSeconds{seconds{latest}};
}

}  // namespace watchdog::config

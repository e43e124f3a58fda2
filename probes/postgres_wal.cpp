#include "probes/postgres_wal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "config/units.h"

namespace watchdog::probes::postgres_wal {
namespace {

constexpr std::uint64_t kLogIdSpan = 0x100000000ULL;  // LSN bytes per "log" id (high 32 bits)

std::optional<std::uint64_t> hex32(std::string_view text) {
  std::uint64_t value = 0;
  for (char c : text) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return std::nullopt;  // PostgreSQL writes upper-case hex only
    value = value * 16 + static_cast<std::uint64_t>(digit);
  }
  return value;
}

// "2026-12-05 14:02:11 UTC"
std::string utc_time(double epoch_seconds) {
  const auto seconds = static_cast<std::time_t>(std::floor(epoch_seconds));
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

// Whole seconds as "7m12s".
std::string span(double seconds) {
  return config::format_duration(
      std::chrono::seconds(static_cast<long long>(std::max(0.0, std::round(seconds)))));
}

std::string lag_text(const std::optional<double>& seconds) {
  if (!seconds) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", *seconds);
  return text;
}

std::string standby_text(const Standby& standby) {
  std::string text = "standby " + (standby.name.empty() ? "(unnamed)" : standby.name) + " (" +
                     standby.state + "): write " + lag_text(standby.write_lag) + ", flush " +
                     lag_text(standby.flush_lag) + ", replay " + lag_text(standby.replay_lag);
  if (standby.replay_bytes) text += ", " + config::format_size(*standby.replay_bytes) + " behind";
  return text;
}

double seconds_of(std::chrono::milliseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

// "last archived 000000010000000000000003 at 2026-12-05 14:02:11 UTC"; after an archiver
// statistics reset the one remembered from before it.
std::string last_archived_text(const Memory& memory, bool statistics_reset) {
  if (!memory.archived_wal) return "nothing archived yet";
  return "last archived " + *memory.archived_wal +
         (memory.archived_time ? " at " + utc_time(*memory.archived_time) : "") +
         (statistics_reset ? " (archiver statistics reset since)" : "");
}

// The WAL position known to be archived (see the header for the rules): the end of the last
// archived segment; a `.history` or `.backup` file, or a statistics reset, keeps the end seen
// before; nothing ever seen archived: the position at the first check.
std::uint64_t archived_position(const Figures& figures, Memory& memory) {
  if (figures.last_archived_wal) {
    if (auto end = segment_end_lsn(*figures.last_archived_wal, figures.segment_size)) {
      memory.archived_end = end;
    }
  }
  if (memory.archived_end) return *memory.archived_end;
  if (!memory.baseline_lsn) memory.baseline_lsn = figures.current_lsn;
  return *memory.baseline_lsn;
}

// Failures since the previous reading: failed_count only grows until a statistics reset, so a
// fall is a reset and every failure in the new count is new. Nothing read before: none.
long long new_failures(const Figures& figures, const Memory& memory) {
  if (!memory.failures_known) return 0;
  return figures.failed_count >= memory.failed_count ? figures.failed_count - memory.failed_count
                                                     : figures.failed_count;
}

void evaluate_archive(const Settings& settings, const Figures& figures, Memory& memory,
                      Evaluation& out) {
  auto& m = out.measurements;
  m.push_back({"postgres_archive_rpo_seconds", seconds_of(*settings.archive_rpo)});
  if (figures.archive_mode == "off") {
    out.archive = unhealthy(FailureKind::Error, "archive_rpo is set but archive_mode is off");
    return;
  }
  const auto previous_end = memory.archived_end;
  const std::uint64_t archived = archived_position(figures, memory);
  const std::uint64_t pending = figures.current_lsn > archived ? figures.current_lsn - archived : 0;
  // More rows changed since the previous check: those writes lie at or before this position.
  // The count falls only when statistics go (pg_stat_reset(), a crash restart, DROP DATABASE):
  // then it is a new baseline, not writes.
  if (memory.seen && figures.rows_written > memory.rows_written) {
    memory.write_lsn = figures.current_lsn;
  }
  const bool writes_pending = pending > 0 && memory.write_lsn && *memory.write_lsn > archived;
  // A new archive is one that moved the archived end: not a .history or .backup file, and not
  // a statistics reset (last_archived_wal NULL after one was seen) — archived files do not
  // vanish with statistics, so the remembered archive and the exposure stay.
  const bool new_archive = memory.seen && memory.archived_end != previous_end;
  const bool statistics_reset = !figures.last_archived_wal && memory.archived_wal;
  if (!writes_pending || new_archive) memory.pending_since.reset();
  if (writes_pending && !memory.pending_since) memory.pending_since = figures.now;
  if (figures.last_archived_wal) {
    memory.archived_wal = figures.last_archived_wal;
    memory.archived_time = figures.last_archived_time;
  }
  const double exposure = writes_pending ? std::max(0.0, figures.now - *memory.pending_since) : 0;
  const bool failed_newer =
      figures.last_failed_time &&
      (!figures.last_archived_time || *figures.last_failed_time > *figures.last_archived_time);
  const long long failures = new_failures(figures, memory);
  // Failures counted from a restored reading may be hours old: they count, but only those
  // since this probe's previous check say "failing" (with a failure newer than the archive).
  const bool failing = failed_newer || (memory.seen && failures > 0);
  memory.failures_total =
      memory.failures_known ? memory.failures_total + failures : figures.failed_count;
  memory.failures_known = true;
  memory.seen = true;
  memory.failed_count = figures.failed_count;
  memory.rows_written = figures.rows_written;

  if (memory.archived_time) {
    m.push_back(
        {"postgres_archive_age_seconds", std::max(0.0, figures.now - *memory.archived_time)});
  }
  m.push_back({"postgres_archive_exposure_seconds", exposure});
  m.push_back({"postgres_archive_pending_bytes", static_cast<double>(pending)});
  m.push_back({"postgres_archive_failures_total", static_cast<double>(memory.failures_total)});
  m.push_back({"postgres_archive_failing", failing ? 1.0 : 0.0});

  if (failing) {
    std::string detail =
        "WAL archiving is failing: " +
        figures.last_failed_wal.value_or(std::string("(unknown WAL)")) + " failed" +
        (figures.last_failed_time ? " at " + utc_time(*figures.last_failed_time) : std::string()) +
        " (" + std::to_string(memory.failures_total) + " failures in total); " +
        last_archived_text(memory, statistics_reset);
    out.archive = unhealthy(FailureKind::Error, std::move(detail));
  } else if (exposure > seconds_of(*settings.archive_rpo)) {
    out.archive = unhealthy(FailureKind::Threshold,
                            "WAL not archived for " + span(exposure) + " (archive_rpo " +
                                config::format_duration(*settings.archive_rpo) + "), " +
                                config::format_size(pending) + " pending; " +
                                last_archived_text(memory, statistics_reset));
  }
}

template <typename T, typename Value>
std::optional<T> max_of(const std::vector<T>& items, Value value) {
  std::optional<T> best;
  for (const auto& item : items) {
    if (!best || value(item) > value(*best)) best = item;
  }
  return best;
}

void evaluate_replication(const Settings& settings, const Figures& figures, Evaluation& out) {
  const auto streaming = static_cast<long long>(
      std::count_if(figures.standbys.begin(), figures.standbys.end(),
                    [](const Standby& standby) { return standby.state == "streaming"; }));
  const auto inactive = static_cast<long long>(std::count_if(
      figures.slots.begin(), figures.slots.end(), [](const Slot& slot) { return !slot.active; }));
  const auto by_time = max_of(
      figures.standbys, [](const Standby& standby) { return standby.replay_lag.value_or(0); });
  const auto by_bytes = max_of(
      figures.standbys, [](const Standby& standby) { return standby.replay_bytes.value_or(0); });
  const auto by_retained =
      max_of(figures.slots, [](const Slot& slot) { return slot.retained_bytes.value_or(0); });

  auto& m = out.measurements;
  m.push_back({"postgres_standbys_streaming", static_cast<double>(streaming)});
  if (by_time)
    m.push_back({"postgres_standby_replay_lag_seconds", by_time->replay_lag.value_or(0)});
  if (by_bytes) {
    m.push_back({"postgres_standby_replay_lag_bytes",
                 static_cast<double>(by_bytes->replay_bytes.value_or(0))});
  }
  m.push_back({"postgres_replication_slots_inactive", static_cast<double>(inactive)});
  if (by_retained) {
    m.push_back({"postgres_replication_slot_retained_bytes",
                 static_cast<double>(by_retained->retained_bytes.value_or(0))});
  }

  // Without pg_monitor, the rows of standbys connected as another user show state NULL (and no
  // lag): counting or judging them would say "0 streaming" of standbys that are fine.
  const auto hidden = static_cast<long long>(
      std::count_if(figures.standbys.begin(), figures.standbys.end(),
                    [](const Standby& standby) { return standby.state.empty(); }));
  const bool judges_standbys = settings.min_standbys > 0 || settings.replication_lag_warn ||
                               settings.replication_lag_bytes_warn;
  if (hidden > 0 && judges_standbys) {
    out.replication =
        degraded(FailureKind::Error, "cannot see the state of " + std::to_string(hidden) +
                                         " standby(s): grant pg_monitor to this user (" +
                                         std::to_string(streaming) + " streaming seen)");
  } else if (streaming < settings.min_standbys) {
    out.replication =
        degraded(FailureKind::Threshold, std::to_string(streaming) +
                                             " standby(s) streaming, expected at least " +
                                             std::to_string(settings.min_standbys));
  } else if (settings.replication_lag_warn && by_time &&
             by_time->replay_lag.value_or(0) > seconds_of(*settings.replication_lag_warn)) {
    out.replication = degraded(FailureKind::Threshold,
                               standby_text(*by_time) + " (replay lag warning at " +
                                   config::format_duration(*settings.replication_lag_warn) + ")");
  } else if (settings.replication_lag_bytes_warn && by_bytes &&
             by_bytes->replay_bytes.value_or(0) > *settings.replication_lag_bytes_warn) {
    out.replication = degraded(FailureKind::Threshold,
                               standby_text(*by_bytes) + " (byte lag warning at " +
                                   config::format_size(*settings.replication_lag_bytes_warn) + ")");
  } else if (settings.slot_retained_warn && by_retained &&
             by_retained->retained_bytes.value_or(0) > *settings.slot_retained_warn) {
    out.replication = degraded(
        FailureKind::Threshold,
        "slot " + by_retained->name + (by_retained->active ? " (active)" : " (inactive)") +
            " retains " + config::format_size(*by_retained->retained_bytes) +
            " of WAL (warning at " + config::format_size(*settings.slot_retained_warn) + ")");
  }
}

// Field helpers for parse_figures.
const std::optional<std::string>& field(const std::vector<std::optional<std::string>>& row,
                                        std::size_t index) {
  if (index >= row.size()) throw std::runtime_error("WAL figures: short row");
  return row[index];
}
std::optional<double> number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return std::stod(*text);
}
std::uint64_t bytes(const std::optional<std::string>& text) {
  return text ? static_cast<std::uint64_t>(std::max(0.0, std::stod(*text))) : 0;
}
std::optional<double> json_number(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}
std::optional<std::uint64_t> json_bytes(const nlohmann::json& object, const char* key) {
  auto value = json_number(object, key);
  if (!value) return std::nullopt;
  return static_cast<std::uint64_t>(std::max(0.0, *value));
}
std::string json_text(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Settings read_settings(config::Options& options) {
  Settings settings;
  settings.archive_rpo = options.duration("archive_rpo");
  if (settings.archive_rpo && settings.archive_rpo->count() <= 0) {
    options.fail("archive_rpo", "must be more than 0");
  }
  settings.replication_lag_warn = options.duration("replication_lag_warn");
  settings.replication_lag_bytes_warn = options.size("replication_lag_bytes_warn");
  settings.min_standbys = options.integer_or("min_standbys", 0, 0, 1000);
  settings.slot_retained_warn = options.size("slot_retained_warn");
  // A warning at 0 would be a warning always (a standby is never exactly caught up).
  if (settings.replication_lag_warn && settings.replication_lag_warn->count() <= 0) {
    options.fail("replication_lag_warn", "must be more than 0");
  }
  if (settings.replication_lag_bytes_warn == 0u) {
    options.fail("replication_lag_bytes_warn", "must be more than 0");
  }
  if (settings.slot_retained_warn == 0u) options.fail("slot_retained_warn", "must be more than 0");
  return settings;
}

std::optional<std::uint64_t> segment_end_lsn(std::string_view wal_name,
                                             std::uint64_t segment_size) {
  if (wal_name.size() < 24 || segment_size == 0 || kLogIdSpan % segment_size != 0) {
    return std::nullopt;
  }
  if (wal_name.size() > 24 && wal_name[24] != '.') return std::nullopt;
  // A backup history file names the backup's START segment but is archived after its stop
  // segment: it says nothing about how far the archive reaches.
  if (wal_name.ends_with(".backup")) return std::nullopt;
  const auto timeline = hex32(wal_name.substr(0, 8));
  const auto log = hex32(wal_name.substr(8, 8));
  const auto seg = hex32(wal_name.substr(16, 8));
  if (!timeline || *timeline == 0 || !log || !seg || *seg >= kLogIdSpan / segment_size) {
    return std::nullopt;
  }
  return *log * kLogIdSpan + (*seg + 1) * segment_size;
}

std::string figures_sql(const Settings& settings) {
  // One CTE evaluates the position once; pg_current_wal_lsn() raises an error in recovery.
  std::string sql =
      "WITH w AS (SELECT CASE WHEN pg_is_in_recovery()"
      " THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
      " ELSE pg_current_wal_lsn() END AS lsn)"
      " SELECT extract(epoch FROM now())::float8, pg_is_in_recovery(),"
      " current_setting('archive_mode'),"
      " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),"
      " pg_wal_lsn_diff(w.lsn, '0/0'),"
      " a.last_archived_wal, extract(epoch FROM a.last_archived_time)::float8,"
      " a.last_failed_wal, extract(epoch FROM a.last_failed_time)::float8, a.failed_count,"
      " (SELECT sum(tup_inserted + tup_updated + tup_deleted) FROM pg_stat_database),";
  if (settings.replication()) {
    sql +=
        " (SELECT json_agg(json_build_object('name', application_name, 'state', state,"
        " 'write_lag', extract(epoch FROM write_lag), 'flush_lag', extract(epoch FROM flush_lag),"
        " 'replay_lag', extract(epoch FROM replay_lag),"
        " 'replay_bytes', pg_wal_lsn_diff(w.lsn, replay_lsn))) FROM pg_stat_replication),"
        " (SELECT json_agg(json_build_object('name', slot_name, 'active', active,"
        " 'retained', pg_wal_lsn_diff(w.lsn, restart_lsn))) FROM pg_replication_slots)";
  } else {
    sql += " NULL, NULL";
  }
  return sql + " FROM w, pg_stat_archiver a";
}

Figures parse_figures(const std::vector<std::optional<std::string>>& row) {
  Figures figures;
  figures.now = number(field(row, 0)).value_or(0);
  figures.in_recovery = field(row, 1).value_or("f") == "t";
  figures.archive_mode = field(row, 2).value_or("off");
  figures.segment_size = bytes(field(row, 3));
  figures.current_lsn = bytes(field(row, 4));
  figures.last_archived_wal = field(row, 5);
  figures.last_archived_time = number(field(row, 6));
  figures.last_failed_wal = field(row, 7);
  figures.last_failed_time = number(field(row, 8));
  figures.failed_count = static_cast<long long>(number(field(row, 9)).value_or(0));
  figures.rows_written = bytes(field(row, 10));
  if (const auto& standbys = field(row, 11)) {
    for (const auto& item : nlohmann::json::parse(*standbys)) {
      figures.standbys.push_back({json_text(item, "name"), json_text(item, "state"),
                                  json_number(item, "write_lag"), json_number(item, "flush_lag"),
                                  json_number(item, "replay_lag"),
                                  json_bytes(item, "replay_bytes")});
    }
  }
  if (const auto& slots = field(row, 12)) {
    for (const auto& item : nlohmann::json::parse(*slots)) {
      const auto active = item.find("active");
      figures.slots.push_back({json_text(item, "name"),
                               active != item.end() && active->is_boolean() && active->get<bool>(),
                               json_bytes(item, "retained")});
    }
  }
  return figures;
}

std::string encode_failures(const Memory& memory) {
  if (!memory.failures_known) return "";
  return "failures " + std::to_string(memory.failures_total) + " " +
         std::to_string(memory.failed_count);
}

void restore_failures(std::string_view blob, Memory& memory) {
  long long total = 0, failed_count = 0;
  char tail = 0;
  const std::string text(blob);
  if (std::sscanf(text.c_str(), "failures %lld %lld %c", &total, &failed_count, &tail) != 2 ||
      total < 0 || failed_count < 0) {
    return;  // not ours, or damaged: start counting afresh
  }
  memory.failures_total = total;
  memory.failed_count = failed_count;
  memory.failures_known = true;
}

Evaluation evaluate(const Settings& settings, const Figures& figures, Memory& memory) {
  Evaluation out;
  const bool archive_applies = !figures.in_recovery || figures.archive_mode == "always";
  if (settings.archive() && archive_applies) evaluate_archive(settings, figures, memory, out);
  if (settings.replication() && !figures.in_recovery) evaluate_replication(settings, figures, out);
  return out;
}

}  // namespace watchdog::probes::postgres_wal

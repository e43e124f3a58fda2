#include "probes/mysql_status.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "config/units.h"

namespace watchdog::probes::mysql_status {
namespace {

using std::chrono::milliseconds;

// The problems found, Unhealthy ones first; the first of the worst level names the kind.
class Verdict {
 public:
  void add(ProbeStatus status, FailureKind kind, std::string text) {
    auto& level = status == ProbeStatus::Unhealthy ? unhealthy_ : degraded_;
    if (level.texts.empty()) level.kind = kind;
    level.texts.push_back(std::move(text));
  }
  ProbeResult result(std::string healthy_detail) const {
    if (unhealthy_.texts.empty() && degraded_.texts.empty()) return healthy(healthy_detail);
    std::string detail;
    for (const auto* level : {&unhealthy_, &degraded_}) {
      for (const auto& text : level->texts) detail += (detail.empty() ? "" : "; ") + text;
    }
    return unhealthy_.texts.empty() ? degraded(degraded_.kind, detail)
                                    : unhealthy(unhealthy_.kind, detail);
  }

 private:
  struct Level {
    FailureKind kind = FailureKind::None;
    std::vector<std::string> texts;
  };
  Level unhealthy_, degraded_;
};

std::string format_ms(std::chrono::nanoseconds elapsed) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f ms",
                std::chrono::duration<double, std::milli>(elapsed).count());
  return text;
}

std::string format_lag(double seconds) {
  return config::format_duration(milliseconds(static_cast<long long>(seconds * 1000)));
}

// The cell of the first column present under any of `names` ("" when absent or NULL).
std::optional<Cell> column(const std::vector<std::string>& columns, const std::vector<Cell>& row,
                           std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto at = std::find(columns.begin(), columns.end(), name);
    if (at != columns.end() && static_cast<std::size_t>(at - columns.begin()) < row.size()) {
      return row[at - columns.begin()];
    }
  }
  return std::nullopt;
}

std::string text(const std::optional<Cell>& cell) { return cell && *cell ? **cell : std::string(); }

// "IO thread Connecting (error 2003: Can't connect …)"; "" when both run.
std::string stopped_threads(const Replica& replica) {
  std::string out;
  auto name = [&](const char* thread, const std::string& state, const std::string& error) {
    if (state == "Yes") return;
    out += (out.empty() ? "" : ", ") + std::string(thread) + " thread " +
           (state.empty() ? "unknown" : state);
    if (!error.empty()) out += " (" + error + ")";
  };
  name("IO", replica.io_running, replica.last_io_error);
  name("SQL", replica.sql_running, replica.last_sql_error);
  return out;
}

void judge_replica(const Settings& settings, const Figures& figures, Verdict& verdict) {
  if (!figures.replica_known) return;
  if (settings.expect_role == Role::Replica && !figures.replica) {
    verdict.add(ProbeStatus::Unhealthy, FailureKind::BadResponse,
                "not a replica (no replication configured), expected replica");
  }
  if (settings.expect_role == Role::Primary && figures.replica) {
    verdict.add(ProbeStatus::Unhealthy, FailureKind::BadResponse,
                "replication is configured (a replica), expected primary");
  }
  if (!figures.replica) return;
  const Replica& replica = *figures.replica;
  if (auto stopped = stopped_threads(replica); !stopped.empty()) {
    verdict.add(
        settings.expect_role == Role::Replica ? ProbeStatus::Unhealthy : ProbeStatus::Degraded,
        FailureKind::BadResponse, "replication stopped: " + stopped);
  }
  if (!replica.lag_seconds) return;
  const double lag_ms = *replica.lag_seconds * 1000;
  const auto over = [&](const std::optional<milliseconds>& limit) {
    return limit && lag_ms >= static_cast<double>(limit->count());
  };
  if (over(settings.replica_lag_critical)) {
    verdict.add(ProbeStatus::Unhealthy, FailureKind::Threshold,
                "replica lag " + format_lag(*replica.lag_seconds) + " (critical " +
                    config::format_duration(*settings.replica_lag_critical) + ")");
  } else if (over(settings.replica_lag_warn)) {
    verdict.add(ProbeStatus::Degraded, FailureKind::Threshold,
                "replica lag " + format_lag(*replica.lag_seconds) + " (warn " +
                    config::format_duration(*settings.replica_lag_warn) + ")");
  }
}

}  // namespace

std::optional<Replica> parse_replica(const std::vector<std::string>& columns,
                                     const std::vector<std::vector<Cell>>& rows) {
  if (rows.empty()) return std::nullopt;
  const auto& row = rows.front();
  Replica replica;
  replica.io_running = text(column(columns, row, {"Slave_IO_Running", "Replica_IO_Running"}));
  replica.sql_running = text(column(columns, row, {"Slave_SQL_Running", "Replica_SQL_Running"}));
  replica.last_io_error = text(column(columns, row, {"Last_IO_Error"}));
  replica.last_sql_error = text(column(columns, row, {"Last_SQL_Error"}));
  const std::string lag =
      text(column(columns, row, {"Seconds_Behind_Master", "Seconds_Behind_Source"}));
  char* end = nullptr;
  const double seconds = std::strtod(lag.c_str(), &end);
  if (!lag.empty() && end == lag.c_str() + lag.size()) replica.lag_seconds = seconds;
  return replica;
}

ProbeResult evaluate(const Settings& settings, const Figures& figures) {
  Verdict verdict;
  std::vector<Measurement> measurements = {
      {"mysql_query_seconds", std::chrono::duration<double>(figures.query_time).count()},
      {"mysql_connections", figures.connections},
      {"mysql_max_connections", figures.max_connections},
  };
  judge_replica(settings, figures, verdict);
  if (figures.max_connections > 0) {
    const double ratio = figures.connections / figures.max_connections;
    measurements.push_back({"mysql_connections_used_ratio", ratio});
    if (ratio >= settings.connections_warn) {
      verdict.add(ProbeStatus::Degraded, FailureKind::Threshold,
                  "connections " + std::to_string(static_cast<long long>(figures.connections)) +
                      " of " + std::to_string(static_cast<long long>(figures.max_connections)) +
                      " (" + config::format_ratio(ratio) + ", warn " +
                      config::format_ratio(settings.connections_warn) + ")");
    }
  }
  if (settings.latency_warn && figures.query_time > *settings.latency_warn) {
    verdict.add(ProbeStatus::Degraded, FailureKind::Threshold,
                "query took " + format_ms(figures.query_time) + " (warn " +
                    config::format_duration(*settings.latency_warn) + ")");
  }
  if (figures.replica_known) {
    measurements.push_back({"mysql_replica", figures.replica ? 1.0 : 0.0});
  }
  std::string role = "role unknown";
  if (figures.replica) {
    const Replica& replica = *figures.replica;
    if (replica.lag_seconds)
      measurements.push_back({"mysql_replica_lag_seconds", *replica.lag_seconds});
    measurements.push_back(
        {"mysql_replica_threads_running",
         (replica.io_running == "Yes" ? 1.0 : 0.0) + (replica.sql_running == "Yes" ? 1.0 : 0.0)});
    role = "replica" + (replica.lag_seconds ? ", lag " + format_lag(*replica.lag_seconds) : "");
  } else if (figures.replica_known) {
    role = "primary";
  }
  ProbeResult result =
      verdict.result("query in " + format_ms(figures.query_time) + ", " + role + ", connections " +
                     std::to_string(static_cast<long long>(figures.connections)) + "/" +
                     std::to_string(static_cast<long long>(figures.max_connections)));
  result.measurements = std::move(measurements);
  return result;
}

}  // namespace watchdog::probes::mysql_status

#include "probes/mysql_status.h"

#include <algorithm>
#include <cstdlib>

#include "config/time_text.h"
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

int threads_running(const Replica& replica) {
  return (replica.io_running == "Yes" ? 1 : 0) + (replica.sql_running == "Yes" ? 1 : 0);
}

std::string channel_text(const Replica& replica) {
  return replica.channel.empty() ? "" : "channel '" + replica.channel + "' ";
}

// The channels that replicate or are broken (not those stopped on purpose).
std::vector<Replica> active(const Figures& figures) {
  std::vector<Replica> out;
  for (const auto& replica : figures.replicas) {
    if (!stopped_on_purpose(replica)) out.push_back(replica);
  }
  return out;
}

// The channel with the largest lag; nullptr when no channel has one.
const Replica* most_behind(const std::vector<Replica>& replicas) {
  const Replica* worst = nullptr;
  for (const auto& replica : replicas) {
    if (replica.lag_seconds && (!worst || *replica.lag_seconds > *worst->lag_seconds)) {
      worst = &replica;
    }
  }
  return worst;
}

void judge_lag(const Settings& settings, const Replica& replica, Verdict& verdict) {
  const double lag_ms = *replica.lag_seconds * 1000;
  const auto over = [&](const std::optional<milliseconds>& limit) {
    return limit && lag_ms >= static_cast<double>(limit->count());
  };
  const std::string lag = "replica lag " + format_lag(*replica.lag_seconds) +
                          (replica.channel.empty() ? "" : " in channel '" + replica.channel + "'");
  if (over(settings.replica_lag_critical)) {
    verdict.add(
        ProbeStatus::Unhealthy, FailureKind::Threshold,
        lag + " (critical " + config::format_duration(*settings.replica_lag_critical) + ")");
  } else if (over(settings.replica_lag_warn)) {
    verdict.add(ProbeStatus::Degraded, FailureKind::Threshold,
                lag + " (warn " + config::format_duration(*settings.replica_lag_warn) + ")");
  }
}

void judge_replicas(const Settings& settings, const std::vector<Replica>& replicas,
                    Verdict& verdict) {
  if (settings.expect_role == Role::Replica && replicas.empty()) {
    verdict.add(ProbeStatus::Unhealthy, FailureKind::BadResponse,
                "not a replica (no replication configured), expected replica");
  }
  if (settings.expect_role == Role::Primary && !replicas.empty()) {
    verdict.add(ProbeStatus::Unhealthy, FailureKind::BadResponse,
                "replication is configured (a replica), expected primary");
  }
  for (const auto& replica : replicas) {
    if (auto stopped = stopped_threads(replica); !stopped.empty()) {
      verdict.add(
          settings.expect_role == Role::Replica ? ProbeStatus::Unhealthy : ProbeStatus::Degraded,
          FailureKind::BadResponse, "replication stopped: " + channel_text(replica) + stopped);
    }
  }
  if (const Replica* worst = most_behind(replicas)) judge_lag(settings, *worst, verdict);
}

}  // namespace

bool stopped_on_purpose(const Replica& replica) {
  return replica.io_running == "No" && replica.sql_running == "No" &&
         replica.last_io_error.empty() && replica.last_sql_error.empty();
}

std::vector<Replica> parse_replicas(const std::vector<std::string>& columns,
                                    const std::vector<std::vector<Cell>>& rows) {
  std::vector<Replica> out;
  for (const auto& row : rows) {
    Replica& replica = out.emplace_back();
    replica.io_running = text(column(columns, row, {"Slave_IO_Running", "Replica_IO_Running"}));
    replica.sql_running = text(column(columns, row, {"Slave_SQL_Running", "Replica_SQL_Running"}));
    replica.last_io_error = text(column(columns, row, {"Last_IO_Error"}));
    replica.last_sql_error = text(column(columns, row, {"Last_SQL_Error"}));
    replica.channel =
        text(column(columns, row, {"Connection_name", "Channel_Name", "Channel_name"}));
    const std::string lag =
        text(column(columns, row, {"Seconds_Behind_Master", "Seconds_Behind_Source"}));
    char* end = nullptr;
    const double seconds = std::strtod(lag.c_str(), &end);
    if (!lag.empty() && end == lag.c_str() + lag.size()) replica.lag_seconds = seconds;
  }
  return out;
}

ProbeResult evaluate(const Settings& settings, const Figures& figures) {
  Verdict verdict;
  std::vector<Measurement> measurements = {
      {"mysql_query_seconds", std::chrono::duration<double>(figures.query_time).count()},
      {"mysql_connections", figures.connections},
      {"mysql_max_connections", figures.max_connections},
  };
  const std::vector<Replica> replicas = active(figures);
  if (figures.replica_known) judge_replicas(settings, replicas, verdict);
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
                "query took " + config::latency_ms(figures.query_time) + " (warn " +
                    config::format_duration(*settings.latency_warn) + ")");
  }
  if (figures.replica_known) {
    measurements.push_back({"mysql_replica", replicas.empty() ? 0.0 : 1.0});
  }
  std::string role = figures.replica_known ? "primary" : "role unknown";
  if (!replicas.empty()) {
    const Replica* worst = most_behind(replicas);
    if (worst) measurements.push_back({"mysql_replica_lag_seconds", *worst->lag_seconds});
    int running = 2;
    for (const auto& replica : replicas) running = std::min(running, threads_running(replica));
    measurements.push_back({"mysql_replica_threads_running", static_cast<double>(running)});
    role = "replica" +
           (replicas.size() > 1 ? " (" + std::to_string(replicas.size()) + " channels)" : "") +
           (worst ? ", lag " + format_lag(*worst->lag_seconds) : "");
  }
  ProbeResult result = verdict.result(
      "query in " + config::latency_ms(figures.query_time) + ", " + role + ", connections " +
      std::to_string(static_cast<long long>(figures.connections)) + "/" +
      std::to_string(static_cast<long long>(figures.max_connections)));
  result.measurements = std::move(measurements);
  return result;
}

}  // namespace watchdog::probes::mysql_status

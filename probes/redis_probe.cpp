#include "probes/redis_probe.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <map>

#include "config/time_text.h"
#include "config/units.h"

namespace watchdog::probes {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

// INFO's "key:value" lines; section headers ("# Server") and blank lines are skipped.
std::map<std::string, std::string> parse_info(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (!line.empty() && line[0] != '#' && colon != std::string::npos) {
      fields[line.substr(0, colon)] = line.substr(colon + 1);
    }
    begin = end + 1;
  }
  return fields;
}

}  // namespace

struct RedisProbe::Command {
  std::optional<ProbeResult> failure;
  bool broken = false;  // the connection failed (not a timeout): a reused one may be replaced
  std::string text;     // the status or string reply
};

struct RedisProbe::Info {
  std::map<std::string, std::string> fields;
  std::optional<double> number(const std::string& key) const {
    auto found = fields.find(key);
    if (found == fields.end()) return std::nullopt;
    double value = 0;
    const auto& text = found->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  }
  std::string text(const std::string& key) const {
    auto found = fields.find(key);
    return found == fields.end() ? "" : found->second;
  }
};

std::unique_ptr<Probe> RedisProbe::create(std::string name, config::Options& options) {
  if (options.has("tls")) {
    options.fail("tls", "TLS is not supported by the redis probe yet; remove the key");
  }
  Settings settings;
  settings.host = options.required_string("host");
  if (settings.host.empty()) options.fail("host", "must not be empty");
  settings.port = static_cast<int>(options.integer_or("port", 6379, 1, 65535));
  settings.user = options.string("user");
  if (settings.user && settings.user->empty()) options.fail("user", "must not be empty");
  if (auto secret = options.secret("password")) {
    if (secret->value.empty()) options.fail("password", "must not be empty");
    settings.password = std::move(secret->value);
  }
  if (settings.user && !settings.password) {
    options.fail("user", "needs a password (password or password_file)");
  }
  settings.database = options.integer_or("database", 0, 0, INT_MAX);
  settings.keep_connection = options.boolean_or("keep_connection", true);
  settings.latency_warn = options.duration("latency_warn");
  settings.memory_warn = options.ratio_or("memory_warn", 0.9);
  if (settings.memory_warn <= 0) options.fail("memory_warn", "must be above 0%");
  settings.persistence_rpo = options.duration("persistence_rpo");
  if (settings.persistence_rpo && settings.persistence_rpo->count() <= 0) {
    options.fail("persistence_rpo", "must be longer than 0s");
  }
  settings.persistence_critical = options.boolean_or("persistence_critical", false);
  if (auto role = options.string("expect_role")) {
    if (*role == "master") {
      settings.expect_role = Role::Master;
    } else if (*role == "replica") {
      settings.expect_role = Role::Replica;
    } else {
      options.fail("expect_role", "must be master or replica");
    }
  }
  return std::make_unique<RedisProbe>(std::move(name), std::move(settings));
}

RedisProbe::RedisProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)),
      settings_(std::move(settings)),
      target_(settings_.host + ":" + std::to_string(settings_.port)),
      connection_(redis::Endpoint{settings_.host, settings_.port, settings_.user,
                                  settings_.password, settings_.database}) {}

RedisProbe::~RedisProbe() = default;

ProbeResult RedisProbe::check_once(milliseconds timeout) {
  return check_by(Clock::now() + timeout, timeout);
}

void RedisProbe::discard_state() noexcept { connection_.close(); }

ProbeResult RedisProbe::check_by(Clock::time_point deadline, milliseconds timeout) {
  const bool reused = connection_.connected();
  if (!reused) {
    if (auto failure = open(deadline, timeout)) return *failure;
  }
  auto ping_start = Clock::now();
  Command ping = run({"PING"}, deadline, timeout);
  if (ping.failure && ping.broken && reused) {  // stale kept connection: one fresh attempt
    if (auto failure = open(deadline, timeout)) return *failure;
    ping_start = Clock::now();
    ping = run({"PING"}, deadline, timeout);
  }
  const auto ping_time = Clock::now() - ping_start;
  if (ping.failure) return *ping.failure;
  if (ping.text != "PONG") {
    connection_.close();
    return unhealthy(FailureKind::BadResponse,
                     "PING answered '" + connection_.redact(ping.text) + "'");
  }
  Command info = run({"INFO"}, deadline, timeout);
  if (info.failure) return *info.failure;
  if (!settings_.keep_connection) connection_.close();
  return evaluate(Info{parse_info(info.text)}, ping_time);
}

// Connects, authenticates and selects the database; on failure the connection is dropped.
std::optional<ProbeResult> RedisProbe::open(Clock::time_point deadline, milliseconds timeout) {
  auto outcome = connection_.connect(deadline);
  if (outcome.ok()) return std::nullopt;
  return failed(outcome, timeout);
}

// One command; any failure (also a reply that is neither a status nor a string) drops the
// connection.
RedisProbe::Command RedisProbe::run(const std::vector<std::string>& args,
                                    Clock::time_point deadline, milliseconds timeout) {
  Command command;
  auto outcome = connection_.command(args, deadline);
  if (!outcome.ok()) {
    command.broken = outcome.broken();
    command.failure = failed(outcome, timeout);
    return command;
  }
  const redisReply* reply = outcome.reply.get();
  if (reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_STRING) {
    command.text = reply->str ? std::string(reply->str, reply->len) : "";
    return command;
  }
  connection_.close();
  command.failure = unhealthy(FailureKind::BadResponse, args.front() + ": unexpected reply type");
  return command;
}

ProbeResult RedisProbe::failed(const redis::Outcome& outcome, milliseconds timeout) const {
  const std::string& name = outcome.command;
  const std::string& text = outcome.error;
  switch (outcome.failure) {
    case redis::Failure::None:
    case redis::Failure::ErrorReply:
      break;
    case redis::Failure::Timeout:
      return timed_out(name.empty() ? "connection" : name + " reply", timeout);
    case redis::Failure::Refused:
      return unhealthy(FailureKind::Refused, target_ + ": connection refused");
    case redis::Failure::LocalResource:  // says nothing about the server
      return local_exhaustion("cannot connect to " + target_ + ": " + text);
    case redis::Failure::ConnectError:
      return unhealthy(FailureKind::Error, target_ + ": " + text);
    case redis::Failure::Closed:
      return unhealthy(FailureKind::Error,
                       target_ + ": server closed the connection during " + name);
    case redis::Failure::IoError:
      return unhealthy(FailureKind::Error, target_ + ": " + text + " during " + name);
  }
  const std::string error = connection_.redact(text);
  if (starts_with(text, "NOAUTH")) {
    return unhealthy(FailureKind::Auth, "authentication required but no password configured");
  }
  if (starts_with(text, "WRONGPASS") || text.find("invalid password") != std::string::npos) {
    return unhealthy(FailureKind::Auth, settings_.user
                                            ? "authentication failed for user '" + *settings_.user +
                                                  "': wrong user or password"
                                            : std::string("authentication failed: wrong password"));
  }
  if (starts_with(text, "NOPERM")) {
    return unhealthy(FailureKind::Auth, "permission denied: " + error);
  }
  if (name == "AUTH") return unhealthy(FailureKind::Auth, "AUTH rejected: " + error);
  return unhealthy(FailureKind::BadResponse, name + " failed: " + error);
}

ProbeResult RedisProbe::evaluate(const Info& info, std::chrono::nanoseconds ping) const {
  struct Issue {
    ProbeStatus status;
    FailureKind kind;
    std::string text;
  };
  std::vector<Issue> issues;
  std::vector<Measurement> measurements;
  const double ping_seconds = std::chrono::duration<double>(ping).count();
  measurements.push_back({"redis_ping_seconds", ping_seconds});
  const auto persistence =
      settings_.persistence_critical ? ProbeStatus::Unhealthy : ProbeStatus::Degraded;

  const std::string role = info.text("role") == "slave" ? "replica" : info.text("role");
  if (settings_.expect_role) {
    const std::string expected = *settings_.expect_role == Role::Master ? "master" : "replica";
    if (role != expected) {
      issues.push_back({ProbeStatus::Unhealthy, FailureKind::BadResponse,
                        "role " + (role.empty() ? "unknown" : role) + ", expected " + expected});
    }
  }
  if (auto clients = info.number("connected_clients")) {
    measurements.push_back({"redis_connected_clients", *clients});
  }
  const auto used = info.number("used_memory");
  const auto maxmemory = info.number("maxmemory");
  if (used) measurements.push_back({"redis_used_memory_bytes", *used});
  if (used && maxmemory && *maxmemory > 0) {
    const double ratio = *used / *maxmemory;
    measurements.push_back({"redis_memory_used_ratio", ratio});
    if (ratio >= settings_.memory_warn) {
      issues.push_back({ProbeStatus::Degraded, FailureKind::Threshold,
                        "memory " + config::format_ratio(ratio) + " of maxmemory (warn " +
                            config::format_ratio(settings_.memory_warn) + ")"});
    }
  }
  const std::string bgsave = info.text("rdb_last_bgsave_status");
  if (!bgsave.empty()) {
    measurements.push_back({"redis_rdb_last_bgsave_ok", bgsave == "ok" ? 1.0 : 0.0});
    if (bgsave != "ok") {
      issues.push_back(
          {persistence, FailureKind::Threshold, "last bgsave failed (" + bgsave + ")"});
    }
  }
  if (auto last_save = info.number("rdb_last_save_time")) {
    const double now = config::unix_seconds(std::chrono::system_clock::now());
    const double age = std::max(0.0, now - *last_save);
    measurements.push_back({"redis_last_save_age_seconds", age});
    const double changes = info.number("rdb_changes_since_last_save").value_or(0);
    if (settings_.persistence_rpo && changes > 0 &&
        age * 1000 > static_cast<double>(settings_.persistence_rpo->count())) {
      issues.push_back(
          {persistence, FailureKind::Threshold,
           "last save " +
               config::format_duration(milliseconds(static_cast<long long>(age) * 1000)) +
               " ago with " + std::to_string(static_cast<long long>(changes)) +
               " unsaved changes (rpo " + config::format_duration(*settings_.persistence_rpo) +
               ")"});
    }
  }
  if (info.text("aof_enabled") == "1") {
    const std::string aof = info.text("aof_last_write_status");
    measurements.push_back({"redis_aof_last_write_ok", aof == "ok" ? 1.0 : 0.0});
    if (aof != "ok") {
      issues.push_back(
          {persistence, FailureKind::Threshold, "last AOF write failed (" + aof + ")"});
    }
  }
  if (settings_.latency_warn && ping > *settings_.latency_warn) {
    issues.push_back({ProbeStatus::Degraded, FailureKind::Threshold,
                      "PING took " + config::latency_ms(ping) + " (warn " +
                          config::format_duration(*settings_.latency_warn) + ")"});
  }

  ProbeResult result;
  if (issues.empty()) {
    std::string detail = "PONG in " + config::latency_ms(ping) + ", role " + role;
    if (used) detail += ", memory " + config::format_size(static_cast<std::uint64_t>(*used));
    result = healthy(std::move(detail));
  } else {
    std::stable_sort(issues.begin(), issues.end(), [](const Issue& a, const Issue& b) {
      return a.status == ProbeStatus::Unhealthy && b.status != ProbeStatus::Unhealthy;
    });
    std::string detail;
    for (const auto& issue : issues) detail += (detail.empty() ? "" : "; ") + issue.text;
    result = issues.front().status == ProbeStatus::Unhealthy
                 ? unhealthy(issues.front().kind, std::move(detail))
                 : degraded(issues.front().kind, std::move(detail));
  }
  result.measurements = std::move(measurements);
  return result;
}

ProbeResult RedisProbe::timed_out(const std::string& what, milliseconds timeout) const {
  return unhealthy(FailureKind::Timeout,
                   target_ + ": no " + what + " within " + config::format_duration(timeout));
}

}  // namespace watchdog::probes

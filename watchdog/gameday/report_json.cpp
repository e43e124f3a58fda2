// to_json / result_from_json (declared in report.h).
#include <stdexcept>

#include "config/time_text.h"
#include "watchdog/gameday/report.h"

namespace watchdog::gameday {
namespace {

using nlohmann::json;

json time_json(const std::optional<TimePoint>& at) {
  return at ? json(config::format_rfc3339_ms(*at)) : json(nullptr);
}

json ms_json(const std::optional<milliseconds>& duration) {
  return duration ? json(duration->count()) : json(nullptr);
}

std::optional<TimePoint> optional_time(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  const auto text = j.at(key).get<std::string>();
  auto at = config::parse_rfc3339(text);
  if (!at) throw std::invalid_argument(std::string(key) + ": not an RFC 3339 time: " + text);
  return at;
}

TimePoint time_at(const json& j, const char* key) {
  auto at = optional_time(j, key);
  return at ? *at : TimePoint{};
}

milliseconds ms_at(const json& j, const char* key) { return milliseconds(j.value(key, 0LL)); }

constexpr Outcome kOutcomes[] = {Outcome::Recovered,  Outcome::Failed,   Outcome::Detected,
                                 Outcome::Undetected, Outcome::TimedOut, Outcome::Interrupted,
                                 Outcome::Error,      Outcome::NotRun};
constexpr config::GamedayExpect kExpects[] = {
    config::GamedayExpect::Recover, config::GamedayExpect::Detect, config::GamedayExpect::GiveUp};

Outcome outcome_from(const std::string& name) {
  for (auto outcome : kOutcomes) {
    if (name == outcome_name(outcome)) return outcome;
  }
  throw std::invalid_argument("unknown outcome: " + name);
}

config::GamedayExpect expect_from(const std::string& name) {
  for (auto expect : kExpects) {
    if (name == expect_text(expect)) return expect;
  }
  throw std::invalid_argument("unknown expect: " + name);
}

json data_loss_json(const DataLoss& loss, const std::optional<TimePoint>& fault) {
  std::optional<milliseconds> age;
  if (fault && loss.backup_started) {
    age = std::chrono::duration_cast<milliseconds>(*fault - *loss.backup_started);
  }
  return {{"rows_written", loss.rows_written},
          {"rows_present", loss.rows_present},
          {"rows_lost", loss.rows_lost()},
          {"last_present_written", time_json(loss.last_present_written)},
          {"backup_started", time_json(loss.backup_started)},
          {"backup_name", loss.backup_name},
          {"backup_age_ms", ms_json(age)},
          {"rpo_ms", loss.rpo.count()},
          {"writer_started", time_json(loss.writer_started)},
          {"database_holds_data", loss.database_holds_data}};
}

DataLoss data_loss_from(const json& j) {
  DataLoss loss;
  loss.rows_written = j.value("rows_written", std::int64_t{0});
  loss.rows_present = j.value("rows_present", std::int64_t{0});
  loss.last_present_written = optional_time(j, "last_present_written");
  loss.backup_started = optional_time(j, "backup_started");
  loss.backup_name = j.value("backup_name", "");
  loss.rpo = ms_at(j, "rpo_ms");
  loss.writer_started = optional_time(j, "writer_started");
  loss.database_holds_data = j.value("database_holds_data", true);
  return loss;
}

}  // namespace

const char* expect_text(config::GamedayExpect expect) {
  switch (expect) {
    case config::GamedayExpect::Recover:
      return "recover";
    case config::GamedayExpect::Detect:
      return "detect";
    case config::GamedayExpect::GiveUp:
      return "give_up";
  }
  return "recover";
}

json to_json(const Result& r) {
  json alerts = json::array();
  for (const auto& a : r.alerts) {
    alerts.push_back({{"sink", a.sink},
                      {"state", a.state},
                      {"status", a.status},
                      {"queued", time_json(a.queued)},
                      {"finished", time_json(a.finished)},
                      {"latency_ms", ms_json(a.latency())}});
  }
  json checks = json::array();
  for (const auto& c : r.checks) {
    checks.push_back({{"what", c.what}, {"passed", c.passed}, {"detail", c.detail}});
  }
  json timeline = json::array();
  for (const auto& t : r.timeline) {
    timeline.push_back({{"at", time_json(t.at)}, {"source", t.source}, {"text", t.text}});
  }
  return {{"id", r.id},
          {"scenario", r.scenario},
          {"component", r.component},
          {"trigger", r.trigger},
          {"staging", r.staging},
          {"expect", expect_text(r.expect)},
          {"started", time_json(r.started)},
          {"fault", time_json(r.fault)},
          {"reverted", time_json(r.reverted)},
          {"ended", time_json(r.ended)},
          {"outcome", outcome_name(r.outcome)},
          {"reason", r.reason},
          {"passed", r.passed},
          {"incident_id", r.incident_id},
          {"worst_state", r.worst_state},
          {"attempts", r.attempts},
          {"first_failure", time_json(r.first_failure)},
          {"detected", time_json(r.detected)},
          {"first_action", time_json(r.first_action)},
          {"recovered", time_json(r.recovered)},
          {"time_to_detect_ms", ms_json(r.time_to_detect())},
          {"time_to_first_action_ms", ms_json(r.time_to_first_action())},
          {"time_to_recover_ms", ms_json(r.time_to_recover())},
          {"rto_ms", r.rto.count()},
          {"probe_interval_ms", r.probe_interval.count()},
          {"failure_threshold", r.failure_threshold},
          {"alerts", alerts},
          {"data_loss", r.data_loss ? data_loss_json(*r.data_loss, r.fault) : json(nullptr)},
          {"checks", checks},
          {"advice", r.advice},
          {"timeline", timeline}};
}

Result result_from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("a game-day result must be a JSON object");
  Result r;
  r.id = j.value("id", "");
  r.scenario = j.value("scenario", "");
  r.component = j.value("component", "");
  r.trigger = j.value("trigger", "");
  r.staging = j.value("staging", false);
  r.expect = expect_from(j.value("expect", "recover"));
  r.started = time_at(j, "started");
  r.fault = optional_time(j, "fault");
  r.reverted = optional_time(j, "reverted");
  r.ended = time_at(j, "ended");
  r.outcome = outcome_from(j.value("outcome", "error"));
  r.reason = j.value("reason", "");
  r.passed = j.value("passed", false);
  r.incident_id = j.value("incident_id", "");
  r.worst_state = j.value("worst_state", "");
  r.attempts = j.value("attempts", 0);
  r.first_failure = optional_time(j, "first_failure");
  r.detected = optional_time(j, "detected");
  r.first_action = optional_time(j, "first_action");
  r.recovered = optional_time(j, "recovered");
  r.rto = ms_at(j, "rto_ms");
  r.probe_interval = ms_at(j, "probe_interval_ms");
  r.failure_threshold = j.value("failure_threshold", 0);
  for (const auto& a : j.value("alerts", json::array())) {
    r.alerts.push_back({a.value("sink", ""), a.value("state", ""), a.value("status", ""),
                        time_at(a, "queued"), optional_time(a, "finished")});
  }
  if (j.contains("data_loss") && j.at("data_loss").is_object()) {
    r.data_loss = data_loss_from(j.at("data_loss"));
  }
  for (const auto& c : j.value("checks", json::array())) {
    r.checks.push_back({c.value("what", ""), c.value("passed", false), c.value("detail", "")});
  }
  r.advice = j.value("advice", std::vector<std::string>{});
  for (const auto& t : j.value("timeline", json::array())) {
    r.timeline.push_back({time_at(t, "at"), t.value("source", ""), t.value("text", "")});
  }
  return r;
}

}  // namespace watchdog::gameday

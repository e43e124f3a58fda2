#include "watchdog/gameday/runner_record.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "config/time_text.h"
#include "watchdog/gameday/measure.h"
#include "watchdog/gameday/report.h"
#include "watchdog/logging.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::gameday {
namespace {

using logging::kv;

nlohmann::json event_data(const Result& result) {
  return {{"gameday", result.id},
          {"scenario", result.scenario},
          {"trigger", result.trigger},
          {"outcome", outcome_name(result.outcome)}};
}

}  // namespace

std::string gameday_id(TimePoint started, const std::string& component,
                       const std::string& scenario) {
  return "gd-" + config::format_utc_stamp(started) + "-" + component + "-" + scenario;
}

void read_sink_outage(const nlohmann::json& memory, Result& result) {
  if (!memory.is_object() || !memory.contains("sink_down_at")) return;
  const auto down = config::parse_rfc3339(memory.value("sink_down_at", ""));
  if (!down) return;
  SinkOutage outage{memory.value("sink", ""), *down, std::nullopt};
  if (const auto up = config::parse_rfc3339(memory.value("sink_up_at", ""))) outage.up = *up;
  result.sink_outage = std::move(outage);
}

void mark_incident(store::StateStore& store, const std::string& incident_id, const Result& result) {
  store::IncidentJournal(store.db())
      .append(incident_id, Clock::now(), "gameday",
              "game day " + result.id + " (" + result.scenario + ", " + result.trigger +
                  "): this incident is the game day's fault",
              event_data(result).dump());
}

void conclude(store::StateStore& store, GamedayStore& rows, const config::Config& config,
              Result& result) {
  try {
    measure(store, config, result);
  } catch (const std::exception& error) {
    // The outcome stands; only the journal's figures are missing, and the report says so.
    result.timeline.push_back({Clock::now(), "gameday",
                               std::string("could not read the journal: ") + error.what()});
    spdlog::error("gameday_measure_failed {} {}", kv("id", result.id), kv("error", error.what()));
  }
  if (result.outcome == Outcome::NotRun) {
    // Refused before the fault: nothing to judge, and not a pass.
    result.checks = {{"ran", false, result.reason}};
    result.passed = false;
  } else {
    judge(result);
  }
  if (!result.incident_id.empty()) {
    auto data = event_data(result);
    data["passed"] = result.passed;
    try {
      store::IncidentJournal(store.db())
          .append(result.incident_id, Clock::now(), "gameday",
                  "game day " + result.id + " " + (result.passed ? "passed" : "FAILED") + ": " +
                      outcome_name(result.outcome) +
                      (result.reason.empty() ? "" : " (" + result.reason + ")"),
                  data.dump());
    } catch (const std::exception& error) {
      spdlog::error("gameday_journal_failed {} {}", kv("id", result.id), kv("error", error.what()));
    }
  }
  rows.finish(result.id, to_json(result).dump(), outcome_name(result.outcome), result.passed,
              result.ended);
}

}  // namespace watchdog::gameday

#include "watchdog/gameday/gameday_metrics.h"

#include <spdlog/spdlog.h>

#include "config/time_text.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/report.h"
#include "watchdog/logging.h"
#include "watchdog/metrics_text.h"

namespace watchdog::gameday {
namespace {

using logging::kv;

std::string labels_of(const Result& result) {
  std::string labels;
  core::append_label(labels, "scenario", result.scenario);
  labels += ',';
  core::append_label(labels, "component", result.component);
  return labels;
}

}  // namespace

std::vector<Result> readable_results(const std::vector<std::string>& rows,
                                     const std::set<std::string>& components) {
  std::vector<Result> out;
  for (const auto& row : rows) {
    try {
      auto result = result_from_json(nlohmann::json::parse(row));
      if (components.contains(result.component)) out.push_back(std::move(result));
    } catch (const std::exception& error) {
      spdlog::warn("gameday_result_unreadable {}", kv("error", error.what()));
    }
  }
  return out;
}

GamedayMetrics::GamedayMetrics(core::Metrics& metrics)
    : store_(metrics.store()),
      last_run_(store_.add_global("watchdog_gameday_last_run_timestamp_seconds",
                                  "When the newest game day of the scenario and component started",
                                  core::MetricType::Gauge)),
      last_time_to_recover_(store_.add_global(
          "watchdog_gameday_last_time_to_recover_seconds",
          "Fault to HEALTHY in the newest game day (absent when it did not recover)",
          core::MetricType::Gauge)),
      last_passed_(store_.add_global("watchdog_gameday_last_passed",
                                     "1 if every check of the newest game day passed, else 0",
                                     core::MetricType::Gauge)) {}

void GamedayMetrics::show(const std::vector<Result>& latest) {
  std::lock_guard lock(mutex_);
  std::set<std::string> now_shown;
  for (const auto& result : latest) {
    const auto labels = labels_of(result);
    now_shown.insert(labels);
    store_.global(last_run_, labels).set(config::unix_seconds(result.started));
    store_.global(last_passed_, labels).set(result.passed ? 1 : 0);
    auto& recover = store_.global(last_time_to_recover_, labels);
    // A Detect scenario is mended by its own revert, not by the watchdog: its fault → closed
    // is no recovery time, and next to the RTO it would mislead.
    const auto took = result.expect == config::GamedayExpect::Recover
                          ? result.time_to_recover()
                          : std::nullopt;
    if (took) {
      recover.set(std::chrono::duration<double>(*took).count());
    } else {
      recover.remove();
    }
  }
  for (const auto& labels : shown_) {
    if (now_shown.contains(labels)) continue;
    for (FamilyId family : {last_run_, last_time_to_recover_, last_passed_}) {
      store_.global(family, labels).remove();
    }
  }
  shown_ = std::move(now_shown);
}

void GamedayMetrics::refresh(store::StateStore& store, const std::set<std::string>& components) {
  // Any commit of another connection counts (the engine's too): reading the newest result of
  // each pair is one small query, and a missed game day would stay invisible until the next.
  try {
    const bool changed = store.changed_elsewhere();
    {
      std::lock_guard lock(mutex_);
      if (refreshed_ && !failing_ && !changed && components == components_) return;
    }
    std::vector<std::string> texts;
    for (const auto& row : GamedayStore(store).latest_results()) texts.push_back(row.result);
    show(readable_results(texts, components));
    std::lock_guard lock(mutex_);
    refreshed_ = true;
    components_ = components;
    failing_ = false;
  } catch (const std::exception& error) {
    std::lock_guard lock(mutex_);
    if (!failing_) spdlog::error("gameday_metrics_unreadable {}", kv("error", error.what()));
    failing_ = true;
  }
}

}  // namespace watchdog::gameday

#include "watchdog/gameday/runner_safety.h"

#include <algorithm>

#include "config/time_text.h"
#include "config/units.h"

namespace watchdog::gameday {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kDefaultTimeout = std::chrono::minutes(15);

// How many open incidents the check reads: far more than a stack ever has open at once.
constexpr std::size_t kOpenIncidentsRead = 1000;

std::string expectation_text(config::GamedayExpect expect, const std::string& component) {
  switch (expect) {
    case config::GamedayExpect::Recover:
      return "the watchdog to detect the fault and recover " + component + " (HEALTHY again)";
    case config::GamedayExpect::Detect:
      return "the watchdog to detect the fault (then the revert mends it and " + component +
             " must turn HEALTHY)";
    case config::GamedayExpect::GiveUp:
      return "the watchdog to give up on " + component + " (FAILED, with its alert)";
  }
  return "the watchdog's answer";
}

}  // namespace

const config::ComponentSpec* component_named(const config::Config& config,
                                             const std::string& name) {
  for (const auto& component : config.components) {
    if (component.name == name) return &component;
  }
  return nullptr;
}

const config::ComponentSpec& find_component(const config::Config& config,
                                            const std::string& name) {
  if (const auto* component = component_named(config, name)) return *component;
  std::string known;
  for (const auto& c : config.components) known += (known.empty() ? "" : ", ") + c.name;
  throw ScenarioError("unknown component '" + name + "' (known: " + known + ")");
}

void check_staging(const config::ComponentSpec& component, const RunRequest& request) {
  if (component.staging || request.allow_production) return;
  throw RefusedError("component " + component.name +
                     " is not marked `staging: true`: a game day breaks it on purpose, so it "
                     "refuses production unless you pass --i-know-this-is-production");
}

std::vector<std::string> dependency_closure(const config::Config& config,
                                            const std::string& component) {
  std::vector<std::string> out = {component};
  for (std::size_t next = 0; next < out.size(); ++next) {
    auto spec = std::find_if(config.components.begin(), config.components.end(),
                             [&](const config::ComponentSpec& c) { return c.name == out[next]; });
    if (spec == config.components.end()) continue;
    for (const auto& dependency : spec->depends_on) {
      if (std::find(out.begin(), out.end(), dependency) == out.end()) out.push_back(dependency);
    }
  }
  return out;
}

void check_no_open_incident(store::IncidentJournal& journal, const config::Config& config,
                            const std::string& component) {
  const auto watched = dependency_closure(config, component);
  for (const auto& incident : journal.list(kOpenIncidentsRead, true)) {
    if (std::find(watched.begin(), watched.end(), incident.component) == watched.end()) continue;
    const bool itself = incident.component == component;
    throw RefusedError("incident " + incident.id + " is open on " + incident.component +
                       (itself ? "" : " (which " + component + " depends on)") + " since " +
                       config::format_rfc3339(incident.opened) +
                       ": a game day waits until it is closed");
  }
}

std::string describe(const GamedayRow& row) {
  return "game day " + row.id + " (" + row.scenario + " on " + row.component + ", pid " +
         std::to_string(row.owner_pid) + " on " + row.owner_host + ", " + row.status + " since " +
         config::format_rfc3339(row.started) + ")";
}

milliseconds resolve_timeout(const RunRequest& request, const config::ComponentSpec& component) {
  if (request.timeout) return *request.timeout;
  if (component.gameday.timeout > config::Duration::zero()) {
    return std::chrono::duration_cast<milliseconds>(component.gameday.timeout);
  }
  if (component.rto > config::Duration::zero()) {
    return std::chrono::duration_cast<milliseconds>(2 * component.rto);
  }
  return kDefaultTimeout;
}

std::vector<std::string> build_plan(const RunRequest& request,
                                    const config::ComponentSpec& component,
                                    const Scenario& scenario, milliseconds timeout) {
  std::vector<std::string> plan;
  plan.push_back("game day " + request.scenario + " on " + component.name + " (" +
                 (component.staging ? "staging" : "PRODUCTION: --i-know-this-is-production") +
                 ", trigger " + request.trigger + ")");
  for (const auto& line : scenario.plan()) plan.push_back(line);
  plan.push_back("wait up to " + config::format_duration(timeout) + " for " +
                 expectation_text(scenario.expect(), component.name));
  plan.push_back(
      "revert: always, also after Ctrl-C or a failed step (a killed game day is reverted by the "
      "next `watchdog gameday` or `watchdog run`)");
  plan.push_back("measure from the watchdog's journal, judge against rto " +
                 (component.rto > config::Duration::zero() ? config::format_duration(component.rto)
                                                           : std::string("(none set)")) +
                 ", record the result");
  return plan;
}

}  // namespace watchdog::gameday

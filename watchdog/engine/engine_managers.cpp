// The engine's side of `managed_by`: which HA managers to watch (ManagerWatch asks them on its
// own thread), their latest answers copied into the runtimes once per turn, and the hold each
// answer implies (holds.h manager_hold_reason) for update_holds. Loop thread only.
#include <spdlog/spdlog.h>

#include "watchdog/engine/engine_internal.h"
#include "watchdog/logging.h"

namespace watchdog::core {

using logging::kv;

// After a plan change: the managers of this plan, answers kept for unchanged ones, and the
// series of components no longer managed forgotten.
void Engine::watch_managers(const std::vector<std::unique_ptr<Runtime>>& old) {
  std::vector<ManagerWatch::Target> targets;
  managed_.clear();
  for (std::size_t i = 0; i < runtimes_.size(); ++i) {
    if (const auto& manager = runtimes_[i]->plan.spec.managed_by) {
      targets.push_back({runtimes_[i]->plan.spec.name, *manager});
      managed_.push_back(i);
    }
  }
  for (const auto& previous : old) {
    const auto& name = previous->plan.spec.name;
    const Runtime* now = find(name);
    if (previous->plan.spec.managed_by && (now == nullptr || !now->plan.spec.managed_by)) {
      manager_metrics_.forget_component(name);
    }
  }
  if (targets.empty() && !managers_) return;
  if (!managers_) managers_ = std::make_unique<ManagerWatch>();
  managers_->set_targets(std::move(targets));
  copy_manager_readings();
}

void Engine::copy_manager_readings() {
  if (!managers_) return;
  managers_seen_ = managers_->version();
  const auto readings = managers_->readings();
  for (std::size_t i : managed_) {
    auto& runtime = runtimes_[i];
    const auto& manager = runtime->plan.spec.managed_by;
    const auto it = readings.find(runtime->plan.spec.name);
    if (it == readings.end()) {
      runtime->manager_reading.reset();
      continue;
    }
    const bool is_new = !runtime->manager_reading || runtime->manager_reading->at != it->second.at;
    runtime->manager_reading = it->second;
    if (!is_new) continue;
    manager_metrics_.set(runtime->plan.spec.name, manager->kind, it->second);
    spdlog::debug("manager_answer {} {} {} {} {}", kv("component", runtime->plan.spec.name),
                  kv("manager", manager->kind), kv("alive", it->second.alive ? "true" : "false"),
                  kv("paused", it->second.paused ? "true" : "false"),
                  kv("known", it->second.known ? "true" : "false"),
                  kv("problem", it->second.problem));
  }
}

// Every turn: new answers are copied, and a hold that an answer (or its age) changed makes the
// holds stale. O(managed components) per turn, not O(components).
void Engine::poll_managers(TimePoint now) {
  if (!managers_) return;
  if (managers_->version() != managers_seen_) copy_manager_readings();
  for (std::size_t i : managed_) {
    const auto& runtime = runtimes_[i];
    const auto& manager = runtime->plan.spec.managed_by;
    const auto reason =
        manager_hold_reason(*manager, runtime->manager_reading, runtime->first_failure, now);
    if (reason != runtime->manager_hold) holds_stale_ = true;
  }
}

// For update_holds: the hold of this component's manager now. A component that started failing
// since the manager's latest answer has the manager asked again (once per failure), so that
// acting because the manager is down goes by an answer taken after the failure.
std::string Engine::manager_hold_of(Runtime& runtime, TimePoint now) {
  const auto& manager = runtime.plan.spec.managed_by;
  if (!manager) {
    runtime.manager_hold.clear();  // managed_by removed by a reload: nothing of it stays
    runtime.manager_reading.reset();
    return {};
  }
  const auto& reading = runtime.manager_reading;
  const auto& failing_since = runtime.first_failure;
  if (managers_ && failing_since && (!reading || reading->at < *failing_since) &&
      runtime.manager_asked_for != failing_since) {
    runtime.manager_asked_for = failing_since;
    managers_->check_now(runtime.plan.spec.name);
  }
  runtime.manager_hold = manager_hold_reason(*manager, reading, failing_since, now);
  return runtime.manager_hold;
}

// An action starts on a managed component: only when its manager is down and the operator
// allowed it (act_when_manager_down). Said loudly, in the log and in the incident.
void Engine::note_acting_despite_manager(const Runtime& runtime) {
  const auto& manager = runtime.plan.spec.managed_by;
  if (!manager) return;
  const auto& reading = runtime.manager_reading;
  const std::string problem = reading ? reading->problem : "no answer";
  const std::string why = "acting although managed by " + manager->kind + " (" + manager->display +
                          "): it is down (" + problem + ") and act_when_manager_down is true";
  spdlog::warn("action_despite_manager {} {} {} {}", kv("component", runtime.plan.spec.name),
               kv("manager", manager->kind), kv("url", manager->display), kv("problem", problem));
  recorder_.note(runtime.machine.incident_id, Clock::now(), "manager", why,
                 {{"manager", manager->kind}, {"url", manager->display}, {"problem", problem}});
}

}  // namespace watchdog::core

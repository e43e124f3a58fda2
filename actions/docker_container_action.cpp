#include "actions/docker_container_action.h"

#include <vector>

#include "probes/clients/process_runner.h"

namespace watchdog::actions {
namespace {

using std::chrono::milliseconds;

bool stopped(const probes::ContainerInfo& container) {
  return container.status == "exited" || container.status == "created";
}

}  // namespace

bool needs_stop_judgement(const probes::ContainerInfo& container, bool respect_manual_stop) {
  return respect_manual_stop && stopped(container);
}

std::string docker_skip_reason(const probes::ContainerInfo& container,
                               const probes::StopJudgement& stop, bool respect_manual_stop) {
  if (container.status == "restarting") {
    return "already restarting (Docker's restart policy is on it)";
  }
  if (container.status == "removing") return "being removed";
  if (!needs_stop_judgement(container, respect_manual_stop)) return "";
  if (container.oom_killed) return "";  // the kernel stopped it, not a person
  switch (stop.cause) {
    case probes::StopCause::Crashed:
      return "";
    case probes::StopCause::OnPurpose:
      return "left alone: " + stop.detail + " (respect_manual_stop)";
    case probes::StopCause::Unknown:
      return "left alone: cannot tell whether it was stopped on purpose: " + stop.detail +
             " (respect_manual_stop)";
  }
  return "";
}

DockerContainerAction::Settings DockerContainerAction::read_settings(config::Options& options,
                                                                     bool manual_stop_key) {
  Settings settings;
  settings.endpoint = probes::read_docker_endpoint(options);
  settings.target = probes::read_container_target(options);
  settings.respect_manual_stop = manual_stop_key && options.boolean_or("respect_manual_stop", true);
  return settings;
}

std::string DockerContainerAction::skip_reason(const probes::ContainerInfo& container,
                                               const probes::StopJudgement& stop) const {
  return docker_skip_reason(container, stop, settings_.respect_manual_stop);
}

DockerContainerAction::DockerContainerAction(std::string name, Settings settings)
    : GuardedAction(std::move(name)), settings_(std::move(settings)), api_(settings_.endpoint) {}

ActionOutcome DockerContainerAction::run_once(const Incident&, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto found = api_.find(settings_.target, time_left(deadline));
  if (auto* error = std::get_if<probes::DockerError>(&found)) return failed(error->detail);
  std::vector<std::string> done, skipped, failures;
  for (const auto& container : std::get<std::vector<probes::ContainerInfo>>(found)) {
    probes::StopJudgement stop;
    if (needs_stop_judgement(container, settings_.respect_manual_stop)) {
      stop = api_.stop_cause(container, time_left(deadline));
    }
    std::string skip = skip_reason(container, stop);
    if (!skip.empty()) {
      skipped.push_back(container.name + " " + skip);
      continue;
    }
    if (auto error = act(api_, container, time_left(deadline))) {
      failures.push_back(container.name + ": " + *error);
    } else {
      done.push_back(container.name);
    }
  }
  std::string detail;
  auto add = [&](const std::string& part) { detail += (detail.empty() ? "" : "; ") + part; };
  if (!done.empty()) {
    std::string names;
    for (const auto& name : done) names += (names.empty() ? "" : ", ") + name;
    add(std::string(verb()) + " " + names);
  }
  for (const auto& part : failures) add(part);
  for (const auto& part : skipped) add(part);
  if (!done.empty() && failures.empty()) return succeeded(std::move(detail));
  return failed(std::move(detail));
}

}  // namespace watchdog::actions

#include "probes/docker_probe.h"

#include <algorithm>

#include "config/time_text.h"
#include "probes/clients/process_runner.h"

namespace watchdog::probes {
namespace {

using Clock = std::chrono::system_clock;

std::string ago(std::optional<Clock::time_point> when, Clock::time_point now) {
  if (!when) return "";
  return " " + config::human_duration(std::max(Clock::duration::zero(), now - *when)) + " ago";
}

int rank(ProbeStatus status) {
  switch (status) {
    case ProbeStatus::Healthy:
      return 0;
    case ProbeStatus::Degraded:
      return 1;
    case ProbeStatus::Unknown:
      return 2;
    case ProbeStatus::Unhealthy:
      return 3;
  }
  return 3;
}

// The verdict from the container's own state, before asking why a stopped one stopped.
ProbeResult judge_state(const ContainerInfo& c, std::optional<int> previous_restart_count,
                        Clock::time_point now) {
  const std::string restarts = "restarts " + std::to_string(c.restart_count);
  if (previous_restart_count && c.restart_count > *previous_restart_count) {
    return unhealthy(FailureKind::BadResponse,
                     "restart loop: restarted " +
                         std::to_string(c.restart_count - *previous_restart_count) +
                         " times since the last check (" + restarts + ", now " + c.status + ")");
  }
  if (c.status == "running") {
    const std::string up =
        "running for " + (c.started_at ? config::human_duration(now - *c.started_at)
                                       : std::string("an unknown time"));
    if (c.health == "unhealthy") {
      return unhealthy(FailureKind::BadResponse,
                       "health check failing (" + std::to_string(c.health_failing_streak) +
                           " in a row, last exit " + std::to_string(c.health_last_exit) + "), " +
                           up);
    }
    if (c.health == "starting") {
      return degraded(FailureKind::None, "health check not decided yet (starting), " + up);
    }
    return healthy(up + (c.health.empty() ? "" : ", healthy") + ", " + restarts);
  }
  if (c.status == "restarting") {
    return unhealthy(FailureKind::BadResponse, "restarting: the process keeps exiting (exit code " +
                                                   std::to_string(c.exit_code) + ", " + restarts +
                                                   ")");
  }
  if (c.status == "exited" && c.oom_killed) {
    return unhealthy(FailureKind::Error, "killed by the kernel OOM killer (out of memory)" +
                                             ago(c.finished_at, now) + ", " + restarts);
  }
  if (c.status == "exited") {
    return unhealthy(FailureKind::BadResponse,
                     "exited with code " + std::to_string(c.exit_code) + ago(c.finished_at, now));
  }
  if (c.status == "dead") {
    return unhealthy(FailureKind::Error, "dead (the engine failed to stop or remove it)");
  }
  if (c.status == "paused") return unhealthy(FailureKind::BadResponse, "paused");
  if (c.status == "created") return unhealthy(FailureKind::BadResponse, "created, never started");
  if (c.status == "removing") return unhealthy(FailureKind::NotFound, "being removed");
  return unhealthy(FailureKind::Error, "unexpected state '" + c.status + "'");
}

}  // namespace

bool needs_stop_cause(const ContainerInfo& c) {
  return (c.status == "exited" || c.status == "created") && !c.oom_killed;
}

ProbeResult judge_container(const ContainerInfo& c, std::optional<int> previous_restart_count,
                            Clock::time_point now, const std::optional<StopJudgement>& stop,
                            bool respect_manual_stop) {
  const bool on_purpose = needs_stop_cause(c) && stop && stop->cause == StopCause::OnPurpose;
  if (on_purpose && respect_manual_stop) {
    return degraded(FailureKind::Stopped, stop->detail + "; start it to resume monitoring");
  }
  ProbeResult result = judge_state(c, previous_restart_count, now);
  if (on_purpose) result.detail += "; " + stop->detail;
  return result;
}

std::unique_ptr<Probe> DockerProbe::create(std::string name, config::Options& options) {
  auto endpoint = read_docker_endpoint(options);
  auto target = read_container_target(options);
  const bool respect_manual_stop = options.boolean_or("respect_manual_stop", true);
  return std::make_unique<DockerProbe>(std::move(name), std::move(endpoint), std::move(target),
                                       respect_manual_stop);
}

DockerProbe::DockerProbe(std::string name, DockerApi::Settings endpoint, ContainerTarget target,
                         bool respect_manual_stop)
    : GuardedProbe(std::move(name)),
      api_(std::move(endpoint)),
      target_(std::move(target)),
      respect_manual_stop_(respect_manual_stop) {}

ProbeResult DockerProbe::check_once(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto found = api_.find(target_, timeout);
  if (auto* error = std::get_if<DockerError>(&found)) {
    return unhealthy(error->kind, error->detail);
  }
  const auto& containers = std::get<std::vector<ContainerInfo>>(found);
  const auto now = Clock::now();
  ProbeResult worst;
  int failing = 0;
  double highest_restarts = 0, lowest_uptime = -1;
  std::map<std::string, int> seen;
  for (const auto& container : containers) {
    std::optional<int> previous;
    if (auto it = restart_counts_.find(container.id); it != restart_counts_.end()) {
      previous = it->second;
    }
    seen[container.id] = container.restart_count;
    std::optional<StopJudgement> stop;
    if (needs_stop_cause(container)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() > 0) stop = api_.stop_cause(container, left);
    }
    ProbeResult one = judge_container(container, previous, now, stop, respect_manual_stop_);
    if (containers.size() > 1) one.detail = container.name + ": " + one.detail;
    if (one.status != ProbeStatus::Healthy) ++failing;
    if (&container == &containers.front() || rank(one.status) > rank(worst.status)) {
      worst = std::move(one);
    }
    highest_restarts = std::max(highest_restarts, static_cast<double>(container.restart_count));
    double uptime = container.status == "running" && container.started_at
                        ? std::chrono::duration<double>(now - *container.started_at).count()
                        : 0.0;
    lowest_uptime = lowest_uptime < 0 ? uptime : std::min(lowest_uptime, uptime);
  }
  restart_counts_ = std::move(seen);
  if (containers.size() > 1 && failing > 1) {
    worst.detail += " (" + std::to_string(failing) + " of " + std::to_string(containers.size()) +
                    " containers not healthy)";
  }
  worst.measurements = {{"docker_restarts", highest_restarts},
                        {"docker_uptime_seconds", std::max(0.0, lowest_uptime)},
                        {"docker_containers", static_cast<double>(containers.size())}};
  return worst;
}

}  // namespace watchdog::probes

#pragma once
// `docker`: is a container (by name or id, or every container matching labels) running and,
// when it has a health check, healthy — through the Docker Engine API.
//
// Keys: container | labels (exactly one), socket (/var/run/docker.sock) or host (tcp://…)
// with tls_ca, tls_cert, tls_key, tls_verify — see probes/clients/docker_api.h; respect_manual_stop
// (true).
//
// Per container:
//   running, no health check or `healthy`        → Healthy "running for 5m"
//   running, health `starting`                   → Degraded: not decided yet. Degraded, not
//       Unknown, because the state machine treats Unknown as a failure, and a container that is
//       still starting up (after our own restart, too) must not count as failing, nor as healthy
//   running, health `unhealthy`                  → Unhealthy "health check failing (3 in a row…)"
//   RestartCount grew since the previous check   → Unhealthy "restart loop: …" (even when it is
//       running at this instant — Docker's restart policy keeps bringing it back)
//   restarting                                   → Unhealthy "restarting (restart policy, …)"
//   exited/created, stopped on purpose           → Degraded Stopped "stopped on purpose at
//       2026-12-05T01:02:03Z (docker stop); start it to resume monitoring". A planned stop is
//       not an outage: the component goes DEGRADED (no action, one alert) instead of spending
//       recovery attempts that docker_start/docker_restart would refuse anyway, and HEALTHY
//       again once the container runs. "On purpose" is the engine's event history since the
//       run began (a `stop`, or a kill with SIGTERM/SIGKILL: docker_api.h), the same rule the
//       docker actions follow. respect_manual_stop: false → Unhealthy like a crash (the detail
//       still says it was stopped on purpose)
//   exited                                       → Unhealthy "exited with code 3 …" (a crash:
//       the process ended by itself, or the event history cannot tell)
//   exited with OOMKilled                        → Unhealthy "killed by the kernel OOM killer"
//   dead, paused, created, removing              → Unhealthy, each named
//   no such container / no label match           → Unhealthy NotFound
//   engine unreachable                           → Unhealthy Refused/Timeout "cannot reach the
//       Docker engine at unix:///…"
// Several matched containers: the worst one decides; its detail comes first.
// Measurements: docker_restarts (highest RestartCount; not `_count`, which promtool reserves for
// histograms and summaries), docker_uptime_seconds (lowest; 0 when one is not running),
// docker_containers (how many matched).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/options.h"
#include "probes/clients/docker_api.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

// The verdict for one container; `previous_restart_count` is what the previous check saw for
// the same container id (nothing on the first check); `stop` is why a stopped container
// stopped, when the probe asked the engine (nothing for a running one, or when no time was
// left). Pure, for unit tests.
ProbeResult judge_container(const ContainerInfo& container,
                            std::optional<int> previous_restart_count,
                            std::chrono::system_clock::time_point now,
                            const std::optional<StopJudgement>& stop = std::nullopt,
                            bool respect_manual_stop = true);
// Whether judge_container wants a stop judgement for this container (costs one events request).
bool needs_stop_cause(const ContainerInfo& container);

class DockerProbe final : public GuardedProbe {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  DockerProbe(std::string name, DockerApi::Settings endpoint, ContainerTarget target,
              bool respect_manual_stop = true);
  std::string_view kind() const override { return "docker"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  DockerApi api_;
  ContainerTarget target_;
  bool respect_manual_stop_;
  std::map<std::string, int> restart_counts_;  // container id → RestartCount at the last check
};

}  // namespace watchdog::probes

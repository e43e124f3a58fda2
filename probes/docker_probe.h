#pragma once
// `docker`: is a container (by name or id, or every container matching labels) running and,
// when it has a health check, healthy — through the Docker Engine API.
//
// Keys: container | labels (exactly one), socket (/var/run/docker.sock) or host (tcp://…)
// with tls_ca, tls_cert, tls_key, tls_verify — see probes/docker_api.h.
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
//   exited                                       → Unhealthy "exited with code 3 …"; with the
//       cause from the engine's events when it was stopped on purpose (docker_api.h)
//   exited with OOMKilled                        → Unhealthy "killed by the kernel OOM killer"
//   dead, paused, created, removing              → Unhealthy, each named
//   no such container / no label match           → Unhealthy NotFound
//   engine unreachable                           → Unhealthy Refused/Timeout "cannot reach the
//       Docker engine at unix:///…"
// Several matched containers: the worst one decides; its detail comes first.
// Measurements: docker_restart_count (highest), docker_uptime_seconds (lowest; 0 when one is
// not running), docker_containers (how many matched).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/options.h"
#include "probes/docker_api.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

// The verdict for one container; `previous_restart_count` is what the previous check saw for
// the same container id (nothing on the first check). Pure, for unit tests.
ProbeResult judge_container(const ContainerInfo& container,
                            std::optional<int> previous_restart_count,
                            std::chrono::system_clock::time_point now);

class DockerProbe final : public GuardedProbe {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  DockerProbe(std::string name, DockerApi::Settings endpoint, ContainerTarget target);
  std::string_view kind() const override { return "docker"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  DockerApi api_;
  ContainerTarget target_;
  std::map<std::string, int> restart_counts_;  // container id → RestartCount at the last check
};

}  // namespace watchdog::probes

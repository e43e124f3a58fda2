#pragma once
// `docker_stop`: POST /containers/{id}/stop?t=<stop_timeout> for the target container(s) — a
// runbook step ("stop backend → restore → migrate → start backend"), not a repair on its own.
//
// Keys: container | labels, socket | host + tls_* (probes/clients/docker_api.h), stop_timeout (10s: how
// long Docker waits after SIGTERM before SIGKILL; whole seconds, rounded up). The HTTP request
// may take the whole stop_timeout, so its own timeout is stop_timeout + 30 s, cut to what is
// left of the action's timeout — give the action a `timeout` longer than stop_timeout.
// Per matched container: running, restarting (ends Docker's restart loop) or paused → stopped;
// already exited (Docker answers 304) → counts as stopped; removing → skipped. No
// respect_manual_stop: stopping is what a manual stop does. Stopping with this action is itself
// a `stop` event, so the docker probe reports the container as stopped on purpose, and
// docker_start/docker_restart leave it alone unless told otherwise — a runbook restarts it
// with docker_start and respect_manual_stop: false.
// Outcome: ok when every matched container is stopped ("stopped web"); a container that
// vanished meanwhile → failed "web: no such container …"; no match → failed "no container web".
// Not destructive: the container and its volumes stay.

#include <memory>

#include "actions/docker_container_action.h"

namespace watchdog::actions {

class DockerStopAction final : public DockerContainerAction {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Action> create(std::string name, config::Options& options);

  DockerStopAction(std::string name, Settings settings, std::chrono::seconds stop_timeout);
  std::string_view kind() const override { return "docker_stop"; }
  std::string describe() const override;

 private:
  std::optional<std::string> act(const probes::DockerApi& api,
                                 const probes::ContainerInfo& container,
                                 std::chrono::milliseconds left) const override;
  std::string_view verb() const override { return "stopped"; }
  std::string skip_reason(const probes::ContainerInfo& container,
                          const probes::StopJudgement& stop) const override;
  std::chrono::seconds stop_timeout_;
};

}  // namespace watchdog::actions

#pragma once
// `docker_restart`: POST /containers/{id}/restart?t=<stop_timeout> for the target container(s).
//
// Keys: those of actions/docker_container_action.h (target, endpoint, respect_manual_stop),
// stop_timeout (10s: how long Docker waits after SIGTERM before SIGKILL; whole seconds,
// rounded up). The HTTP request may take stop_timeout plus the start, so its own timeout is
// stop_timeout + 30 s, cut to what is left of the action's timeout — give the action a
// `timeout` longer than stop_timeout.
// A running container (healthy or not) is restarted; a stopped one is started again only under
// the rule in docker_container_action.h; one already restarting is skipped.
// Detail: "restarted web", "web: Docker engine answered 500: …", "web left alone: stopped on
// purpose at 2026-11-22T06:14:55Z (docker stop) (respect_manual_stop)".

#include <memory>

#include "actions/docker_container_action.h"

namespace watchdog::actions {

class DockerRestartAction final : public DockerContainerAction {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Action> create(std::string name, config::Options& options);

  DockerRestartAction(std::string name, Settings settings, std::chrono::seconds stop_timeout);
  std::string_view kind() const override { return "docker_restart"; }
  std::string describe() const override;

 private:
  std::optional<std::string> act(const probes::DockerApi& api,
                                 const probes::ContainerInfo& container,
                                 std::chrono::milliseconds left) const override;
  std::string_view verb() const override { return "restarted"; }
  std::chrono::seconds stop_timeout_;
};

}  // namespace watchdog::actions

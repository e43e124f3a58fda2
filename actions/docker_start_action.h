#pragma once
// `docker_start`: POST /containers/{id}/start for the target container(s) that are not running.
//
// Keys: those of actions/docker_container_action.h (target, endpoint, respect_manual_stop).
// A container that is already running counts as done (Docker answers 304); a stopped one is
// started only under the rule in docker_container_action.h; one restarting is skipped.
// Use it for containers without a restart policy that died; `docker_restart` for hung ones.

#include <memory>

#include "actions/docker_container_action.h"

namespace watchdog::actions {

class DockerStartAction final : public DockerContainerAction {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Action> create(std::string name, config::Options& options);

  using DockerContainerAction::DockerContainerAction;
  std::string_view kind() const override { return "docker_start"; }
  std::string describe() const override {
    return "docker start (" + settings().target.describe() + ")";
  }

 private:
  std::optional<std::string> act(const probes::DockerApi& api,
                                 const probes::ContainerInfo& container,
                                 std::chrono::milliseconds left) const override;
  std::string_view verb() const override { return "started"; }
};

}  // namespace watchdog::actions

#include "actions/docker_start_action.h"

namespace watchdog::actions {

std::unique_ptr<Action> DockerStartAction::create(std::string name, config::Options& options) {
  return std::make_unique<DockerStartAction>(std::move(name), read_settings(options));
}

std::optional<std::string> DockerStartAction::act(const probes::DockerApi& api,
                                                  const probes::ContainerInfo& container,
                                                  std::chrono::milliseconds left) const {
  if (auto error = api.start(container.id, left)) return error->detail;
  return std::nullopt;
}

}  // namespace watchdog::actions

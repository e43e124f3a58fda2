#include "actions/docker_restart_action.h"

#include <algorithm>

namespace watchdog::actions {

std::unique_ptr<Action> DockerRestartAction::create(std::string name, config::Options& options) {
  auto settings = read_settings(options);
  auto stop_timeout = options.duration_or("stop_timeout", std::chrono::seconds(10));
  if (stop_timeout.count() < 0) options.fail("stop_timeout", "must not be negative");
  return std::make_unique<DockerRestartAction>(
      std::move(name), std::move(settings), std::chrono::ceil<std::chrono::seconds>(stop_timeout));
}

DockerRestartAction::DockerRestartAction(std::string name, Settings settings,
                                         std::chrono::seconds stop_timeout)
    : DockerContainerAction(std::move(name), std::move(settings)), stop_timeout_(stop_timeout) {}

std::string DockerRestartAction::describe() const {
  return "docker restart -t " + std::to_string(stop_timeout_.count()) + " (" +
         settings().target.describe() + ")";
}

std::optional<std::string> DockerRestartAction::act(const probes::DockerApi& api,
                                                    const probes::ContainerInfo& container,
                                                    std::chrono::milliseconds left) const {
  const std::chrono::milliseconds http_timeout =
      std::min<std::chrono::milliseconds>(left, stop_timeout_ + std::chrono::seconds(30));
  if (auto error = api.restart(container.id, stop_timeout_, http_timeout)) return error->detail;
  return std::nullopt;
}

}  // namespace watchdog::actions

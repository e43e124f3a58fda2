#include "actions/docker_stop_action.h"

#include <algorithm>

namespace watchdog::actions {

std::unique_ptr<Action> DockerStopAction::create(std::string name, config::Options& options) {
  auto settings = read_settings(options, /*manual_stop_key=*/false);
  auto stop_timeout = options.duration_or("stop_timeout", std::chrono::seconds(10));
  if (stop_timeout.count() < 0) options.fail("stop_timeout", "must not be negative");
  return std::make_unique<DockerStopAction>(std::move(name), std::move(settings),
                                            std::chrono::ceil<std::chrono::seconds>(stop_timeout));
}

DockerStopAction::DockerStopAction(std::string name, Settings settings,
                                   std::chrono::seconds stop_timeout)
    : DockerContainerAction(std::move(name), std::move(settings)), stop_timeout_(stop_timeout) {}

std::string DockerStopAction::describe() const {
  return "docker stop -t " + std::to_string(stop_timeout_.count()) + " (" +
         settings().target.describe() + ")";
}

std::string DockerStopAction::skip_reason(const probes::ContainerInfo& container,
                                          const probes::StopJudgement&) const {
  return container.status == "removing" ? "being removed" : "";
}

std::optional<std::string> DockerStopAction::act(const probes::DockerApi& api,
                                                 const probes::ContainerInfo& container,
                                                 std::chrono::milliseconds left) const {
  const std::chrono::milliseconds http_timeout =
      std::min<std::chrono::milliseconds>(left, stop_timeout_ + std::chrono::seconds(30));
  if (auto error = api.stop(container.id, stop_timeout_, http_timeout)) return error->detail;
  return std::nullopt;
}

}  // namespace watchdog::actions

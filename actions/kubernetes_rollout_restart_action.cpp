#include "actions/kubernetes_rollout_restart_action.h"

namespace watchdog::actions {

std::unique_ptr<Action> KubernetesRolloutRestartAction::create(std::string name,
                                                        config::Options& options) {
  auto api = probes::read_kubernetes_settings(options);
  auto deployment = options.required_string("deployment");
  if (deployment.empty()) options.fail("deployment", "must not be empty");
  return std::make_unique<KubernetesRolloutRestartAction>(std::move(name), std::move(api),
                                                   std::move(deployment));
}

KubernetesRolloutRestartAction::KubernetesRolloutRestartAction(std::string name, probes::KubernetesApi::Settings api,
                                                 std::string deployment)
    : KubernetesAction(std::move(name), std::move(api)), deployment_(std::move(deployment)) {}

std::string KubernetesRolloutRestartAction::describe() const {
  return "kubectl rollout restart deployment/" + deployment_;
}

ActionOutcome KubernetesRolloutRestartAction::run_once(const Incident&,
                                                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto found = api().get_deployment(deployment_, timeout);
  if (auto* error = std::get_if<probes::KubernetesError>(&found)) return failed(error->detail);
  if (std::get<probes::DeploymentInfo>(found).paused) {
    return failed("deployment " + deployment_ + " is paused: not restarting it");
  }
  const auto now = std::chrono::system_clock::now();
  if (auto error =
          api().patch_deployment(deployment_, probes::restart_patch(now), time_left(deadline))) {
    return failed(error->detail);
  }
  return succeeded("rollout restart of deployment " + deployment_ + " (restartedAt " +
                   probes::format_rfc3339(now) + ")");
}

}  // namespace watchdog::actions

#include "actions/kubernetes_delete_pod_action.h"

namespace watchdog::actions {

std::vector<std::string> pods_to_delete(const std::vector<probes::PodInfo>& pods,
                                        std::chrono::milliseconds min_age,
                                        std::chrono::system_clock::time_point now) {
  std::vector<std::string> chosen;
  for (const auto& pod : pods) {
    if (pod.ready || pod.deleting || pod.phase == "Succeeded") continue;
    if (pod.created && now - *pod.created < min_age) continue;
    chosen.push_back(pod.name);
  }
  return chosen;
}

std::unique_ptr<Action> KubernetesDeletePodAction::create(std::string name, config::Options& options) {
  auto api = probes::read_kubernetes_settings(options);
  auto selector = options.required_string("selector");
  if (selector.empty()) options.fail("selector", "must not be empty (it would match every pod)");
  auto min_age = options.duration_or("min_age", std::chrono::seconds(30));
  return std::make_unique<KubernetesDeletePodAction>(
      std::move(name), std::move(api), std::move(selector),
      std::chrono::duration_cast<std::chrono::milliseconds>(min_age));
}

KubernetesDeletePodAction::KubernetesDeletePodAction(std::string name, probes::KubernetesApi::Settings api,
                                       std::string selector, std::chrono::milliseconds min_age)
    : KubernetesAction(std::move(name), std::move(api)),
      selector_(std::move(selector)),
      min_age_(min_age) {}

std::string KubernetesDeletePodAction::describe() const {
  return "delete unready pods matching " + selector_;
}

ActionOutcome KubernetesDeletePodAction::run_once(const Incident&, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pods = api().list_pods(selector_, timeout);
  if (auto* error = std::get_if<probes::KubernetesError>(&pods)) return failed(error->detail);
  auto chosen = pods_to_delete(std::get<std::vector<probes::PodInfo>>(pods), min_age_,
                               std::chrono::system_clock::now());
  if (chosen.empty()) return succeeded("no unready pods match " + selector_);
  std::string deleted, failures;
  for (const auto& name : chosen) {
    if (auto error = api().delete_pod(name, time_left(deadline))) {
      failures += (failures.empty() ? "" : "; ") + name + ": " + error->detail;
    } else {
      deleted += (deleted.empty() ? "" : ", ") + name;
    }
  }
  std::string detail = (deleted.empty() ? "" : "deleted " + deleted) +
                       (failures.empty() ? "" : (deleted.empty() ? "" : "; ") + failures);
  return failures.empty() ? succeeded(std::move(detail)) : failed(std::move(detail));
}

}  // namespace watchdog::actions

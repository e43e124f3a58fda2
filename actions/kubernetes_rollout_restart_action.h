#pragma once
// `k8s_rollout_restart`: what `kubectl rollout restart deployment/NAME` does — a strategic-merge
// PATCH setting spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"] to now
// (RFC 3339), so the deployment controller replaces its pods under its own rollout rules
// (maxUnavailable / maxSurge).
//
// Keys: deployment (required) and the credential keys of probes/clients/kubernetes_api.h.
// Reads the deployment first and refuses a paused one (as kubectl does: a paused deployment
// would not roll anyway, and someone paused it on purpose). Safe to repeat: a second PATCH only
// moves the timestamp. RBAC: get and patch on deployments.apps.
// Detail: "rollout restart of deployment api (restartedAt 2026-11-22T06:14:55Z)",
// "deployment api is paused: not restarting it", or the API's error.

#include <memory>
#include <string>

#include "actions/kubernetes_action.h"
#include "config/options.h"

namespace watchdog::actions {

class KubernetesRolloutRestartAction final : public KubernetesAction {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Action> create(std::string name, config::Options& options);

  KubernetesRolloutRestartAction(std::string name, probes::KubernetesApi::Settings api, std::string deployment);
  std::string_view kind() const override { return "k8s_rollout_restart"; }
  std::string describe() const override;

 private:
  ActionOutcome run_once(const Incident& incident, std::chrono::milliseconds timeout) override;
  std::string deployment_;
};

}  // namespace watchdog::actions

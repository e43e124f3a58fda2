#pragma once
// What k8s_delete_pod and k8s_rollout_restart share: the Kubernetes API client, built from the
// credential keys of probes/clients/kubernetes_api.h (no I/O until the first request), and GuardedAction's
// timed, exception-safe run(). One file pair per kind stays in k8s_*_action.{h,cpp}.

#include <string>
#include <utility>

#include "actions/guarded_action.h"
#include "probes/clients/kubernetes_api.h"

namespace watchdog::actions {

class KubernetesAction : public GuardedAction {
 protected:
  KubernetesAction(std::string name, probes::KubernetesApi::Settings api)
      : GuardedAction(std::move(name)), api_(std::move(api)) {}
  probes::KubernetesApi& api() { return api_; }

 private:
  probes::KubernetesApi api_;
};

}  // namespace watchdog::actions

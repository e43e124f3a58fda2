#pragma once
// What k8s_delete_pod and k8s_rollout_restart share: the Kubernetes API client, built from the
// credential keys of probes/kube_api.h (no I/O until the first request), and GuardedAction's
// timed, exception-safe run(). One file pair per kind stays in k8s_*_action.{h,cpp}.

#include <string>
#include <utility>

#include "actions/guarded_action.h"
#include "probes/kube_api.h"

namespace watchdog::actions {

class K8sAction : public GuardedAction {
 protected:
  K8sAction(std::string name, probes::KubeApi::Settings api)
      : GuardedAction(std::move(name)), api_(std::move(api)) {}
  probes::KubeApi& api() { return api_; }

 private:
  probes::KubeApi api_;
};

}  // namespace watchdog::actions

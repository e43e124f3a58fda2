#pragma once
// `k8s_delete_pod`: deletes the pods behind a label selector that are not Ready, so their
// controller (ReplicaSet, StatefulSet, …) replaces them. Ready pods are never touched.
//
// Keys: selector (required), min_age (30s), and the credential keys of probes/clients/kubernetes_api.h.
// Skipped: pods already being deleted, Succeeded pods, and pods younger than min_age (still
// starting: deleting them would only restart the wait). A pod that is gone by the time of the
// DELETE (404) counts as deleted. Safe to repeat. RBAC: list and delete on pods.
// ok = every chosen pod deleted (also when none needed deleting: "no unready pods").
// Detail: "deleted api-7d9-x, api-7d9-y", "no unready pods match app=api", or the API's error.

#include <memory>
#include <string>
#include <vector>

#include "actions/kubernetes_action.h"
#include "config/options.h"

namespace watchdog::actions {

// The pods k8s_delete_pod would delete. Pure, for unit tests.
std::vector<std::string> pods_to_delete(const std::vector<probes::PodInfo>& pods,
                                        std::chrono::milliseconds min_age,
                                        std::chrono::system_clock::time_point now);

class KubernetesDeletePodAction final : public KubernetesAction {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Action> create(std::string name, config::Options& options);

  KubernetesDeletePodAction(std::string name, probes::KubernetesApi::Settings api, std::string selector,
                     std::chrono::milliseconds min_age);
  std::string_view kind() const override { return "k8s_delete_pod"; }
  std::string describe() const override;
  // Deleting pods is for pods that are not ready (bad_response), never for an API that does not
  // answer (timeout, refused) or rejects the token.
  bool destructive() const override { return true; }
  std::vector<probes::FailureKind> default_when() const override {
    return {probes::FailureKind::BadResponse};
  }

 private:
  ActionOutcome run_once(const Incident& incident, std::chrono::milliseconds timeout) override;
  std::string selector_;
  std::chrono::milliseconds min_age_;
};

}  // namespace watchdog::actions

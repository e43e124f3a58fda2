#pragma once
// `kubernetes`: are enough pods behind a label selector Ready, or is a deployment available —
// through the Kubernetes API.
//
// Keys: the credential keys of probes/clients/kubernetes_api.h (in-cluster by default), and either
//   selector (a label selector, "app=api,tier!=cache") with min_ready (1), or
//   deployment (a name) with respect_manual_stop (true).
// Pods (pods being deleted and Succeeded pods do not count):
//   ready ≥ min_ready, none troubled            → Healthy "3/3 pods ready"
//   ready ≥ min_ready, some not ready           → Degraded "2/3 pods ready; api-x: CrashLoopBackOff
//                                                  (restarts 5)"
//   ready < min_ready                           → Unhealthy BadResponse, same detail shape
//   no pod matches                              → Unhealthy NotFound
// A troubled pod is named with its waiting reason (CrashLoopBackOff, ImagePullBackOff, …) or
// "not ready" (phase) — CrashLoopBackOff first, then the pod with the most restarts.
// Measurements: kubernetes_pods_ready, kubernetes_pods, kubernetes_container_restarts (sum).
// Deployment (spec.replicas vs status.availableReplicas):
//   available ≥ desired → Healthy; 0 < available < desired → Degraded; 0 → Unhealthy.
//   spec.replicas 0 (`kubectl scale --replicas=0`: only a person or a tool asking for it sets
//   it) → Degraded Stopped "deployment api scaled to 0 on purpose; scale it up to resume
//   monitoring" — a planned stop, not an outage (no action; HEALTHY again once it is scaled up
//   and available). respect_manual_stop: false → Unhealthy BadResponse. A selector cannot
//   tell a planned stop from an outage (no pods is NotFound either way): watch the deployment.
// Measurements: kubernetes_replicas_desired, kubernetes_replicas_available.
// API errors: 401/403 → Auth, 404 → NotFound, unreachable → Refused/Timeout, TLS → Error.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/options.h"
#include "probes/guarded_probe.h"
#include "probes/clients/kubernetes_api.h"

namespace watchdog::probes {

// Pure verdicts, for unit tests.
ProbeResult judge_pods(const std::vector<PodInfo>& pods, int min_ready,
                       const std::string& selector);
ProbeResult judge_deployment(const DeploymentInfo& deployment, bool respect_manual_stop = true);

class KubernetesProbe final : public GuardedProbe {
 public:
  struct Settings {
    KubernetesApi::Settings api;
    std::string selector;  // pods mode when set
    int min_ready = 1;
    std::string deployment;           // deployment mode when set
    bool respect_manual_stop = true;  // deployment mode: scaled to 0 = stopped on purpose
  };
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  KubernetesProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "kubernetes"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  Settings settings_;
  KubernetesApi api_;
};

}  // namespace watchdog::probes

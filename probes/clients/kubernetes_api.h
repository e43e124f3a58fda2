#pragma once
// A small Kubernetes API client (pods, deployments, and raw JSON for the Lease leader lock) over
// libcurl, for the kubernetes probe, the k8s_* actions and watchdog/leader/kubernetes_leader_lock.
//
// Credentials — in-cluster by default: server https://$KUBERNETES_SERVICE_HOST:
// $KUBERNETES_SERVICE_PORT, bearer token from /var/run/secrets/kubernetes.io/serviceaccount/
// token, CA from …/ca.crt, namespace from …/namespace. Outside a cluster (kubeconfig-like):
// server, token (secret, inline or ${ENV}) or token_file, ca_file, namespace. Keys (all
// optional): server, token | token_file, ca_file, namespace, namespace_file, verify_tls (true).
// The token file is re-read whenever it changes (mtime, size or inode), so rotated projected
// service-account tokens are picked up without a restart. Nothing is read at construction:
// `check-config` works outside a cluster, and a missing credential is a check-time error.
//
// The token never appears in a detail or log; details quote the API's own Status message
// ("pods is forbidden: User … cannot list resource \"pods\" …"), which names no secret.
//
// Thread-safety: one KubernetesApi may be used from several threads (the token cache is locked).

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/options.h"
#include "probes/clients/api_transport.h"
#include "probes/clients/failure_kind.h"

namespace watchdog::probes {

struct PodInfo {
  std::string name;
  std::string phase;           // Pending | Running | Succeeded | Failed | Unknown
  bool ready = false;          // status.conditions[type=Ready].status == "True"
  bool deleting = false;       // metadata.deletionTimestamp is set
  int restarts = 0;            // sum of containerStatuses[].restartCount
  std::string waiting_reason;  // first container's state.waiting.reason, e.g. CrashLoopBackOff
  std::optional<std::chrono::system_clock::time_point> created;
};

struct DeploymentInfo {
  std::string name;
  int desired = 1;    // spec.replicas (the API's default is 1)
  int available = 0;  // status.availableReplicas (absent = 0)
  bool paused = false;
};

// Throw std::exception on a malformed document.
std::vector<PodInfo> parse_pod_list(const std::string& body);
DeploymentInfo parse_deployment(const std::string& body);
// The strategic-merge patch that `kubectl rollout restart` sends.
std::string restart_patch(std::chrono::system_clock::time_point now);

struct KubernetesError {
  FailureKind kind = FailureKind::Error;
  std::string detail;
  long status = 0;  // the HTTP status when the API answered (401, 404, 409, …), else 0
};
template <typename T>
using KubernetesResult = std::variant<T, KubernetesError>;

class KubernetesApi {
 public:
  static constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
  struct Settings {
    std::string server;  // empty = in-cluster (environment)
    std::string token;   // secret; empty = token_file
    std::string token_file = std::string(kServiceAccountDir) + "/token";
    std::string ca_file = std::string(kServiceAccountDir) + "/ca.crt";
    std::string namespace_name;  // empty = namespace_file, then "default"
    std::string namespace_file = std::string(kServiceAccountDir) + "/namespace";
    bool verify_tls = true;
  };
  explicit KubernetesApi(Settings settings);

  KubernetesResult<std::vector<PodInfo>> list_pods(const std::string& selector,
                                             std::chrono::milliseconds timeout);
  KubernetesResult<DeploymentInfo> get_deployment(const std::string& name,
                                            std::chrono::milliseconds timeout);
  std::optional<KubernetesError> patch_deployment(const std::string& name, const std::string& patch,
                                            std::chrono::milliseconds timeout);
  std::optional<KubernetesError> delete_pod(const std::string& name, std::chrono::milliseconds timeout);
  // Any JSON resource by its path ("/apis/coordination.k8s.io/v1/namespaces/NS/leases/NAME",
  // segments already URL-encoded): the body on 2xx, else an error whose `status` lets the
  // caller tell 404 and 409 Conflict from the rest.
  KubernetesResult<std::string> get_json(const std::string& path,
                                         std::chrono::milliseconds timeout);
  KubernetesResult<std::string> post_json(const std::string& path, const std::string& body,
                                          std::chrono::milliseconds timeout);
  KubernetesResult<std::string> put_json(const std::string& path, const std::string& body,
                                         std::chrono::milliseconds timeout);
  // The namespace requests go to (resolves namespace_file on first use).
  std::string namespace_name();
  // "10.0.0.1:6443" (scheme dropped), from `server` or the in-cluster environment, or
  // "in-cluster (KUBERNETES_SERVICE_HOST unset)"; never a token. For describe() texts.
  std::string server_text() const;

 private:
  KubernetesResult<std::string> request(const std::string& method, const std::string& path,
                                  const std::string& body, const std::string& content_type,
                                  std::chrono::milliseconds timeout);
  std::optional<KubernetesError> current_token(std::string& token);
  std::string base_url() const;  // "" when neither `server` nor the environment says

  Settings settings_;
  std::mutex mutex_;  // guards the caches below
  std::string token_cache_;
  struct FileStamp {
    long long mtime_ns = -1, size = -1, inode = -1;
    bool operator==(const FileStamp&) const = default;
  } token_stamp_;
  std::string namespace_cache_;
};

// Reads the credential keys above; no I/O. Throws config::ConfigError.
KubernetesApi::Settings read_kubernetes_settings(config::Options& options);

}  // namespace watchdog::probes

#pragma once
// A STAND-IN for the Kubernetes API server (no kube-apiserver can run on these machines): an
// HTTPS server (cpp-httplib SSLServer on 127.0.0.1, a free port) whose certificate is signed by
// a CA the constructor makes with the openssl CLI, serving the few endpoints the watchdog uses,
// with bodies shaped like the real API's (see the list in tests/integration/kubernetes_test.cpp):
//   GET    /api/v1/namespaces/NS/pods?labelSelector=…   → PodList (equality/inequality/exists
//                                                          selectors, comma = AND)
//   DELETE /api/v1/namespaces/NS/pods/NAME               → 200 with the Pod (deletionTimestamp
//                                                          set), then it is gone; 404 Status
//   GET    /apis/apps/v1/namespaces/NS/deployments/NAME  → Deployment; 404 Status
//   PATCH  same, Content-Type application/strategic-merge-patch+json (or merge-patch+json)
//          → merged, metadata.generation + 1, 200 with the Deployment; other types → 415
//   GET/POST/PUT /apis/coordination.k8s.io/v1/namespaces/NS/leases[/NAME] → Leases with
//          resourceVersion and 409 conflicts (tests/support/kubernetes_standin_leases.h)
// Every request needs "Authorization: Bearer <token>", else 401 with an Unauthorized Status.
// Every request is recorded (method, path, query, content type, body, status).
//
// Thread-safety: the server thread and the test thread share the state under a mutex.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kubernetes_standin_leases.h"
#include "tests/support/temp_dir.h"

namespace httplib {
class SSLServer;
}

namespace watchdog::testing {

// API-shaped objects. A pod's Ready condition and container state follow `ready`,
// `restarts` and `waiting_reason` (e.g. "CrashLoopBackOff").
nlohmann::json make_pod(const std::string& name, const std::map<std::string, std::string>& labels,
                        bool ready, int restarts = 0, const std::string& waiting_reason = "",
                        const std::string& created = "2026-01-01T00:00:00Z");
nlohmann::json make_deployment(const std::string& name, int replicas, int available,
                               bool paused = false);

class KubernetesStandin {
 public:
  explicit KubernetesStandin(std::string token);  // throws std::runtime_error
  ~KubernetesStandin();
  KubernetesStandin(const KubernetesStandin&) = delete;
  KubernetesStandin& operator=(const KubernetesStandin&) = delete;

  std::string server() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::filesystem::path ca_file() const { return dir_ / "ca.crt"; }

  void set_token(std::string token);  // the only token accepted from now on
  // Plays the deployment controller: after a PATCH, status.availableReplicas = spec.replicas.
  void heal_on_patch(bool heal);
  void put_pod(const std::string& ns, nlohmann::json pod);
  void put_deployment(const std::string& ns, nlohmann::json deployment);
  // Plays `kubectl scale --replicas=N` and the controller settling: spec.replicas = N,
  // generation + 1, status counts = N (zero counts omitted, as the API does). Throws
  // std::out_of_range for an unknown deployment.
  void scale(const std::string& ns, const std::string& name, int replicas);
  nlohmann::json deployment(const std::string& ns, const std::string& name) const;
  std::vector<std::string> pod_names(const std::string& ns) const;
  StandinLeases& leases() { return leases_; }

  struct Request {
    std::string method, path, query, content_type, body;
    int status = 0;
  };
  std::vector<Request> requests(const std::string& method = "") const;

 private:
  void make_certificates();
  void routes();
  TempDir dir_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::string token_;
  bool heal_on_patch_ = false;
  std::map<std::string, std::vector<nlohmann::json>> pods_;  // namespace → pods
  std::map<std::string, nlohmann::json> deployments_;        // "ns/name" → object
  std::vector<Request> requests_;
  StandinLeases leases_;  // locks itself
};

}  // namespace watchdog::testing

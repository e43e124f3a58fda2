#pragma once
// The Lease part of the Kubernetes API STAND-IN (tests/support/kubernetes_standin.h; no
// kube-apiserver can run on these machines), shaped after the coordination.k8s.io/v1 API:
//   GET  /apis/coordination.k8s.io/v1/namespaces/NS/leases/NAME → Lease; 404 NotFound Status
//   POST /apis/coordination.k8s.io/v1/namespaces/NS/leases      → 201 Lease; 409 AlreadyExists
//   PUT  /apis/coordination.k8s.io/v1/namespaces/NS/leases/NAME → 200 Lease; 409 Conflict when
//        metadata.resourceVersion is missing or not the stored one; 404 when absent
// Every write stores metadata.resourceVersion = a new number (one counter for all leases) and
// keeps uid and creationTimestamp. Bodies are checked as the API server does where the watchdog
// could get it wrong: kind/apiVersion, metadata.name matching the path, the namespace, and
// acquireTime/renewTime as MicroTime (RFC 3339 with exactly six fraction digits) → 400 BadRequest.
// The bearer-token check is the stand-in's (every request). RBAC is not modelled.
//
// Thread-safety: the server's threads and the test share the leases under a mutex.

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace httplib {
class Server;
}

namespace watchdog::testing {

class StandinLeases {
 public:
  void install(httplib::Server& server);  // adds the routes above

  // The stored Lease, or null when absent.
  nlohmann::json lease(const std::string& ns, const std::string& name) const;
  // Stores `lease` as another writer would (a new resourceVersion); its metadata.name names it.
  void put(const std::string& ns, nlohmann::json lease);
  // Runs `hook` once, at the start of the next POST or PUT of a lease, before that request is
  // judged: the test plays another replica writing between the watchdog's GET and its write.
  void before_next_write(std::function<void(StandinLeases&)> hook);

 private:
  void run_hook();
  void store(const std::string& key, nlohmann::json& lease);  // mutex held

  mutable std::mutex mutex_;
  std::map<std::string, nlohmann::json> leases_;  // "ns/name" → Lease
  long long version_ = 1000;
  std::function<void(StandinLeases&)> hook_;
};

}  // namespace watchdog::testing

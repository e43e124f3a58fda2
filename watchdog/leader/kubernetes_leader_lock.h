#pragma once
// `kubernetes` leader lock: a coordination.k8s.io/v1 Lease, so replicas in one cluster need no
// Redis or PostgreSQL to elect a leader. Same algorithm as client-go's leaderelection package:
//   GET  /apis/coordination.k8s.io/v1/namespaces/NS/leases/NAME
//   404 → POST …/namespaces/NS/leases with holderIdentity = identity, leaseDurationSeconds,
//         acquireTime = renewTime = now (MicroTime), leaseTransitions 0           → Held
//   held by us → PUT renewTime = now                                                → Held
//   free (holderIdentity "") or expired → PUT holderIdentity = identity,
//         acquireTime = renewTime = now, leaseTransitions + 1                        → Held
//   held by another and not expired → NotHeld, retry_in = when it would expire
// Every PUT carries the metadata.resourceVersion just read (optimistic concurrency), so of two
// replicas taking an expired lease at once one gets 409 Conflict → NotHeld (POST: 409
// AlreadyExists). Unreachable, timed out, 401/403, 5xx or an unreadable body → Unknown: our
// lease may still stand on the server. The PUT sends the object read with only our spec fields
// changed, so labels, annotations and newer spec fields survive.
//
// Expiry is judged by OUR clock: a lease counts as expired leaseDurationSeconds after the moment
// this replica last saw its record change (steady clock), never from the remote renewTime.
// renewTime was written by another host's wall clock; comparing it with ours would let clock
// skew hand the lease over early (two leaders) or late. The cost: a replica that has just started
// waits one full lease before taking a lease it finds stale. Safe with the elector's timing: the
// holder's own belief ends lease − lease/5 after it STARTED a renewal; we saw that write after
// it happened, so our lease − counted from then − ends later.
//
// Release (elector stop): GET, and only when holderIdentity is ours a PUT with holderIdentity ""
// and leaseDurationSeconds 1 under the resourceVersion read, as client-go's ReleaseOnCancel
// does: the empty holder lets the others take it at their next attempt, and the 1 s lease makes
// a client that ignores the empty holder wait at most 1 s instead of a whole lease. A 409 there
// means someone wrote the lease meanwhile; it is left alone.
//
// leaseDurationSeconds is the lease rounded up to whole seconds. Keys: name ("watchdog"), and
// the kubernetes probe's credential keys (server, token | token_file, ca_file, namespace,
// namespace_file, verify_tls; in-cluster by default; probes/clients/kubernetes_api.h). The
// token never appears in a detail or describe().
//
// Leader record: the annotation `watchdog.dev/leader-record` on the Lease, written by the same
// PUT (or POST) that takes or renews it, so it lives as long as the Lease object (release keeps
// it) and is guarded by the same resourceVersion: a holder whose lease was taken over gets 409
// and writes nothing. A follower gets it from its GET; a replica taking the lease over gets the
// one the GET before its PUT showed (the previous holder's). An empty record is stored as "";
// one longer than kMaxLeaderRecordBytes is not written (the annotation keeps its old value).
// Fencing token: spec.leaseTransitions as we wrote it, + 1 (a created lease → 1; every takeover
// adds one to leaseTransitions; renewals keep it), so it is never 0 and visible in
// `kubectl get lease`. Deleting the Lease restarts it at 1 (and drops the record).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/options.h"
#include "probes/clients/kubernetes_api.h"
#include "watchdog/leader/leader_lock.h"

namespace watchdog::core {

// ---- The pure part, unit-tested with an injected clock ----

// A Lease's spec as stored (times kept as the text the server holds).
struct LeaseRecord {
  std::string holder;                // spec.holderIdentity; "" = free
  std::chrono::seconds duration{0};  // spec.leaseDurationSeconds (absent = 0 = expired at once)
  std::string acquire_time;          // MicroTime text
  std::string renew_time;
  long long transitions = 0;  // spec.leaseTransitions
  bool operator==(const LeaseRecord&) const = default;
};

// The annotation holding the leader record.
inline constexpr const char* kLeaderRecordAnnotation = "watchdog.dev/leader-record";

// A Lease document as read: its spec, metadata.resourceVersion and the leader record
// annotation (nullopt when absent). Throws std::exception when the body is not a Lease.
struct LeaseObject {
  LeaseRecord record;
  std::string resource_version;
  std::optional<std::string> leader_record;
};
LeaseObject parse_lease(const std::string& body);
// `object` (a Lease as read, or "" for a new one) with the spec fields of `record` written (an
// empty time removes its key; other spec fields stay) and metadata.name/namespace/
// resourceVersion set ("" resource_version = none, for a POST); with a `leader_record`, the
// leader record annotation set to it (other annotations stay).
std::string lease_body(const std::string& object, const std::string& name,
                       const std::string& namespace_name, const LeaseRecord& record,
                       const std::string& resource_version,
                       const std::optional<std::string>& leader_record = std::nullopt);

// What this replica last saw of the lease and, by its steady clock, when that last changed.
struct LeaseObservation {
  LeaseRecord record;
  std::chrono::steady_clock::time_point changed_at{};
};
// Folds a fresh read in: changed_at stays while the record is the same, else becomes `now`.
LeaseObservation observe(const std::optional<LeaseObservation>& previous,
                         const LeaseRecord& current, std::chrono::steady_clock::time_point now);

enum class LeaseAction {
  Renew,  // the holder is us
  Take,   // free, or expired by our own observation
  Wait,   // another holder's lease has time left
};
struct LeaseVerdict {
  LeaseAction action = LeaseAction::Wait;
  std::chrono::milliseconds wait{0};  // Wait: until the holder's lease runs out by our clock
};
LeaseVerdict judge_lease(const LeaseObservation& seen, std::chrono::steady_clock::time_point now,
                         const std::string& identity);

// The record we write: renewTime = now; taking it over also sets the holder, acquireTime and
// leaseTransitions + 1.
LeaseRecord next_record(const LeaseRecord& current, const std::string& identity,
                        std::chrono::seconds duration, const std::string& now);

// The fencing token of the tenure that wrote `written`: leaseTransitions + 1 (0 if negative).
std::uint64_t fencing_token(const LeaseRecord& written);

// ---- The lock ----

class KubernetesLeaderLock final : public LeaderLock {
 public:
  struct Settings {
    probes::KubernetesApi::Settings api;
    std::string name = "watchdog";  // the Lease's metadata.name
    std::chrono::milliseconds lease{15000};
    std::string identity;  // holderIdentity, so `kubectl get lease` tells who holds it
  };

  // Reads the keys above from `options` (no I/O); throws config::ConfigError.
  static std::unique_ptr<LeaderLock> create(config::Options& options,
                                            std::chrono::milliseconds lease,
                                            const std::string& identity);

  explicit KubernetesLeaderLock(Settings settings);
  ~KubernetesLeaderLock() override;

  using LeaderLock::acquire_or_renew;
  LockResult acquire_or_renew(std::chrono::milliseconds timeout,
                              const std::string& record) noexcept override;
  void release(std::chrono::milliseconds timeout) noexcept override;
  // "kubernetes lease NS/NAME at 10.0.0.1:6443" (reads namespace_file once when it is used).
  std::string describe() const override;

 private:
  using Clock = std::chrono::steady_clock;
  // `record`: the leader record to write with the lease (nullopt: leave the annotation).
  LockResult attempt(Clock::time_point deadline, std::chrono::milliseconds timeout,
                     const std::optional<std::string>& record);
  LockResult create_lease(Clock::time_point deadline, std::chrono::milliseconds timeout,
                          const std::optional<std::string>& record);
  std::string lease_path() const;  // …/namespaces/NS/leases/NAME
  std::string where() const;       // "lease NS/NAME", the prefix of Unknown details

  Settings settings_;
  std::chrono::seconds duration_;  // settings_.lease rounded up
  std::unique_ptr<probes::KubernetesApi> api_;
  std::optional<LeaseObservation> seen_;
  // A write of ours may stand on the server (the last one succeeded or its answer was lost):
  // release() has something to give up.
  bool may_hold_ = false;
};

}  // namespace watchdog::core

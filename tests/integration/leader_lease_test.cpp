// The `kubernetes` leader lock (a coordination.k8s.io/v1 Lease) against a STAND-IN for the
// Kubernetes API server: no kube-apiserver, kind or k3s can run on these machines, so
// tests/support/kubernetes_standin_leases.h serves Lease GET/POST/PUT over HTTPS with
// resourceVersion, 409 Conflict / AlreadyExists and the bearer-token check, shaped after the
// API reference and client-go's leaderelection. Shown here: one holder of two; renewals change
// the resourceVersion; expiry counted from our own sighting, whatever the remote renewTime says
// (clock skew); a write racing another writer gets 409 and NotHeld; release hands the lease over
// at once and never touches someone else's; an unreachable or hung API and a wrong token are
// Unknown with no token in any text. Not covered by a stand-in: RBAC, the real API server's
// validation beyond what the stand-in checks, watch and server-side apply.
#include <gtest/gtest.h>

#include "tests/integration/leader_lock_fixture.h"
#include "tests/support/hung_listener.h"
#include "tests/support/kubernetes_standin.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "watchdog/leader/kubernetes_leader_lock.h"
#include "watchdog/leader/leader_elector.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using core::KubernetesLeaderLock;
using core::LeaderElector;
using core::LockResult;
using core::LockStatus;
using nlohmann::json;

const std::string kToken = "sa-token-lease-5e1d90c2";
constexpr const char* kNs = "shop";

std::unique_ptr<KubernetesLeaderLock> lease_lock(const std::string& server,
                                                 const std::string& ca_file,
                                                 const std::string& identity,
                                                 std::chrono::milliseconds lease = 3s,
                                                 const std::string& token = kToken,
                                                 const std::string& name = "watchdog") {
  KubernetesLeaderLock::Settings settings;
  settings.api.server = server;
  settings.api.token = token;
  settings.api.ca_file = ca_file;
  settings.api.namespace_name = kNs;
  settings.name = name;
  settings.lease = lease;
  settings.identity = identity;
  return std::make_unique<KubernetesLeaderLock>(settings);
}

std::unique_ptr<KubernetesLeaderLock> lease_lock(const KubernetesStandin& api,
                                                 const std::string& identity,
                                                 std::chrono::milliseconds lease = 3s) {
  return lease_lock(api.server(), api.ca_file().string(), identity, lease);
}

json stored(KubernetesStandin& api, const std::string& name = "watchdog") {
  return api.leases().lease(kNs, name);
}

std::string holder(KubernetesStandin& api, const std::string& name = "watchdog") {
  const json lease = stored(api, name);
  return lease.is_null() ? "<none>" : lease["spec"].value("holderIdentity", "<unset>");
}

json foreign_lease(const std::string& holder, int seconds, const std::string& renew_time) {
  return {{"metadata", {{"name", "watchdog"}}},
          {"spec",
           {{"holderIdentity", holder},
            {"leaseDurationSeconds", seconds},
            {"acquireTime", renew_time},
            {"renewTime", renew_time},
            {"leaseTransitions", 5}}}};
}

TEST(KubernetesLeaderLock, ExactlyOneOfTwoHoldsAndRenewalsChangeTheVersion) {
  KubernetesStandin api(kToken);
  auto a = lease_lock(api, "replica-a");
  auto b = lease_lock(api, "replica-b");
  EXPECT_EQ(a->describe(), "kubernetes lease shop/watchdog at 127.0.0.1:" +
                               api.server().substr(api.server().rfind(':') + 1));
  auto first = a->acquire_or_renew(2s);
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  EXPECT_EQ(first.detail, "acquired (lease created)");
  const json created = stored(api);
  EXPECT_EQ(created["spec"]["holderIdentity"], "replica-a");
  EXPECT_EQ(created["spec"]["leaseDurationSeconds"], 3);
  EXPECT_EQ(created["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(created["spec"]["acquireTime"], created["spec"]["renewTime"]);
  EXPECT_EQ(api.requests("POST").size(), 1u);

  auto second = b->acquire_or_renew(2s);
  EXPECT_EQ(second.status, LockStatus::NotHeld) << show(second);
  EXPECT_EQ(second.detail, "held by replica-a");
  EXPECT_GT(second.retry_in, 2500ms) << "a whole lease from b's first sighting";
  EXPECT_LE(second.retry_in, 3s);
  EXPECT_TRUE(api.requests("PUT").empty()) << "b must not write a lease it may not take";

  std::this_thread::sleep_for(20ms);
  auto renewed = a->acquire_or_renew(2s);
  ASSERT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.detail, "renewed");
  const json after = stored(api);
  EXPECT_NE(after["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
  EXPECT_NE(after["spec"]["renewTime"], created["spec"]["renewTime"]);
  EXPECT_EQ(after["spec"]["acquireTime"], created["spec"]["acquireTime"]);
  EXPECT_EQ(after["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(after["metadata"]["uid"], created["metadata"]["uid"]);

  auto still = b->acquire_or_renew(2s);
  EXPECT_EQ(still.status, LockStatus::NotHeld) << show(still);
  EXPECT_GT(still.retry_in, 2500ms) << "b saw the renewal: the lease counts from then";
  EXPECT_EQ(holder(api), "replica-a");
}

TEST(KubernetesLeaderLock, ExpiryIsCountedFromOurSightingWhateverTheRemoteClockSays) {
  KubernetesStandin api(kToken);
  for (const std::string renew_time :
       {"2020-01-01T00:00:00.000000Z", "2999-01-01T00:00:00.000000Z"}) {
    SCOPED_TRACE(renew_time);
    api.leases().put(kNs, foreign_lease("ghost", 1, renew_time));  // a skewed holder's clock
    auto b = lease_lock(api, "replica-b", 1s);
    const auto start = std::chrono::steady_clock::now();
    auto waiting = b->acquire_or_renew(2s);
    ASSERT_EQ(waiting.status, LockStatus::NotHeld) << show(waiting);
    EXPECT_EQ(waiting.detail, "held by ghost");
    EXPECT_GT(waiting.retry_in, 800ms) << "an ancient renewTime does not mean expired";
    std::this_thread::sleep_for(waiting.retry_in);
    auto taken = b->acquire_or_renew(2s);
    ASSERT_EQ(taken.status, LockStatus::Held) << show(taken);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(taken.detail, "acquired (the lease of ghost expired)");
    const json lease = stored(api);
    EXPECT_EQ(lease["spec"]["holderIdentity"], "replica-b");
    EXPECT_EQ(lease["spec"]["leaseTransitions"], 6);
    EXPECT_NE(lease["spec"]["acquireTime"], renew_time);
  }
}

TEST(KubernetesLeaderLock, AHolderThatStopsRenewingIsReplacedWithinTheLease) {
  KubernetesStandin api(kToken);
  auto a = lease_lock(api, "replica-a", 2s);
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);  // and never renewed again
  const auto start = std::chrono::steady_clock::now();
  LeaderElector b(lease_lock(api, "replica-b", 2s), {2s, 500ms});
  b.start();
  EXPECT_FALSE(b.is_leader()) << "replica-a's lease has time left";
  ASSERT_TRUE(wait_until([&] { return b.is_leader(); }, 15s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1900ms) << "one whole lease first";
  EXPECT_EQ(holder(api), "replica-b");
  auto again = a->acquire_or_renew(2s);
  EXPECT_EQ(again.status, LockStatus::NotHeld) << show(again);
  EXPECT_EQ(again.detail, "held by replica-b");
  b.stop();
  EXPECT_EQ(holder(api), "") << "stop() releases";
  EXPECT_EQ(stored(api)["spec"]["leaseDurationSeconds"], 1);
}

TEST(KubernetesLeaderLock, AWriteThatLosesARaceIs409AndNotHeld) {
  KubernetesStandin api(kToken);
  auto winner = [](StandinLeases& leases) {  // another replica writes between GET and write
    leases.put(kNs, foreign_lease("replica-c", 30, "2026-11-22T06:00:00.000000Z"));
  };
  // Taking an expired lease: b's PUT carries the version it read, c wrote since.
  auto a = lease_lock(api, "replica-a", 1s);
  auto b = lease_lock(api, "replica-b", 1s);
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  auto waiting = b->acquire_or_renew(2s);
  ASSERT_EQ(waiting.status, LockStatus::NotHeld) << show(waiting);
  std::this_thread::sleep_for(waiting.retry_in);
  api.leases().before_next_write(winner);
  auto lost = b->acquire_or_renew(2s);
  EXPECT_EQ(lost.status, LockStatus::NotHeld) << show(lost);
  EXPECT_NE(lost.detail.find("409"), std::string::npos) << lost.detail;
  EXPECT_NE(lost.detail.find("the object has been modified"), std::string::npos) << lost.detail;
  EXPECT_EQ(holder(api), "replica-c") << "the loser must not overwrite the winner";
  ASSERT_FALSE(api.requests("PUT").empty());
  EXPECT_EQ(api.requests("PUT").back().status, 409);

  // The holder's renewal racing a takeover: 409, then it sees the new holder.
  api.leases().put(kNs, foreign_lease("replica-a", 1, "2026-11-22T06:00:00.000000Z"));
  api.leases().before_next_write(winner);
  auto renewal = a->acquire_or_renew(2s);
  EXPECT_EQ(renewal.status, LockStatus::NotHeld) << show(renewal);
  EXPECT_NE(renewal.detail.find("409"), std::string::npos) << renewal.detail;
  auto after = a->acquire_or_renew(2s);
  EXPECT_EQ(after.status, LockStatus::NotHeld) << show(after);
  EXPECT_EQ(after.detail, "held by replica-c");

  // Creating it: c created the lease first, the POST answers 409 AlreadyExists.
  auto d = lease_lock(api.server(), api.ca_file().string(), "replica-d", 3s, kToken, "other");
  api.leases().before_next_write([](StandinLeases& leases) {
    json lease = foreign_lease("replica-c", 30, "2026-11-22T06:00:00.000000Z");
    lease["metadata"]["name"] = "other";
    leases.put(kNs, lease);
  });
  auto created = d->acquire_or_renew(2s);
  EXPECT_EQ(created.status, LockStatus::NotHeld) << show(created);
  EXPECT_NE(created.detail.find("409"), std::string::npos) << created.detail;
  EXPECT_NE(created.detail.find("already exists"), std::string::npos) << created.detail;
  EXPECT_EQ(holder(api, "other"), "replica-c");
}

TEST(KubernetesLeaderLock, ReleaseHandsTheLeaseOverAtOnceAndNeverSomeoneElses) {
  KubernetesStandin api(kToken);
  auto a = lease_lock(api, "replica-a", 10s);
  auto b = lease_lock(api, "replica-b", 10s);
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  ASSERT_EQ(b->acquire_or_renew(2s).status, LockStatus::NotHeld);
  b->release(2s);  // never held it: nothing is sent
  EXPECT_TRUE(api.requests("PUT").empty());
  a->release(2s);
  const json released = stored(api);
  EXPECT_EQ(released["spec"]["holderIdentity"], "");
  EXPECT_EQ(released["spec"]["leaseDurationSeconds"], 1);
  EXPECT_EQ(released["spec"]["leaseTransitions"], 0);
  auto taken = b->acquire_or_renew(2s);
  EXPECT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_EQ(taken.detail, "acquired (the lease was free)");
  EXPECT_EQ(stored(api)["spec"]["leaseTransitions"], 1);

  // b's lease is taken over behind its back (it ran out, say): b's release leaves it alone.
  api.leases().put(kNs, foreign_lease("replica-c", 30, "2026-11-22T06:00:00.000000Z"));
  const auto version = stored(api)["metadata"]["resourceVersion"];
  b->release(2s);
  EXPECT_EQ(holder(api), "replica-c");
  EXPECT_EQ(stored(api)["metadata"]["resourceVersion"], version);
}

// Fencing token = leaseTransitions + 1; the leader record = an annotation on the Lease.

std::optional<std::string> annotation(KubernetesStandin& api) {
  const json lease = stored(api);
  const json annotations = lease["metadata"].value("annotations", json::object());
  if (!annotations.contains(core::kLeaderRecordAnnotation)) return std::nullopt;
  return annotations[core::kLeaderRecordAnnotation].get<std::string>();
}

TEST(KubernetesLeaderLock, TokenIsTransitionsPlusOneAndTheRecordAnAnnotationHandedOver) {
  KubernetesStandin api(kToken);
  auto a = lease_lock(api, "replica-a", 10s);
  auto b = lease_lock(api, "replica-b", 10s);
  auto created = a->acquire_or_renew(2s, R"({"open":["pg-1"]})");
  ASSERT_EQ(created.status, LockStatus::Held) << show(created);
  EXPECT_EQ(created.fencing_token, 1u) << "leaseTransitions 0 + 1";
  EXPECT_EQ(created.record, std::nullopt);
  EXPECT_EQ(annotation(api), R"({"open":["pg-1"]})");
  auto renewed = a->acquire_or_renew(2s, R"({"open":["pg-1","redis-2"]})");
  ASSERT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.fencing_token, 1u);
  EXPECT_EQ(renewed.record, std::nullopt);
  EXPECT_EQ(annotation(api), R"({"open":["pg-1","redis-2"]})");

  auto follower = b->acquire_or_renew(2s, "b's own, never written");
  ASSERT_EQ(follower.status, LockStatus::NotHeld) << show(follower);
  EXPECT_EQ(follower.record, R"({"open":["pg-1","redis-2"]})");
  EXPECT_EQ(follower.fencing_token, 0u);

  a->release(2s);
  EXPECT_EQ(annotation(api), R"({"open":["pg-1","redis-2"]})") << "release keeps the record";
  auto taken = b->acquire_or_renew(2s, "");
  ASSERT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_EQ(taken.fencing_token, 2u);
  EXPECT_EQ(taken.record, R"({"open":["pg-1","redis-2"]})") << "the previous holder's";
  EXPECT_EQ(annotation(api), "") << "an empty record is stored as such";
  EXPECT_EQ(a->acquire_or_renew(2s).record, "");
  EXPECT_EQ(b->acquire_or_renew(2s, "b2").fencing_token, 2u);
}

TEST(KubernetesLeaderLock, ADeadHoldersLastRecordReachesItsSuccessorAndNeverOverwritesIt) {
  KubernetesStandin api(kToken);
  auto a = lease_lock(api, "replica-a", 1s);
  auto b = lease_lock(api, "replica-b", 1s);
  auto first = a->acquire_or_renew(2s, "a's last");  // then a stalls
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  auto waiting = b->acquire_or_renew(2s, "b's");
  ASSERT_EQ(waiting.status, LockStatus::NotHeld) << show(waiting);
  EXPECT_EQ(waiting.record, "a's last");
  std::this_thread::sleep_for(waiting.retry_in);
  auto taken = b->acquire_or_renew(2s, "b's");
  ASSERT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_EQ(taken.record, "a's last");
  EXPECT_GT(taken.fencing_token, first.fencing_token);
  auto stale = a->acquire_or_renew(2s, "a's stale");
  EXPECT_EQ(stale.status, LockStatus::NotHeld) << show(stale);
  EXPECT_EQ(stale.record, "b's");
  EXPECT_EQ(annotation(api), "b's");

  // A renewal racing a takeover: its PUT gets 409 and writes nothing.
  api.leases().before_next_write([](StandinLeases& leases) {
    json lease = foreign_lease("replica-c", 30, "2026-11-22T06:00:00.000000Z");
    lease["metadata"]["annotations"][core::kLeaderRecordAnnotation] = "c's";
    leases.put(kNs, lease);
  });
  auto raced = b->acquire_or_renew(2s, "b's late");
  EXPECT_EQ(raced.status, LockStatus::NotHeld) << show(raced);
  EXPECT_EQ(annotation(api), "c's");
  EXPECT_EQ(holder(api), "replica-c");
}

TEST(KubernetesLeaderLock, UnreachableOrHungApiIsUnknown) {
  auto api = std::make_unique<KubernetesStandin>(kToken);
  auto a = lease_lock(*api, "replica-a");
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  api.reset();  // the API server is gone: connection refused
  auto down = a->acquire_or_renew(2s);
  EXPECT_EQ(down.status, LockStatus::Unknown) << show(down);
  EXPECT_NE(down.detail.find("lease shop/watchdog: cannot reach the Kubernetes API"),
            std::string::npos)
      << down.detail;

  HungListener hung;  // accepts TCP, never answers the TLS handshake
  TempDir dir;
  TestPki pki(dir.path());
  auto frozen = lease_lock("https://127.0.0.1:" + std::to_string(hung.port()),
                           pki.ca_file().string(), "replica-a");
  auto result = bounded_call(*frozen, 500ms);
  EXPECT_EQ(result.status, LockStatus::Unknown) << show(result);
  EXPECT_NE(result.detail.find("did not answer within 500ms"), std::string::npos) << result.detail;
}

TEST(KubernetesLeaderLock, WrongTokenIsUnknownAndNeverShown) {
  KubernetesStandin api(kToken);
  const std::string wrong = "wrong-" + kToken;
  auto bad = lease_lock(api.server(), api.ca_file().string(), "replica-a", 3s, wrong);
  auto rejected = bad->acquire_or_renew(2s);
  EXPECT_EQ(rejected.status, LockStatus::Unknown) << show(rejected);
  EXPECT_NE(rejected.detail.find("401"), std::string::npos) << rejected.detail;
  // The holder's token is rotated on the server but not yet in its file: Unknown, not lost.
  auto a = lease_lock(api, "replica-b");
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  api.set_token("rotated-token");
  auto stale = a->acquire_or_renew(2s);
  EXPECT_EQ(stale.status, LockStatus::Unknown) << show(stale);
  EXPECT_NE(stale.detail.find("401"), std::string::npos) << stale.detail;
  for (const auto& text : {rejected.detail, stale.detail, bad->describe(), a->describe()}) {
    EXPECT_EQ(text.find(kToken), std::string::npos) << text;
    EXPECT_EQ(text.find("sa-token"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace watchdog::testing

// Two watchdog replicas share a leader lock (issue #5): both probe and export metrics, exactly
// one acts and alerts; when it is killed, the other takes over within the lease. Once with a
// real Redis, once with a Kubernetes Lease on the Kubernetes API STAND-IN
// (tests/support/kubernetes_standin.h: no kube-apiserver can run on these machines).
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/harness.h"
#include "tests/support/kubernetes_standin.h"
#include "tests/support/redis_server.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

// `lock`: the watchdog.leader mapping (indented for the `watchdog:` section); `takeover`: how
// soon after the leader's death the follower must lead.
void exactly_one_acts_and_the_other_takes_over(const std::string& lock,
                                               std::chrono::milliseconds takeover) {
  TempDir dir;
  WebhookReceiver receiver;
  dir.write("up", "");
  // The fix records which replica ran it (REPLICA comes from each watchdog's environment, passed
  // on by `env:`) and takes a second, so that both replicas see the outage.
  write_script(dir, "fix.sh",
               fill(R"(#!/bin/sh
echo "$REPLICA" >> @DIR@/actions.log
sleep 1
touch @DIR@/up
)",
                    {{"DIR", dir.path().string()}}));
  const auto yaml = fill(R"(defaults:
  interval: 200ms
  recheck_interval: 100ms
  timeout: 150ms
  failure_threshold: 1
  success_threshold: 1
components:
  - name: svc
    probes:
      - name: flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up || exit 2"]
    recovery:
      backoff: 200ms
      actions:
        - name: fix
          kind: command
          argv: ["@DIR@/fix.sh"]
          env: {REPLICA: "${REPLICA}"}
alerts:
  - name: ops
    kind: webhook
    url: @URL@
)",
                         {{"DIR", dir.path().string()}, {"URL", receiver.url()}});
  auto options_for = [&](const std::string& name) {
    auto options = watchdog_options(yaml, {{"REPLICA", name}});
    options.watchdog_keys = lock;
    options.instance = name;
    return options;
  };
  auto a = std::make_unique<WatchdogProcess>(dir, options_for("a"));
  auto b = std::make_unique<WatchdogProcess>(dir, options_for("b"));
  ASSERT_TRUE(wait_until(
      [&] { return a->metric("watchdog_leader") + b->metric("watchdog_leader") == 1; }, 5s));
  const bool a_leads = a->metric("watchdog_leader") == 1;
  auto& leader = a_leads ? a : b;
  auto& follower = a_leads ? b : a;
  const std::string leader_name = a_leads ? "a" : "b";
  const std::string follower_name = a_leads ? "b" : "a";

  std::filesystem::remove(dir / "up");
  ASSERT_TRUE(wait_until([&] { return lines_of(dir / "actions.log").size() == 1; }, 10s));
  ASSERT_TRUE(wait_until(
      [&] {
        return component_state(a->status(), "svc") == "HEALTHY" &&
               component_state(b->status(), "svc") == "HEALTHY";
      },
      10s));
  std::this_thread::sleep_for(1s);  // room for a duplicate to show up
  EXPECT_EQ(lines_of(dir / "actions.log"), std::vector<std::string>{leader_name});
  // Both probed and export the component; only the leader alerted.
  EXPECT_GT(follower->metric("watchdog_probe_runs_total", {{"component", "svc"}}), 0);
  EXPECT_NE(follower->log().find("alert_suppressed component=svc"), std::string::npos);
  std::size_t critical_alerts = 0;
  for (const auto& request : receiver.requests()) {
    critical_alerts += request.json.is_object() && request.json.value("to", "") == "CRITICAL";
  }
  EXPECT_EQ(critical_alerts, 1u);

  // The leader dies without releasing the lock: the follower takes over within the lease.
  leader->process().signal(SIGKILL);
  leader->process().wait(5s);
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return follower->metric("watchdog_leader") == 1; }, 5s))
      << follower->log();
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, takeover);
  std::filesystem::remove(dir / "up");
  ASSERT_TRUE(wait_until([&] { return lines_of(dir / "actions.log").size() == 2; }, 10s));
  EXPECT_EQ(lines_of(dir / "actions.log")[1], follower_name);
}

TEST(LeaderFailover, ExactlyOneReplicaActsAndTheOtherTakesOverWhenItDies) {
  RedisServer redis;
  exactly_one_acts_and_the_other_takes_over(
      "  leader:\n    kind: redis\n    address: 127.0.0.1:" + std::to_string(redis.port()) +
          "\n    lease: 2s\n    renew_interval: 500ms\n",
      3s);  // the key's TTL (2 s) + one renewal
}

TEST(LeaderFailover, KubernetesLeaseReplicasTakeOverWhenTheLeaderDies) {
  KubernetesStandin api("sa-token-failover-41d7");
  exactly_one_acts_and_the_other_takes_over(
      "  leader:\n    kind: kubernetes\n    server: " + api.server() + "\n    ca_file: " +
          api.ca_file().string() + "\n    token: sa-token-failover-41d7\n    namespace: shop\n" +
          "    lease: 2s\n    renew_interval: 500ms\n",
      // the lease (2 s) counted from when the follower last saw a renewal (up to one renew
      // interval after it happened) + one renewal
      3500ms);
  const auto lease = api.leases().lease("shop", "watchdog");
  EXPECT_EQ(lease["spec"].value("leaseTransitions", 0), 1) << lease.dump();
}

}  // namespace
}  // namespace watchdog::testing

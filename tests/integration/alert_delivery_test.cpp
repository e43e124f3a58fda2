// Alert delivery end to end (issue #6), through the real binary and real loopback receivers:
// nothing lost or duplicated while the sink is down and after it comes back (also across two
// incidents opened within one second), Retry-After honoured through a 429 storm (header, and
// Discord's `retry_after` body), route filters and rate limits. Providers' shapes, permanent
// and transient answers, kill -9 and hanging sinks: alert_providers_test.cpp. Outbox rows are read
// with `watchdog alerts --json`. Alertmanager itself: alertmanager_test.cpp.
//
// The "service" is a flag file: the command probe of `svc` passes while DIR/up exists (every
// 300 ms, one result decides), so each removal is one HEALTHY → CRITICAL transition and each
// restore one CRITICAL → HEALTHY: one event each, whatever the number of probe runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/alert_delivery_fixture.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using namespace alert_delivery;

TEST(AlertDelivery, SinkDownThenBackDeliversEveryEventExactlyOnceInOrder) {
  TempDir dir;
  heal_svc(dir);
  auto receiver = std::make_unique<WebhookReceiver>();
  const int port = receiver->port();
  const auto yaml = flag_yaml(dir, ops_webhook(receiver->url("/hook"), "2s", "200ms", "1s"));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  EXPECT_TRUE(receiver->requests("POST").empty()) << "no alert while healthy";

  // The sink goes away (connections refused) while svc fails and recovers three times. The
  // incidents start in different wall-clock seconds: two incidents within one second are
  // TwoIncidentsInOneSecondKeepDistinctKeys' business.
  receiver.reset();
  std::chrono::sys_seconds last_critical{};  // the second in which CRITICAL was seen
  for (int cycle = 0; cycle < 3; ++cycle) {
    // The previous incident opened at or before `last_critical`: once a later second has
    // begun, this one opens in another second for sure.
    ASSERT_TRUE(wait_until([&] { return wall_second() > last_critical; }, 2s, 10ms));
    break_svc(dir);
    ASSERT_TRUE(reaches(watchdog, "CRITICAL")) << watchdog.log();
    last_critical = wall_second();
    heal_svc(dir);
    ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  }
  ASSERT_TRUE(wait_until([&] { return pending(watchdog, "ops") == 6; }, 10s))
      << describe(outbox_rows(watchdog.config_path())) << watchdog.metrics();
  ASSERT_TRUE(wait_until([&] { return sent(watchdog, "ops", "retry") >= 2; }, 10s))
      << "the sender should keep trying while the sink is down\n"
      << watchdog.metrics();
  EXPECT_EQ(sent(watchdog, "ops", "success"), 0);
  const auto queued = rows_by_key(outbox_rows(watchdog.config_path()), "ops");
  EXPECT_EQ(queued.size(), 6u);
  for (const auto& [key, row] : queued) EXPECT_EQ(row.status, "pending") << key;

  // Back on the same port: everything arrives, once each.
  WebhookReceiver back(port);
  ASSERT_TRUE(wait_until(
      [&] { return back.delivered_keys().size() >= 6 && pending(watchdog, "ops") == 0; }, 20s))
      << describe(back.requests()) << watchdog.metrics();
  std::this_thread::sleep_for(1500ms);  // room for a duplicate to show up
  const auto delivered = back.delivered();
  ASSERT_EQ(delivered.size(), 6u) << describe(back.requests());
  EXPECT_EQ(back.requests("POST").size(), 6u) << "a 200 must end the retries of that event";
  const auto keys = keys_of(delivered);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 6u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), [&] {
    std::set<std::string> out;
    for (const auto& [key, row] : queued) out.insert(key);
    return out;
  }()) << "the keys delivered are the keys that were queued";

  // In the order they happened: per incident CRITICAL then HEALTHY, incidents in turn.
  EXPECT_EQ(field(delivered, "to"), (std::vector<std::string>{"CRITICAL", "HEALTHY", "CRITICAL",
                                                              "HEALTHY", "CRITICAL", "HEALTHY"}));
  const auto incidents = field(delivered, "incident_id");
  for (std::size_t i = 0; i < incidents.size(); i += 2) {
    EXPECT_FALSE(incidents[i].empty());
    EXPECT_EQ(incidents[i], incidents[i + 1]) << "one incident: its CRITICAL and its HEALTHY";
  }
  EXPECT_EQ(std::set<std::string>(incidents.begin(), incidents.end()).size(), 3u);
  for (const auto& request : delivered) {
    EXPECT_EQ(request.header("Idempotency-Key"), request.json.value("event_id", "?"));
    EXPECT_EQ(request.path, "/hook");
  }

  EXPECT_EQ(sent(watchdog, "ops", "success"), 6);
  for (const auto& [key, row] : rows_by_key(outbox_rows(watchdog.config_path()), "ops")) {
    EXPECT_EQ(row.status, "delivered") << key;
  }
}

// Fast flapping: two incidents of one component that open within the same wall-clock second
// are still two incidents, with four events and four different keys — none may be taken for a
// duplicate of the other and dropped.
TEST(AlertDelivery, TwoIncidentsInOneSecondKeepDistinctKeys) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver receiver;
  const auto yaml = flag_yaml(dir,
                              fill(R"(alerts:
  - name: ops
    kind: webhook
    url: @URL@
)",
                                   {{"URL", receiver.url()}}),
                              "", "100ms");
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  // Both cycles right after a second begins (each takes a few 100 ms probe runs).
  ASSERT_TRUE(wait_until([] { return millis_into_second() < 50; }, 2s, 2ms));
  for (int cycle = 0; cycle < 2; ++cycle) {
    break_svc(dir);
    ASSERT_TRUE(reaches(watchdog, "CRITICAL")) << watchdog.log();
    heal_svc(dir);
    ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  }
  EXPECT_EQ(
      watchdog.metric("watchdog_incident_time_to_recover_seconds_count", {{"component", "svc"}}),
      2);
  ASSERT_TRUE(wait_until([&] { return receiver.delivered().size() >= 4; }, 10s))
      << describe(receiver.requests()) << describe(outbox_rows(watchdog.config_path()))
      << watchdog.log();
  std::this_thread::sleep_for(500ms);
  const auto delivered = receiver.delivered();
  EXPECT_EQ(field(delivered, "to"),
            (std::vector<std::string>{"CRITICAL", "HEALTHY", "CRITICAL", "HEALTHY"}));
  const auto keys = keys_of(delivered);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 4u) << describe(delivered);
  const auto incidents = field(delivered, "incident_id");
  EXPECT_EQ(std::set<std::string>(incidents.begin(), incidents.end()).size(), 2u);
}

TEST(AlertDelivery, RetryAfterStormIsHonouredAndEachEventArrivesOnce) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver receiver;
  constexpr std::size_t kStorm = 3;
  receiver.reply_with([](const ReceivedRequest&, std::size_t n) {
    if (n < kStorm) return Reply{.status = 429, .body = "slow down", .retry_after_seconds = 1};
    return Reply{};
  });
  // The back-off alone would retry after 100–200 ms: only Retry-After spaces them by 1 s.
  const auto yaml = flag_yaml(dir, ops_webhook(receiver.url(), "2s", "100ms", "200ms"));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  break_svc(dir);
  ASSERT_TRUE(reaches(watchdog, "CRITICAL")) << watchdog.log();
  heal_svc(dir);
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();

  ASSERT_TRUE(wait_until([&] { return receiver.delivered().size() >= 2; }, 15s))
      << describe(receiver.requests()) << watchdog.log();
  std::this_thread::sleep_for(1500ms);  // room for a duplicate to show up
  const auto all = receiver.requests("POST");
  ASSERT_EQ(all.size(), kStorm + 2) << describe(all);
  // The first event: refused three times, then accepted, each retry after ~1 s.
  for (std::size_t i = 0; i <= kStorm; ++i) {
    EXPECT_EQ(all[i].header("Idempotency-Key"), all[0].header("Idempotency-Key")) << i;
    EXPECT_EQ(all[i].status, i < kStorm ? 429 : 200) << i;
  }
  for (std::size_t i = 1; i <= kStorm; ++i) {
    const double gap = millis_between(all[i - 1], all[i]);
    EXPECT_GE(gap, 900) << "retry " << i << " came before Retry-After: 1 elapsed";
    EXPECT_LE(gap, 3000) << "retry " << i << " waited far longer than Retry-After: 1";
  }
  EXPECT_EQ(all[0].json.value("to", ""), "CRITICAL");
  EXPECT_EQ(all.back().json.value("to", ""), "HEALTHY");
  const auto delivered = receiver.delivered_keys();
  EXPECT_EQ(delivered.size(), 2u);
  for (const auto& [key, count] : delivered) EXPECT_EQ(count, 1) << key;

  EXPECT_GE(sent(watchdog, "ops", "retry"), kStorm) << watchdog.metrics();
  EXPECT_EQ(sent(watchdog, "ops", "success"), 2);
  EXPECT_EQ(pending(watchdog, "ops"), 0);
}

TEST(AlertDelivery, DiscordRetryAfterInTheBodyIsHonoured) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver discord;
  constexpr std::size_t kStorm = 2;
  // Discord's 429: the wait in the JSON body, no Retry-After header; success is 204.
  discord.reply_with([](const ReceivedRequest&, std::size_t n) {
    if (n < kStorm) {
      return Reply{.status = 429,
                   .body = R"({"message": "You are being rate limited.", "retry_after": 1.0, )"
                           R"("global": false})",
                   .content_type = "application/json"};
    }
    return Reply{.status = 204, .body = ""};
  });
  const auto yaml = flag_yaml(dir, fill(R"(alerts:
  - name: chat
    kind: discord
    url: @URL@
    timeout: 2s
    retry_backoff: 100ms
    max_backoff: 200ms
    rate_limit: 20/s
)",
                                        {{"URL", discord.url("/api/webhooks/123/token")}}));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  break_svc(dir);
  ASSERT_TRUE(wait_until([&] { return discord.delivered().size() >= 1; }, 15s))
      << describe(discord.requests()) << watchdog.log();
  std::this_thread::sleep_for(1500ms);
  const auto all = discord.requests("POST");
  ASSERT_EQ(all.size(), kStorm + 1) << describe(all);
  for (std::size_t i = 1; i <= kStorm; ++i) {
    EXPECT_EQ(all[i].body, all[0].body) << "a retry sends the same message";
    const double gap = millis_between(all[i - 1], all[i]);
    EXPECT_GE(gap, 900) << "retry " << i << " ignored retry_after: 1.0";
    EXPECT_LE(gap, 3000) << "retry " << i;
  }
  EXPECT_EQ(all.back().status, 204);
  ASSERT_TRUE(all[0].json.is_object()) << all[0].body;
  EXPECT_NE(all[0].json.value("content", "").find("svc"), std::string::npos) << all[0].body;
  EXPECT_TRUE(wait_until([&] { return sent(watchdog, "chat", "success") == 1; }, 5s));
  EXPECT_GE(sent(watchdog, "chat", "retry"), kStorm);
}

// `side` (critical: false → DEGRADED) on the flag file DIR/side-up, beside `svc`.
constexpr const char* kSideComponent = R"(  - name: side
    critical: false
    probes:
      - name: side-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/side-up || exit 2"]
)";

// Breaks svc (CRITICAL) and side (DEGRADED), waits for both, then heals both: four events.
// False when they did not both break.
bool break_and_heal_both(const TempDir& dir, const WatchdogProcess& watchdog) {
  break_svc(dir);
  std::filesystem::remove(dir / "side-up");
  const bool broke = wait_until(
      [&] {
        const auto status = watchdog.status();
        return component_state(status, "svc") == "CRITICAL" &&
               component_state(status, "side") == "DEGRADED";
      },
      10s, 10ms);
  heal_svc(dir);
  dir.write("side-up", "");
  return broke;
}

std::multiset<std::string> component_and_state(const std::vector<ReceivedRequest>& requests) {
  std::multiset<std::string> out;
  for (const auto& r : requests) {
    out.insert(r.json.value("component", "?") + " " + r.json.value("to", "?"));
  }
  return out;
}

TEST(AlertDelivery, RoutesFilterByComponentAndSeverity) {
  TempDir dir;
  heal_svc(dir);
  dir.write("side-up", "");
  WebhookReceiver all, only_svc, only_critical;
  const auto yaml =
      flag_yaml(dir,
                fill(R"(alerts:
  - name: all
    kind: webhook
    url: @ALL@
  - name: only-svc
    kind: webhook
    url: @SVC@
    components: ["sv*"]
  - name: only-critical
    kind: webhook
    url: @CRIT@
    min_severity: critical
)",
                     {{"ALL", all.url()}, {"SVC", only_svc.url()}, {"CRIT", only_critical.url()}}),
                fill(kSideComponent, {{"DIR", dir.path().string()}}));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  ASSERT_TRUE(break_and_heal_both(dir, watchdog)) << watchdog.log();
  ASSERT_TRUE(all.wait_for(4, 10s)) << describe(all.requests()) << watchdog.log();
  ASSERT_TRUE(only_svc.wait_for(2, 5s)) << watchdog.log();
  ASSERT_TRUE(only_critical.wait_for(2, 5s)) << watchdog.log();
  std::this_thread::sleep_for(1s);  // room for one that should not come
  EXPECT_EQ(
      component_and_state(all.requests("POST")),
      (std::multiset<std::string>{"svc CRITICAL", "svc HEALTHY", "side DEGRADED", "side HEALTHY"}));
  EXPECT_EQ(component_and_state(only_svc.requests("POST")),
            (std::multiset<std::string>{"svc CRITICAL", "svc HEALTHY"}));
  // DEGRADED is a warning: not for this route, and neither is its recovery; the recovery of
  // the CRITICAL incident it did get is.
  EXPECT_EQ(component_and_state(only_critical.requests("POST")),
            (std::multiset<std::string>{"svc CRITICAL", "svc HEALTHY"}));
}

TEST(AlertDelivery, RateLimitSpacesTheSendsOfOneSink) {
  TempDir dir;
  heal_svc(dir);
  dir.write("side-up", "");
  WebhookReceiver receiver;
  const auto yaml = flag_yaml(dir,
                              fill(R"(alerts:
  - name: ops
    kind: webhook
    url: @URL@
    rate_limit: 2/s
)",
                                   {{"URL", receiver.url()}}),
                              fill(kSideComponent, {{"DIR", dir.path().string()}}));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  // Four events within a few probe runs.
  ASSERT_TRUE(break_and_heal_both(dir, watchdog)) << watchdog.log();
  ASSERT_TRUE(receiver.wait_for(4, 15s)) << watchdog.log();
  std::this_thread::sleep_for(1s);
  const auto all = receiver.requests("POST");
  ASSERT_EQ(all.size(), 4u) << describe(all);
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(millis_between(all[i - 1], all[i]), 450) << "send " << i << " broke 2/s";
  }
  const auto keys = receiver.delivered_keys();
  EXPECT_EQ(keys.size(), 4u);
  for (const auto& [key, count] : keys) EXPECT_EQ(count, 1) << key;
}

// Number of Unicode code points in UTF-8 text (Discord counts characters, not bytes).

}  // namespace
}  // namespace watchdog::testing

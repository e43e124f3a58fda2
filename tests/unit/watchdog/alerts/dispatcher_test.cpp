// The alert dispatcher against a real HTTP receiver on loopback: the outbox first, retries with
// back-off and Retry-After, permanent failures recorded, order per sink, a hanging sink that
// delays nothing else, durability across dispatchers, routes, reminders and rate limits.
#include "watchdog/alerts/dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/support/webhook_receiver.h"
#include "watchdog/alerts/webhook_provider.h"

namespace watchdog::alerts {
namespace {

using namespace std::chrono_literals;
using testing::Reply;
using testing::WebhookReceiver;

DeliveryPolicy fast_policy() {
  DeliveryPolicy policy;
  policy.timeout = 1s;
  policy.retry_backoff = 100ms;
  policy.max_backoff = 400ms;
  return policy;
}

std::shared_ptr<Provider> webhook(const std::string& name, const std::string& url,
                                  DeliveryPolicy policy = fast_policy(), Route route = {}) {
  return std::make_shared<WebhookProvider>(name, policy, std::move(route),
                                           config::Secret{url, "inline"}, std::nullopt);
}

const OutboxTime kStart = OutboxTime(std::chrono::milliseconds(1'795'318'500'000));

AlertEvent event(const std::string& id, core::State to = core::State::Critical,
                 const std::string& component = "api", const std::string& incident = "inc-1") {
  AlertEvent e;
  e.event_id = id;
  e.component = component;
  e.incident_id = incident;
  e.from = to == core::State::Healthy ? core::State::Critical : core::State::Healthy;
  e.to = to;
  e.at = kStart;
  return e;
}

double series(const core::Metrics& metrics, const std::string& name) {
  const auto text = metrics.render();
  const auto at = text.find(name + " ");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + name.size() + 1));
}

std::vector<std::string> keys_of(const std::vector<testing::ReceivedRequest>& requests) {
  std::vector<std::string> keys;
  for (const auto& r : requests) keys.push_back(r.header("Idempotency-Key"));
  return keys;
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// A clock the test moves (reminders, give-up).
struct TestClock {
  std::shared_ptr<std::atomic<std::int64_t>> ms =
      std::make_shared<std::atomic<std::int64_t>>(store_ms(kStart));
  static std::int64_t store_ms(OutboxTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }
  std::function<OutboxTime()> function() const {
    return [ms = ms] { return OutboxTime(std::chrono::milliseconds(ms->load())); };
  }
  void advance(std::chrono::milliseconds by) { *ms += by.count(); }
};

TEST(Dispatcher, WritesTheOutboxBeforeSendingAndMarksDelivery) {
  WebhookReceiver receiver;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  dispatcher.set_providers({webhook("ops", receiver.url())});
  EXPECT_EQ(dispatcher.submit(event("e1")), std::vector<std::string>{"ops"});
  ASSERT_TRUE(receiver.wait_for(1, 10s));
  dispatcher.stop(2s);
  const auto rows = dispatcher.outbox()->recent(10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, "e1");
  EXPECT_EQ(rows[0].status, "delivered");
  EXPECT_EQ(rows[0].attempts, 1);
  EXPECT_EQ(rows[0].last_error, "HTTP 200");
}

TEST(Dispatcher, RetriesServerErrorsUntilDelivered) {
  WebhookReceiver receiver;
  receiver.reply_with([](const auto&, std::size_t n) { return Reply{n < 2 ? 500 : 200}; });
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  dispatcher.set_providers({webhook("ops", receiver.url())});
  dispatcher.submit(event("e1"));
  ASSERT_TRUE(receiver.wait_for(3, 10s));
  dispatcher.stop(1s);
  const auto requests = receiver.requests("POST");
  ASSERT_EQ(requests.size(), 3u);  // two failures, one success, no duplicate after success
  for (const auto& r : requests) EXPECT_EQ(r.header("Idempotency-Key"), "e1");
  // Back-off: the first retry waits at least half of retry_backoff (jitter spreads [d/2, d]).
  EXPECT_GE(requests[1].arrived - requests[0].arrived, 50ms);
  EXPECT_GE(requests[2].arrived - requests[1].arrived, 100ms);  // doubled: [100, 200] ms
  EXPECT_EQ(series(metrics, R"(watchdog_alerts_sent_total{alert="ops",result="retry"})"), 2);
  EXPECT_EQ(series(metrics, R"(watchdog_alerts_sent_total{alert="ops",result="success"})"), 1);
  EXPECT_EQ(dispatcher.outbox()->recent(1)[0].attempts, 3);
}

TEST(Dispatcher, HonoursRetryAfterOn429) {
  WebhookReceiver receiver;
  receiver.reply_with([](const auto&, std::size_t n) {
    Reply reply{n == 0 ? 429 : 200};
    if (n == 0) reply.retry_after_seconds = 1;
    return reply;
  });
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  dispatcher.set_providers({webhook("ops", receiver.url())});
  dispatcher.submit(event("e1"));
  ASSERT_TRUE(receiver.wait_for(2, 10s));
  const auto requests = receiver.requests("POST");
  // The configured back-off is 100 ms; Retry-After asked for a full second.
  EXPECT_GE(requests[1].arrived - requests[0].arrived, 950ms);
}

TEST(Dispatcher, PermanentFailureIsRecordedAndExportedNotRetried) {
  WebhookReceiver receiver;
  receiver.reply_always(Reply{404});
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  dispatcher.set_providers({webhook("ops", receiver.url())});
  dispatcher.submit(event("e1"));
  dispatcher.submit(event("e2"));
  ASSERT_TRUE(receiver.wait_for(2, 10s));
  std::this_thread::sleep_for(300ms);  // longer than any back-off: a retry would show
  dispatcher.stop(1s);
  EXPECT_EQ(receiver.requests("POST").size(), 2u);  // one attempt per event
  EXPECT_EQ(series(metrics, R"(watchdog_alerts_sent_total{alert="ops",result="failure"})"), 2);
  EXPECT_EQ(series(metrics, R"(watchdog_alerts_failed{alert="ops"})"), 2);
  for (const auto& row : dispatcher.outbox()->recent(10)) {
    EXPECT_EQ(row.status, "failed");
    EXPECT_EQ(row.last_error, "HTTP 404: ok");  // with the receiver's answer
  }
}

TEST(Dispatcher, ExpiresWhatStillFailsAfterGiveUpAfter) {
  WebhookReceiver receiver;
  receiver.reply_always(Reply{503});
  TestClock clock;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics, nullptr, {.clock = clock.function()});
  dispatcher.set_providers({webhook("ops", receiver.url())});
  dispatcher.submit(event("e1"));
  ASSERT_TRUE(receiver.wait_for(1, 10s));  // retrying
  clock.advance(25h);                      // older than give_up_after (24 h)
  ASSERT_TRUE(eventually([&] { return dispatcher.outbox()->recent(1)[0].status == "expired"; }));
  const auto tries = receiver.requests("POST").size();
  std::this_thread::sleep_for(600ms);  // longer than max_backoff: another retry would show
  dispatcher.stop(1s);
  EXPECT_EQ(receiver.requests("POST").size(), tries);
  EXPECT_EQ(series(metrics, R"(watchdog_alerts_sent_total{alert="ops",result="expired"})"), 1);
}

TEST(Dispatcher, KeepsOrderPerSinkAcrossRetries) {
  WebhookReceiver receiver;
  // Every third request fails once: the failed event is retried before any later one.
  receiver.reply_with([](const auto&, std::size_t n) { return Reply{n % 3 == 1 ? 500 : 200}; });
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  dispatcher.set_providers({webhook("ops", receiver.url())});
  for (int i = 0; i < 12; ++i) dispatcher.submit(event("e" + std::to_string(i)));
  ASSERT_TRUE(receiver.wait_for(18, 20s));
  std::vector<std::string> delivered;
  const auto requests = receiver.requests("POST");
  for (std::size_t n = 0; n < requests.size(); ++n) {
    if (n % 3 != 1) delivered.push_back(requests[n].header("Idempotency-Key"));
  }
  ASSERT_EQ(delivered.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(delivered[i], "e" + std::to_string(i));
}

TEST(Dispatcher, HangingSinkDelaysNeitherSubmitNorOtherSinks) {
  WebhookReceiver hung, healthy;
  hung.reply_always(Reply{200, "ok", 30s});
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  auto slow = fast_policy();
  slow.timeout = 20s;
  dispatcher.set_providers({webhook("hung", hung.url(), slow), webhook("ok", healthy.url())});
  for (int i = 0; i < 5; ++i) dispatcher.submit(event("e" + std::to_string(i)));
  EXPECT_TRUE(healthy.wait_for(5, 5s));  // while the hung sink holds one sender
  EXPECT_TRUE(hung.wait_for(1, 5s));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(hung.requests("POST").size(), 1u);  // one send at a time per sink
  const auto stop_start = std::chrono::steady_clock::now();
  dispatcher.stop(200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, 5s);  // never waits out a hung send
  // The hung row is still pending in the outbox: a restart sends it again.
  int pending = 0;
  for (const auto& row : dispatcher.outbox()->recent(20)) pending += row.status == "pending";
  EXPECT_EQ(pending, 5);
}

TEST(Dispatcher, PendingRowsSurviveIntoTheNextDispatcherExactlyOnce) {
  testing::TempDir dir;
  const auto file = dir.path() / "watchdog.db";
  WebhookReceiver receiver;
  receiver.reply_always(Reply{500});
  {
    core::Metrics metrics;
    Dispatcher first(metrics, Outbox::open(file));
    first.set_providers({webhook("ops", receiver.url())});
    for (int i = 0; i < 3; ++i) first.submit(event("e" + std::to_string(i)));
    ASSERT_TRUE(receiver.wait_for(1, 10s));
    first.stop(1s);
  }
  const auto refused = receiver.requests("POST").size();
  receiver.reply_always(Reply{200});
  core::Metrics metrics;
  Dispatcher second(metrics, Outbox::open(file));
  second.set_providers({webhook("ops", receiver.url())});
  second.submit(event("e1"));  // the engine repeating itself: not queued twice
  ASSERT_TRUE(receiver.wait_for(refused + 3, 10s));
  std::this_thread::sleep_for(300ms);
  second.stop(1s);
  auto requests = receiver.requests("POST");
  requests.erase(requests.begin(), requests.begin() + static_cast<long>(refused));
  EXPECT_EQ(keys_of(requests), (std::vector<std::string>{"e0", "e1", "e2"}));
}

TEST(Dispatcher, RoutesByComponentAndSeverityAndResolvesWhereItAlerted) {
  WebhookReceiver all, databases, pager;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  Route db_only;
  db_only.components = {"db-*"};
  Route critical_only;
  critical_only.min_severity = Severity::Critical;
  dispatcher.set_providers({webhook("all", all.url()),
                            webhook("databases", databases.url(), fast_policy(), db_only),
                            webhook("pager", pager.url(), fast_policy(), critical_only)});
  EXPECT_EQ(dispatcher.submit(event("api/1-DEGRADED", core::State::Degraded, "api", "api-1")),
            std::vector<std::string>{"all"});
  EXPECT_EQ(dispatcher.submit(event("db/1-CRITICAL", core::State::Critical, "db-main", "db-1")),
            (std::vector<std::string>{"all", "databases", "pager"}));
  // api's incident never reached the pager: its resolution does not either.
  EXPECT_EQ(dispatcher.submit(event("api/2-HEALTHY", core::State::Healthy, "api", "api-1")),
            std::vector<std::string>{"all"});
  EXPECT_EQ(dispatcher.submit(event("db/2-HEALTHY", core::State::Healthy, "db-main", "db-1")),
            (std::vector<std::string>{"all", "databases", "pager"}));
  ASSERT_TRUE(all.wait_for(4, 10s));
  ASSERT_TRUE(pager.wait_for(2, 10s));
  EXPECT_EQ(keys_of(pager.requests("POST")),
            (std::vector<std::string>{"db/1-CRITICAL", "db/2-HEALTHY"}));
}

TEST(Dispatcher, RemindsOpenCriticalIncidentsOncePerRepeatInterval) {
  WebhookReceiver ops, quiet;
  TestClock clock;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics, nullptr, {.clock = clock.function()});
  Route hourly;
  hourly.repeat_interval = 1h;
  Route never;
  never.repeat_interval = 0s;
  dispatcher.set_providers({webhook("ops", ops.url(), fast_policy(), hourly),
                            webhook("quiet", quiet.url(), fast_policy(), never)});
  dispatcher.submit(event("inc-1/1-CRITICAL"));
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // not due yet
  clock.advance(59min);
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // not due yet
  clock.advance(2min);
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // reminder 1
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // same interval: nothing
  clock.advance(1h);
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // reminder 2
  dispatcher.remind("unknown/1-CRITICAL", core::State::Critical);  // never alerted: nothing
  ASSERT_TRUE(ops.wait_for(3, 10s));
  std::this_thread::sleep_for(300ms);
  const auto requests = ops.requests("POST");
  EXPECT_EQ(keys_of(requests), (std::vector<std::string>{"inc-1/1-CRITICAL",
                                                         "inc-1/1-CRITICAL/reminder-20261122T043500Z",
                                                         "inc-1/1-CRITICAL/reminder-20261122T053500Z"}));
  EXPECT_EQ(requests[1].json["type"], "reminder");
  EXPECT_EQ(requests[1].header("X-Watchdog-Event"), "reminder");
  EXPECT_EQ(quiet.requests("POST").size(), 1u);
}

// An operator's acknowledgement: queued for the sinks that alerted the incident (not for one
// that never heard of it), and the reminders of that incident stop.
TEST(Dispatcher, AnAcknowledgementGoesToTheAlertedSinksAndEndsReminders) {
  WebhookReceiver ops, other;
  TestClock clock;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics, nullptr, {.clock = clock.function()});
  Route hourly;
  hourly.repeat_interval = 1h;
  Route elsewhere;
  elsewhere.components = {"db"};
  dispatcher.set_providers({webhook("ops", ops.url(), fast_policy(), hourly),
                            webhook("other", other.url(), fast_policy(), elsewhere)});
  dispatcher.submit(event("inc-1/1-CRITICAL"));
  auto ack = event("inc-1/1-CRITICAL/ack");
  ack.type = "acknowledge";
  EXPECT_EQ(dispatcher.acknowledge(ack), std::vector<std::string>{"ops"});
  // remind() writes its rows before it returns: counting them needs no waiting.
  auto ops_rows = [&] {
    int rows = 0;
    const auto counts = dispatcher.outbox()->counts();
    if (counts.count("ops") == 0) return rows;
    for (const auto& [status, count] : counts.at("ops")) rows += count;
    return rows;
  };
  EXPECT_EQ(ops_rows(), 2);
  clock.advance(61min);
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical, true);  // acknowledged: nothing
  EXPECT_EQ(ops_rows(), 2);
  ASSERT_TRUE(ops.wait_for(2, 10s));
  const auto requests = ops.requests("POST");
  EXPECT_EQ(keys_of(requests),
            (std::vector<std::string>{"inc-1/1-CRITICAL", "inc-1/1-CRITICAL/ack"}));
  EXPECT_EQ(requests[1].json["type"], "acknowledge");
  EXPECT_TRUE(other.requests("POST").empty());
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // not acknowledged: due
  EXPECT_EQ(ops_rows(), 3);
  ASSERT_TRUE(ops.wait_for(3, 10s));
}

TEST(Dispatcher, AChangedRepeatIntervalNeitherStallsNorRepeatsReminders) {
  WebhookReceiver ops;
  TestClock clock;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics, nullptr, {.clock = clock.function()});
  Route hourly;
  hourly.repeat_interval = 1h;
  dispatcher.set_providers({webhook("ops", ops.url(), fast_policy(), hourly)});
  dispatcher.submit(event("inc-1/1-CRITICAL"));
  clock.advance(61min);
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // due 04:35
  Route every_two_hours;
  every_two_hours.repeat_interval = 2h;
  dispatcher.set_providers({webhook("ops", ops.url(), fast_policy(), every_two_hours)});
  clock.advance(30min);
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // 2 h grid: 05:35 not yet
  clock.advance(32min);
  dispatcher.remind("inc-1/1-CRITICAL", core::State::Critical);  // due 05:35
  ASSERT_TRUE(ops.wait_for(3, 10s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(keys_of(ops.requests("POST")),
            (std::vector<std::string>{"inc-1/1-CRITICAL",
                                      "inc-1/1-CRITICAL/reminder-20261122T043500Z",
                                      "inc-1/1-CRITICAL/reminder-20261122T053500Z"}));
}

TEST(Dispatcher, NoRemindersWhileOnlyDegraded) {
  WebhookReceiver ops;
  TestClock clock;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics, nullptr, {.clock = clock.function()});
  Route hourly;
  hourly.repeat_interval = 1h;
  dispatcher.set_providers({webhook("ops", ops.url(), fast_policy(), hourly)});
  dispatcher.submit(event("inc-1/1-DEGRADED", core::State::Degraded));
  clock.advance(3h);
  dispatcher.remind("inc-1/1-DEGRADED", core::State::Degraded);
  ASSERT_TRUE(ops.wait_for(1, 10s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(ops.requests("POST").size(), 1u);
}

TEST(Dispatcher, RateLimitSpacesSendsOfOneSink) {
  WebhookReceiver receiver;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  auto limited = fast_policy();
  limited.min_spacing = 250ms;  // rate_limit: 4/s
  dispatcher.set_providers({webhook("ops", receiver.url(), limited)});
  for (int i = 0; i < 4; ++i) dispatcher.submit(event("e" + std::to_string(i)));
  ASSERT_TRUE(receiver.wait_for(4, 10s));
  const auto requests = receiver.requests("POST");
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].arrived - requests[i - 1].arrived, 240ms) << i;
  }
}

}  // namespace
}  // namespace watchdog::alerts

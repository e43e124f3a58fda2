// The alert dispatcher against a real HTTP receiver on loopback: retries, Retry-After,
// permanent failures, a hanging sink that delays nothing else.
#include "watchdog/alerts/dispatcher.h"

#include <gtest/gtest.h>

#include "tests/support/webhook_receiver.h"
#include "watchdog/alerts/webhook_provider.h"

namespace watchdog::alerts {
namespace {

using namespace std::chrono_literals;
using testing::Reply;
using testing::WebhookReceiver;

std::shared_ptr<Provider> webhook(const std::string& name, const std::string& url,
                                  int max_retries = 3) {
  DeliveryPolicy policy;
  policy.timeout = 1s;
  policy.max_retries = max_retries;
  policy.retry_backoff = 100ms;
  return std::make_shared<WebhookProvider>(name, policy, config::Secret{url, "inline"},
                                           std::nullopt);
}

AlertEvent event(const std::string& id) {
  AlertEvent e;
  e.event_id = id;
  e.component = "api";
  e.to = core::State::Critical;
  return e;
}

double counter(const core::Metrics& metrics, const std::string& series) {
  const auto text = metrics.render();
  const auto at = text.find(series + " ");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size() + 1));
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
  EXPECT_EQ(counter(metrics, R"(watchdog_alerts_sent_total{alert="ops",result="retry"})"), 2);
  EXPECT_EQ(counter(metrics, R"(watchdog_alerts_sent_total{alert="ops",result="success"})"), 1);
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

TEST(Dispatcher, PermanentFailureIsNotRetried) {
  WebhookReceiver receiver;
  receiver.reply_always(Reply{404});
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  dispatcher.set_providers({webhook("ops", receiver.url())});
  dispatcher.submit(event("e1"));
  dispatcher.submit(event("e2"));
  ASSERT_TRUE(receiver.wait_for(2, 10s));
  dispatcher.stop(1s);
  EXPECT_EQ(receiver.requests("POST").size(), 2u);  // one attempt per event
  EXPECT_EQ(counter(metrics, R"(watchdog_alerts_sent_total{alert="ops",result="failure"})"), 2);
}

TEST(Dispatcher, KeepsOrderPerSink) {
  WebhookReceiver receiver;
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  dispatcher.set_providers({webhook("ops", receiver.url())});
  for (int i = 0; i < 20; ++i) dispatcher.submit(event("e" + std::to_string(i)));
  ASSERT_TRUE(receiver.wait_for(20, 10s));
  const auto requests = receiver.requests("POST");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(requests[i].json["event_id"], "e" + std::to_string(i));
}

TEST(Dispatcher, HangingSinkDelaysNeitherSubmitNorOtherSinks) {
  WebhookReceiver hung, healthy;
  hung.reply_always(Reply{200, "ok", 30s});
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  dispatcher.set_providers({webhook("hung", hung.url()), webhook("ok", healthy.url())});
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) dispatcher.submit(event("e" + std::to_string(i)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);  // submit only enqueues
  EXPECT_TRUE(healthy.wait_for(5, 5s));
  const auto stop_start = std::chrono::steady_clock::now();
  dispatcher.stop(200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, 2s);  // never waits out a hung send
}

}  // namespace
}  // namespace watchdog::alerts

// The dispatcher's in-memory caches stay bounded over a long run: found by the soak
// (scripts/soak.sh), where every transition left one mark per sink behind for good.
#include <gtest/gtest.h>

#include <string>

#include "watchdog/alerts/dispatcher.h"
#include "watchdog/alerts/webhook_provider.h"
#include "watchdog/metrics.h"

namespace watchdog::alerts {
namespace {

using namespace std::chrono_literals;

TEST(DispatcherCache, StaysBoundedHoweverManyTransitionsAreSent) {
  core::Metrics metrics;
  Dispatcher dispatcher(metrics);
  DeliveryPolicy policy;
  policy.retry_backoff = 1h;  // nothing listens on port 1: the rows just wait
  policy.max_backoff = 1h;
  dispatcher.set_providers({std::make_shared<WebhookProvider>(
      "ops", policy, Route{}, config::Secret{"http://127.0.0.1:1/", "inline"}, std::nullopt)});
  const auto at = std::chrono::system_clock::now();
  for (int i = 0; i < 5000; ++i) {
    AlertEvent event;
    event.incident_id = "api-" + std::to_string(i);
    event.event_id = event.incident_id + "/1-CRITICAL";
    event.component = "api";
    event.from = core::State::Healthy;
    event.to = core::State::Critical;
    event.at = at;
    ASSERT_EQ(dispatcher.submit(event).size(), 1u);
  }
  // Three caches of at most 1000 (+1 while one is being cleared): events remembered for
  // reminders, alerted incidents, the sink's marks. Before the fix the marks held all 5000.
  EXPECT_LE(dispatcher.cached_entries(), 3u * 1001u);
  dispatcher.stop(0ms);
}

}  // namespace
}  // namespace watchdog::alerts

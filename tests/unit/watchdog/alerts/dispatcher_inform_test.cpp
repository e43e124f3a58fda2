// Dispatcher::inform (the backup report): it prunes the outbox itself, so a healthy system's
// daily reports do not pile up (reminders, the other pruning path, run only while unhealthy).
#include <gtest/gtest.h>

#include "tests/support/webhook_receiver.h"
#include "watchdog/alerts/dispatcher.h"
#include "watchdog/alerts/webhook_provider.h"
#include "watchdog/metrics.h"

namespace watchdog::alerts {
namespace {

using namespace std::chrono_literals;

TEST(DispatcherInform, PrunesOldFinishedReports) {
  testing::WebhookReceiver receiver;
  auto outbox = Outbox::in_memory();
  const auto now = std::chrono::system_clock::now();
  OutboxEntry old;
  old.key = "backup-report/old";
  old.component = "backup_report";
  old.type = "backup_report";
  old.payload = "{}";
  old.created = old.next_attempt = now - 8 * 24h;
  const auto rows = outbox->enqueue(old, {"hook"});
  ASSERT_EQ(rows.size(), 1u);
  outbox->mark_delivered(rows[0].id, now - 8 * 24h, "HTTP 200");

  core::Metrics metrics;
  Dispatcher dispatcher(metrics, outbox);
  dispatcher.set_providers({std::make_shared<WebhookProvider>(
      "hook", DeliveryPolicy{}, Route{}, config::Secret{receiver.url(), "inline"},
      std::nullopt)});
  AlertEvent report;
  report.event_id = "backup-report/today";
  report.type = "backup_report";
  report.component = "backup_report";
  report.at = now;
  EXPECT_EQ(dispatcher.inform(report, {"hook"}), std::vector<std::string>{"hook"});
  EXPECT_FALSE(outbox->has_key("hook", "backup-report/old")) << "a week-old report is pruned";
  EXPECT_TRUE(outbox->has_key("hook", "backup-report/today"));
  dispatcher.stop(1000ms);
}

}  // namespace
}  // namespace watchdog::alerts

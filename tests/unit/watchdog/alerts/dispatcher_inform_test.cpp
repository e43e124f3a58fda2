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

// A report delivered `age` ago, in the outbox as the hook's.
void delivered_report(Outbox& outbox, const std::string& key, std::chrono::hours age) {
  const auto at = std::chrono::system_clock::now() - age;
  OutboxEntry old;
  old.key = key;
  old.component = "backup_report";
  old.type = "backup_report";
  old.payload = "{}";
  old.created = old.next_attempt = at;
  const auto rows = outbox.enqueue(old, {"hook"});
  ASSERT_EQ(rows.size(), 1u);
  outbox.mark_delivered(rows[0].id, at, "HTTP 200");
}

AlertEvent report_of_today() {
  AlertEvent report;
  report.event_id = "backup-report/today";
  report.type = "backup_report";
  report.component = "backup_report";
  report.at = std::chrono::system_clock::now();
  return report;
}

std::shared_ptr<Provider> hook(const testing::WebhookReceiver& receiver) {
  return std::make_shared<WebhookProvider>("hook", DeliveryPolicy{}, Route{},
                                           config::Secret{receiver.url(), "inline"}, std::nullopt);
}

TEST(DispatcherInform, PrunesOldFinishedReports) {
  testing::WebhookReceiver receiver;
  auto outbox = Outbox::in_memory();
  delivered_report(*outbox, "backup-report/old", 8 * 24h);
  delivered_report(*outbox, "backup-report/recent", 2 * 24h);

  core::Metrics metrics;
  Dispatcher dispatcher(metrics, outbox);
  dispatcher.set_providers({hook(receiver)});
  EXPECT_EQ(dispatcher.inform(report_of_today(), {"hook"}), std::vector<std::string>{"hook"});
  EXPECT_FALSE(outbox->has_key("hook", "backup-report/old")) << "a week-old report is pruned";
  EXPECT_TRUE(outbox->has_key("hook", "backup-report/recent"));
  EXPECT_TRUE(outbox->has_key("hook", "backup-report/today"));
  dispatcher.stop(1000ms);
}

TEST(DispatcherInform, AShorterJournalRetentionPrunesSooner) {
  testing::WebhookReceiver receiver;
  auto outbox = Outbox::in_memory();
  delivered_report(*outbox, "backup-report/recent", 2 * 24h);
  delivered_report(*outbox, "backup-report/fresh", 1h);

  core::Metrics metrics;
  Dispatcher dispatcher(metrics, outbox);
  dispatcher.keep_finished_at_most(24h);  // watchdog.journal_retention: 1d
  dispatcher.set_providers({hook(receiver)});
  dispatcher.prune_if_due();
  EXPECT_FALSE(outbox->has_key("hook", "backup-report/recent"));
  EXPECT_TRUE(outbox->has_key("hook", "backup-report/fresh"));
  dispatcher.stop(1000ms);
}

}  // namespace
}  // namespace watchdog::alerts

// The daily backup report's schedule: slots and keys in a time zone (pure, clock injected), the
// sinks it goes to, and the scheduler against a real webhook receiver with a fixed clock — a
// passed slot sent once at start, not again after a restart, nothing while not the leader.
#include "watchdog/backup_report_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "config/loader.h"
#include "config/time_text.h"
#include "tests/support/temp_dir.h"
#include "tests/support/webhook_receiver.h"
#include "watchdog/alerts/webhook_provider.h"
#include "watchdog/cli/backup_report.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;

SystemTime at(const char* text) { return *config::parse_rfc3339(text); }

config::BackupReportSpec spec(const std::string& body) {
  const std::string yaml =
      "components:\n  - name: c\n    probes:\n      - {name: p, kind: disk}\n"
      "backup_report:\n" +
      body;
  return *config::load_config_text(yaml, "test.yaml").backup_report;
}

TEST(BackupReportSchedule, SlotsAndKeysInUtc) {
  const auto daily = spec("  daily_at: \"07:00\"\n").daily;
  const struct {
    const char* now;
    const char* latest;
    const char* next;
  } cases[] = {
      {"2026-12-05T08:00:00Z", "2026-12-05T07:00:00Z", "2026-12-06T07:00:00Z"},
      {"2026-12-05T07:00:00Z", "2026-12-05T07:00:00Z", "2026-12-06T07:00:00Z"},  // on the dot
      {"2026-12-05T06:59:59Z", "2026-12-04T07:00:00Z", "2026-12-05T07:00:00Z"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(latest_report_slot(daily, at(c.now)), at(c.latest)) << c.now;
    EXPECT_EQ(next_report_slot(daily, at(c.now)), at(c.next)) << c.now;
  }
  EXPECT_EQ(report_key(daily, at("2026-12-05T07:00:00Z")), "backup-report/2026-12-05");
}

TEST(BackupReportSchedule, LocalTimeAcrossClockChanges) {
  const auto daily = spec("  daily_at: \"00:30\"\n  time_zone: Europe/Berlin\n").daily;
  // 00:30 in Berlin is 23:30 UTC the day before in winter: the key names the local date.
  const auto winter = latest_report_slot(daily, at("2026-12-05T08:00:00Z"));
  EXPECT_EQ(winter, at("2026-12-04T23:30:00Z"));
  EXPECT_EQ(report_key(daily, *winter), "backup-report/2026-12-05");
  // Summer (CEST, +2): 22:30 UTC.
  EXPECT_EQ(latest_report_slot(daily, at("2026-07-01T08:00:00Z")), at("2026-06-30T22:30:00Z"));

  // 02:30 does not happen on 2026-03-29 (clocks go 02:00 → 03:00): the slot is the jump.
  const auto spring = spec("  daily_at: \"02:30\"\n  time_zone: Europe/Berlin\n").daily;
  EXPECT_EQ(next_report_slot(spring, at("2026-03-28T12:00:00Z")), at("2026-03-29T01:00:00Z"));
  EXPECT_EQ(next_report_slot(spring, at("2026-03-29T01:00:00Z")), at("2026-03-30T00:30:00Z"));
  // 02:30 happens twice on 2026-10-25 (03:00 → 02:00): one slot, the first.
  EXPECT_EQ(next_report_slot(spring, at("2026-10-24T12:00:00Z")), at("2026-10-25T00:30:00Z"));
  EXPECT_EQ(next_report_slot(spring, at("2026-10-25T00:30:00Z")), at("2026-10-26T01:30:00Z"));
}

class FakeProvider : public alerts::Provider {
 public:
  FakeProvider(std::string name, std::string kind)
      : Provider(std::move(name), {}, {}), kind_(std::move(kind)) {}
  std::string_view kind() const override { return kind_; }
  std::string describe() const override { return ""; }
  probes::HttpRequest format(const alerts::AlertEvent&) const override { return {}; }

 private:
  std::string kind_;
};

TEST(BackupReportSchedule, SinksAreChatLikeUnlessNamed) {
  const std::vector<std::shared_ptr<alerts::Provider>> alerts = {
      std::make_shared<FakeProvider>("pd", "pagerduty"),
      std::make_shared<FakeProvider>("s", "slack"),
      std::make_shared<FakeProvider>("am", "alertmanager"),
      std::make_shared<FakeProvider>("w", "webhook"),
      std::make_shared<FakeProvider>("t", "teams"),
      std::make_shared<FakeProvider>("d", "discord")};
  config::BackupReportSpec every;
  // A generic webhook only when named: it often feeds an incident tool.
  EXPECT_EQ(report_sinks(every, alerts), (std::vector<std::string>{"s", "t", "d"}));
  config::BackupReportSpec named;
  named.alerts = {"w"};
  EXPECT_EQ(report_sinks(named, alerts), std::vector<std::string>{"w"});
}

// Catch up only at start and only within 6 h; a replica that becomes leader after the slot
// does not send it again (the old leader did; chat sinks cannot deduplicate).
TEST(BackupReportScheduler, DecidesWhatToDoWithThePassedSlot) {
  const auto slot = at("2026-12-05T07:00:00Z");
  struct Case {
    const char* name;
    std::optional<SystemTime> done;
    const char* now;
    LeaderTurn turn;
    SlotAction action;
  };
  const Case cases[] = {
      {"start, 2 h late", std::nullopt, "2026-12-05T09:00:00Z", LeaderTurn::AtStart,
       SlotAction::Send},
      {"start, 6 h late", std::nullopt, "2026-12-05T13:00:00Z", LeaderTurn::AtStart,
       SlotAction::Send},
      {"start before today's slot: yesterday's is 23 h old", std::nullopt,
       "2026-12-06T06:00:00Z", LeaderTurn::AtStart, SlotAction::MarkDone},
      {"became leader mid-day", std::nullopt, "2026-12-05T12:00:00Z", LeaderTurn::Gained,
       SlotAction::MarkDone},
      {"leading when the slot passes", std::nullopt, "2026-12-05T07:00:01Z", LeaderTurn::Leading,
       SlotAction::Send},
      {"already handled", slot, "2026-12-05T08:00:00Z", LeaderTurn::Leading, SlotAction::Nothing},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(decide_slot(slot, c.done, at(c.now), c.turn), c.action);
  }
  EXPECT_EQ(decide_slot(std::nullopt, std::nullopt, slot, LeaderTurn::AtStart),
            SlotAction::Nothing);
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST(BackupReportScheduler, SendsAPassedSlotOnceAcrossRestartsAndOnlyAsLeader) {
  testing::TempDir dir;
  testing::WebhookReceiver receiver;
  auto report = spec("  daily_at: \"07:00\"\n");
  report.alerts = {"hook"};  // a webhook gets reports only when named
  std::vector<std::shared_ptr<alerts::Provider>> providers = {
      std::make_shared<alerts::WebhookProvider>("hook", alerts::DeliveryPolicy{}, alerts::Route{},
                                                config::Secret{receiver.url(), "inline"},
                                                std::nullopt),
      std::make_shared<FakeProvider>("pager", "pagerduty")};
  const auto file = dir / "state.db";
  auto now = std::make_shared<std::atomic<std::int64_t>>(
      config::epoch_ms(at("2026-12-05T09:00:00Z")));  // two hours late: watchdog was down
  auto clock = [now] { return config::from_epoch_ms(now->load()); };

  // Each "start" of the watchdog: its own dispatcher and scheduler on the same outbox file.
  auto start_once = [&](bool leader) {
    core::Metrics metrics;
    alerts::Dispatcher dispatcher(metrics, alerts::Outbox::open(file));
    dispatcher.set_providers(providers);
    std::atomic<int> asked = 0;
    BackupReportScheduler scheduler(
        dispatcher,
        [&] {
          ++asked;
          return leader;
        },
        clock);
    scheduler.start(report, {}, providers);
    EXPECT_TRUE(eventually([&] { return asked >= 1; }));
    scheduler.stop();  // joins: the first turn (send or not) is complete
    EXPECT_TRUE(eventually([&] { return dispatcher.outbox()->counts()["hook"]["pending"] == 0; }));
    dispatcher.stop(1000ms);
  };

  start_once(false);  // not the leader: nothing
  EXPECT_EQ(receiver.requests("POST").size(), 0u);
  start_once(true);
  ASSERT_EQ(receiver.requests("POST").size(), 1u);
  const auto sent = receiver.requests("POST")[0];
  EXPECT_EQ(sent.header("Idempotency-Key"), "backup-report/2026-12-05");
  EXPECT_EQ(sent.json["reason"], "no backup targets");
  start_once(true);  // restarted the same day
  EXPECT_EQ(receiver.requests("POST").size(), 1u);

  *now = config::epoch_ms(at("2026-12-06T07:00:05Z"));  // the next day's slot
  start_once(true);
  ASSERT_EQ(receiver.requests("POST").size(), 2u);
  EXPECT_EQ(receiver.requests("POST")[1].header("Idempotency-Key"), "backup-report/2026-12-06");
  // The paging sink never got a row.
  EXPECT_EQ(alerts::Outbox::open(file)->counts().count("pager"), 0u);
}

// A report that cannot be built (here: the clock throws while building it) is logged and
// retried later; the thread, and so the daemon, lives on and stops cleanly.
TEST(BackupReportScheduler, SurvivesAFailingReport) {
  testing::TempDir dir;
  testing::WebhookReceiver receiver;
  std::vector<std::shared_ptr<alerts::Provider>> providers = {
      std::make_shared<alerts::WebhookProvider>("hook", alerts::DeliveryPolicy{}, alerts::Route{},
                                                config::Secret{receiver.url(), "inline"},
                                                std::nullopt)};
  core::Metrics metrics;
  alerts::Dispatcher dispatcher(metrics, alerts::Outbox::open(dir / "state.db"));
  dispatcher.set_providers(providers);
  std::atomic<int> calls = 0;
  BackupReportScheduler scheduler(dispatcher, {}, [&]() -> SystemTime {
    if (++calls == 2) throw std::runtime_error("clock broke");  // inside build_report
    return at("2026-12-05T09:00:00Z");
  });
  auto report = spec("  daily_at: \"07:00\"\n");
  report.alerts = {"hook"};
  scheduler.start(report, {}, providers);
  EXPECT_TRUE(eventually([&] { return calls >= 2; }));
  scheduler.stop();
  dispatcher.stop(1000ms);
  EXPECT_EQ(receiver.requests("POST").size(), 0u);
}

}  // namespace
}  // namespace watchdog::core

// The backup report (issue #17) through the real binary against PostgreSQL 15: two backups
// taken by `watchdog backup`, `watchdog backups report --json` checked against the catalog,
// `--send` delivered to a real webhook receiver, and the scheduled report of `watchdog run`:
// a slot that passed two minutes ago is sent once at start-up, and not again after a restart.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <regex>

#include "config/time_text.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/watchdog_process.h"
#include "tests/support/webhook_receiver.h"
#include "watchdog/alerts/outbox.h"
#include "watchdog/store/state_store.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

bool log_has(const WatchdogProcess& watchdog, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (watchdog.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

TEST(BackupReport, ReportJsonSendAndDailySchedule) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  WebhookReceiver receiver;
  const std::map<std::string, std::string> env = {{"TEST_SHOP_DSN", shop_dsn(server)}};
  // A slot two minutes ago: passed, so `watchdog run` sends it at start-up (the missed-slot
  // rule), and the next one is a day away.
  const auto slot =
      std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now()) - 2min;
  const std::string daily_at = config::format_utc(slot, "%H:%M");
  const std::string day_key = "backup-report/" + config::format_utc(slot, "%Y-%m-%d");
  const std::string yaml = shop_backups_yaml(dir / "backups") + R"(
alerts:
  - name: hook
    kind: webhook
    url: )" + receiver.url() +
                           R"(
    retry_backoff: 100ms
backup_report:
  daily_at: ")" + daily_at +
                           R"("
  since: 24h
  alerts: [hook]
components:
  - name: backups
    probes:
      - name: main-backup
        kind: backup
        target: main
)";
  const fs::path config = dir.write(
      "cli.yaml", "watchdog:\n  state_dir: " + (dir / "cli-state").string() + "\n" + yaml);
  auto watchdog = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kWatchdog);
    return run_command(args, env, 60s);
  };

  // No backup yet: the report says so and exits 1.
  auto empty = watchdog({"backups", "report", "-c", config.string()});
  EXPECT_EQ(empty.exit_code, 1) << empty.out << empty.err;
  EXPECT_NE(empty.out.find("1 target, 1 needs attention"), std::string::npos) << empty.out;
  // As the `backup` probe says it: the directory is not there yet, or holds no verified backup.
  EXPECT_TRUE(empty.out.find("- main: cannot list ") != std::string::npos ||
              empty.out.find("- main: no verified backup of main") != std::string::npos)
      << empty.out;

  ASSERT_EQ(watchdog({"backup", "-c", config.string()}).exit_code, 0);
  sql(server, "shop",
      "INSERT INTO users (name) SELECT 'more ' || g FROM generate_series(1, 500) g");
  std::this_thread::sleep_for(1100ms);  // backup names have whole seconds
  ASSERT_EQ(watchdog({"backup", "-c", config.string()}).exit_code, 0);
  auto list = watchdog({"backups", "list", "-c", config.string(), "--json"});
  const auto rows = nlohmann::json::parse(list.out.substr(list.out.find('[')));
  ASSERT_EQ(rows.size(), 2u) << list.out;

  auto result = watchdog({"backups", "report", "-c", config.string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const auto doc = nlohmann::json::parse(result.out);
  EXPECT_EQ(doc["headline"], "1 target, all OK");
  EXPECT_EQ(doc["period_seconds"], 86400);
  ASSERT_EQ(doc["targets"].size(), 1u);
  const auto& main = doc["targets"][0];
  EXPECT_EQ(main["target"], "main");
  EXPECT_EQ(main["status"], "ok");
  EXPECT_EQ(main["newest"]["name"], rows[1]["name"]);
  EXPECT_EQ(main["newest"]["size_bytes"], rows[1]["size_bytes"]);
  EXPECT_EQ(main["newest"]["verification"], "verified");
  const double expected_change =
      (rows[1]["size_bytes"].get<double>() - rows[0]["size_bytes"].get<double>()) * 100.0 /
      rows[0]["size_bytes"].get<double>();
  EXPECT_NEAR(main["newest"]["change_percent"].get<double>(), expected_change, 1e-6);
  EXPECT_GT(expected_change, 0) << "500 more rows make a bigger dump";
  EXPECT_TRUE(main["within_rpo"].get<bool>());
  EXPECT_EQ(main["rpo_seconds"], 25 * 3600);
  EXPECT_EQ(
      main["stored_bytes"].get<std::uint64_t>(),
      rows[0]["size_bytes"].get<std::uint64_t>() + rows[1]["size_bytes"].get<std::uint64_t>());
  EXPECT_GT(main["free_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(main["last_drill"].is_null());
  EXPECT_EQ(main["period"]["backups"], 2);
  EXPECT_EQ(main["period"]["verify_failures"], 0);

  // A drill shows up; --target and --since are honoured.
  ASSERT_EQ(watchdog({"drill", "-c", config.string()}).exit_code, 0);
  auto text =
      watchdog({"backups", "report", "-c", config.string(), "--target", "main", "--since", "1m"});
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("last 1m 00s"), std::string::npos) << text.out;
  // Seconds since the drill: 0 on an idle machine, a few on a loaded CI one.
  EXPECT_TRUE(std::regex_search(text.out, std::regex(R"(ok [0-9]s ago)"))) << text.out;
  EXPECT_EQ(watchdog({"backups", "report", "-c", config.string(), "--target", "nope"}).exit_code,
            2);
  EXPECT_EQ(watchdog({"backups", "report", "-c", config.string(), "--since", "10s"}).exit_code, 2);
  EXPECT_EQ(
      watchdog({"backups", "report", "-c", config.string(), "--since", "99999999999999999999h"})
          .exit_code,
      2);

  // --send: straight to the webhook, now, and only the report: a state change the daemon has
  // queued in its outbox stays for the daemon (the CLI once delivered it too).
  const auto state_dir = dir / "cli-state";
  fs::create_directories(state_dir);
  store::StateStore::open(state_dir);
  auto outbox = alerts::Outbox::open(store::StateStore::file_in(state_dir));
  alerts::OutboxEntry queued;
  queued.key = "daemon-page";
  queued.component = "db";
  queued.type = "state_change";
  queued.payload = "{}";
  queued.created = queued.next_attempt = std::chrono::system_clock::now();
  ASSERT_EQ(outbox->enqueue(queued, {"hook"}).size(), 1u);
  auto sent = watchdog({"backups", "report", "-c", config.string(), "--send"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  EXPECT_NE(sent.out.find("sent to hook: delivered"), std::string::npos) << sent.out;
  ASSERT_EQ(receiver.requests("POST").size(), 1u);
  EXPECT_EQ(outbox->pending("hook").size(), 1u) << "the daemon's row is left alone";
  EXPECT_FALSE(outbox->has_key("hook", receiver.requests("POST")[0].header("Idempotency-Key")))
      << "a manual report is not queued";
  const auto manual = receiver.requests("POST")[0];
  EXPECT_EQ(manual.header("X-Watchdog-Event"), "backup_report");
  EXPECT_EQ(manual.header("Idempotency-Key").rfind("backup-report/manual-", 0), 0u);
  EXPECT_EQ(manual.json["type"], "backup_report");
  EXPECT_EQ(manual.json["severity"], "info");
  EXPECT_EQ(manual.json["report"]["targets"][0]["newest"]["name"], rows[1]["name"]);

  // `watchdog run`: today's slot passed, so the report goes out at start-up, once.
  {
    WatchdogProcess run(dir, {kWatchdog, yaml, env, {}});
    ASSERT_TRUE(receiver.wait_for(2, 20s)) << run.log();
    const auto scheduled = receiver.requests("POST")[1];
    EXPECT_EQ(scheduled.header("Idempotency-Key"), day_key);
    EXPECT_EQ(scheduled.json["reason"], "1 target, all OK");
    EXPECT_EQ(scheduled.json["report"]["targets"][0]["status"], "ok");
    EXPECT_EQ(scheduled.json["report"]["slot"], config::format_rfc3339(slot));
    EXPECT_EQ(scheduled.json["report"]["time_zone"], "UTC");
    EXPECT_EQ(scheduled.json["component"], "backup_report");
    EXPECT_EQ(scheduled.json["to"], "");
    ASSERT_TRUE(log_has(run, "backup_report_queued key=" + day_key)) << run.log();
    run.process().signal(SIGTERM);
    ASSERT_TRUE(run.process().wait(20s).has_value());
  }
  {  // restarted the same day: the outbox says it was sent; not again
    WatchdogProcess again(dir, {kWatchdog, yaml, env, {}});
    ASSERT_TRUE(log_has(again, "backup_report_already_sent key=" + day_key)) << again.log();
  }
  EXPECT_EQ(receiver.requests("POST").size(), 2u);
}

}  // namespace
}  // namespace watchdog::testing

// Issue #19's end-to-end game days on real PostgreSQL: `watchdog gameday` (the real CLI) beside
// a real `watchdog run`, a webhook sink taking the incident's alerts. database-dropped is
// restored by the daemon's restore_latest and loses exactly the writer's rows since the fresh
// backup (without one: all of them, judged by the older backup's age); SIGINT in the middle of database-stopped (a ladder that cannot start the server)
// runs the revert, which starts it; a component without `staging: true` is refused untouched.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "probes/backup/backup_catalog.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/gameday_cli.h"
#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The daemon restores a dropped shop from the newest backup of `main` (the probe's connection
// to a missing database fails as not_found, which restore_latest repairs).
constexpr const char* kRestoreLadder = R"(    recovery:
      backoff: 1s
      actions:
        - name: restore
          kind: restore_latest
          target: main
          replace: true
          timeout: 60s
)";

constexpr const char* kDroppedGameday = R"(    gameday:
      backup_target: main
      fresh_backup: true
      writer_interval: 100ms
)";

// An argv as a YAML flow sequence (JSON strings are YAML scalars).
std::string yaml_argv(const std::vector<std::string>& argv) { return json(argv).dump(); }

class GamedayPostgres : public ::testing::Test {
 protected:
  // Starts the daemon with the shop's backup target `main` (rpo 1h) and one component
  // `postgres` (probe + `sections`: its recovery and gameday), waits until it is HEALTHY.
  void start_daemon(bool staging, const std::string& sections) {
    create_shop(server_);
    std::filesystem::create_directories(backups_);  // an empty catalog, as after a deploy
    const std::string yaml =
        shop_backups_yaml(backups_) + "    rpo: 1h\n" +
        "components:\n  - name: postgres\n    rto: 5m\n" + (staging ? "    staging: true\n" : "") +
        "    probes:\n" + shop_probe_yaml("shop-postgres") + sections +
        "alerts:\n  - name: hook\n    kind: webhook\n    url: " + receiver_.url() + "\n";
    const std::map<std::string, std::string> env = {{"TEST_SHOP_DSN", shop_dsn(server_)}};
    watchdog_ = std::make_unique<WatchdogProcess>(dir_, watchdog_options(yaml, env));
    cli_ = {watchdog_->config_path(), dir_.path(), env};
    ASSERT_TRUE(wait_until(
        [&] { return component_state(watchdog_->status(), "postgres") == "HEALTHY"; }, 20s))
        << watchdog_->log();
  }

  std::vector<probes::backup::BackupMetadata> backups() const {
    std::string error;
    auto listed = probes::backup::list_backups(backups_, "main", error);
    EXPECT_TRUE(error.empty()) << error;
    return listed;
  }
  bool writer_table_gone() const {
    return sql(server_, "shop", "SELECT to_regclass('watchdog_gameday_writes') IS NULL") == "t\n";
  }
  // None of what the run showed or kept holds the password.
  void expect_no_password(const std::vector<std::string>& texts) const {
    for (const auto& text : texts) {
      EXPECT_EQ(text.find(server_.password()), std::string::npos) << text;
    }
  }

  TempDir dir_;
  PostgresServer server_;
  WebhookReceiver receiver_;  // a game day passes only when the incident's alerts arrive
  std::filesystem::path backups_ = dir_ / "backups";
  std::unique_ptr<WatchdogProcess> watchdog_;
  GamedayCliDriver cli_;
};

TEST_F(GamedayPostgres, DroppedDatabaseIsRestoredAndLosesTheRowsWrittenSinceTheFreshBackup) {
  ASSERT_NO_FATAL_FAILURE(start_daemon(true, std::string(kRestoreLadder) + kDroppedGameday));
  ASSERT_TRUE(backups().empty()) << "the game day's own backup is the only one";
  const auto report = dir_ / "report.md";
  const auto result = cli_.run({"--scenario", "database-dropped", "--component", "postgres",
                                "--yes", "--json", "--report", report.string()},
                               180s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << watchdog_->log();
  const auto doc = json::parse(result.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << result.out;
  EXPECT_EQ(doc.value("outcome", ""), "recovered") << doc.dump(2);
  EXPECT_TRUE(doc.value("passed", false)) << doc.dump(2);

  // The fresh backup: the one backup in the catalog, named in the progress and the JSON.
  const auto listed = backups();
  ASSERT_EQ(listed.size(), 1u);
  const auto& backup = listed.front();
  EXPECT_NE(result.err.find(backup.name), std::string::npos) << result.err;
  ASSERT_TRUE(backup.row_counts_exact) << "counted in the dump's own snapshot";
  const auto in_backup = backup.row_counts.at("public.watchdog_gameday_writes");

  ASSERT_TRUE(doc.contains("data_loss") && doc["data_loss"].is_object()) << doc.dump(2);
  const auto& loss = doc["data_loss"];
  const auto written = loss.value("rows_written", std::int64_t{-1});
  const auto present = loss.value("rows_present", std::int64_t{-1});
  const auto lost = loss.value("rows_lost", std::int64_t{-1});
  EXPECT_EQ(loss.value("backup_name", ""), backup.name) << loss.dump(2);
  EXPECT_GT(present, 0) << loss.dump(2);
  EXPECT_GT(written, present) << "the writer went on after the backup: " << loss.dump(2);
  EXPECT_EQ(present, in_backup) << "the restore brought back what the backup held";
  EXPECT_EQ(lost, written - in_backup) << "the RPO figure is the rows written since the backup";
  EXPECT_EQ(loss.value("rpo_ms", 0), 3600000) << loss.dump(2);

  // The operator's data is back; the scenario's table went with the revert.
  EXPECT_TRUE(database_exists(server_, "shop"));
  EXPECT_EQ(shop_counts(server_, "shop"), "50|200|3\n");
  EXPECT_TRUE(writer_table_gone());

  const auto markdown = read_text(report);
  EXPECT_NE(markdown.find("| Data loss | " + std::to_string(lost) + " of " +
                          std::to_string(written) + " rows"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("RPO 1h"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find(backup.name), std::string::npos) << markdown;

  const auto past = cli_.history();
  ASSERT_EQ(past.size(), 1u) << past.dump(2);
  EXPECT_EQ(past[0].value("scenario", ""), "database-dropped");
  EXPECT_EQ(past[0].value("status", ""), "done");
  EXPECT_EQ(past[0].value("outcome", ""), "recovered");

  const std::map<std::string, std::string> labels = {{"scenario", "database-dropped"},
                                                     {"component", "postgres"}};
  EXPECT_TRUE(wait_until(
      [&] { return watchdog_->metric("watchdog_gameday_last_passed", labels) == 1; }, 12s))
      << watchdog_->metrics();
  expect_no_password({result.out, result.err, markdown, past.dump(), watchdog_->log()});
}

// Without gameday.fresh_backup the game day uses the backups already in the catalog, all older
// than the writer's table: none of its rows can come back, so it is judged by that backup's age
// at the fault (seconds here, within the 1h RPO) once shop holds its tables again.
TEST_F(GamedayPostgres, DroppedWithoutAFreshBackupIsJudgedByTheExistingBackupsAge) {
  const std::string gameday = "    gameday:\n      backup_target: main\n      writer_interval: 100ms\n";
  ASSERT_NO_FATAL_FAILURE(start_daemon(true, std::string(kRestoreLadder) + gameday));
  const auto taken = run_command(
      {kWatchdog, "backup", "-c", watchdog_->config_path().string(), "--target", "main"},
      cli_.env, 60s);
  ASSERT_EQ(taken.exit_code, 0) << taken.out << taken.err;
  ASSERT_EQ(backups().size(), 1u);
  const auto backup = backups().front();

  const auto result = cli_.run(
      {"--scenario", "database-dropped", "--component", "postgres", "--yes", "--json"}, 180s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << watchdog_->log();
  const auto doc = json::parse(result.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << result.out;
  EXPECT_EQ(doc.value("outcome", ""), "recovered") << doc.dump(2);
  EXPECT_TRUE(doc.value("passed", false)) << doc.dump(2);
  const auto& loss = doc["data_loss"];
  ASSERT_TRUE(loss.is_object()) << doc.dump(2);
  EXPECT_EQ(loss.value("backup_name", ""), backup.name) << loss.dump(2);
  EXPECT_GT(loss.value("rows_written", std::int64_t{0}), 0) << loss.dump(2);
  EXPECT_EQ(loss.value("rows_present", std::int64_t{-1}), 0) << loss.dump(2);
  EXPECT_EQ(loss.value("rows_lost", std::int64_t{-1}), loss.value("rows_written", std::int64_t{0}));
  EXPECT_TRUE(loss.value("database_holds_data", false)) << loss.dump(2);
  bool judged_by_age = false;
  for (const auto& check : doc["checks"]) {
    if (check.value("what", "").starts_with("data loss within the RPO")) {
      EXPECT_TRUE(check.value("passed", false)) << check.dump();
      judged_by_age = check.value("detail", "").find("the backup predates the writer's table") !=
                      std::string::npos;
    }
  }
  EXPECT_TRUE(judged_by_age) << doc["checks"].dump(2);
  EXPECT_EQ(shop_counts(server_, "shop"), "50|200|3\n") << "the operator's data is back";
  EXPECT_TRUE(writer_table_gone());
}

TEST_F(GamedayPostgres, SigintMidDatabaseStoppedRevertsAndTheServerIsBack) {
  // No recovery ladder: nothing but the revert starts the server again.
  const std::string gameday =
      "    gameday:\n      timeout: 2m\n      stop: " +
      yaml_argv(pg_ctl(server_, {"-w", "stop", "-m", "fast"})) + "\n      start: " +
      yaml_argv(pg_ctl(server_, {"-o", server_.server_options(), "-l", server_.log_path().string(),
                                 "-w", "start"})) +
      "\n";
  ASSERT_NO_FATAL_FAILURE(start_daemon(true, gameday));
  auto command =
      cli_.start({"--scenario", "database-stopped", "--component", "postgres", "--yes"}, "sigint");
  ASSERT_TRUE(wait_until(
      [&] {
        const auto err = cli_.err_of("sigint");
        return err.find("fault in place") != std::string::npos &&
               err.find("incident ") != std::string::npos;
      },
      30s))
      << cli_.err_of("sigint") << watchdog_->log();
  EXPECT_FALSE(server_.running()) << "the fault is in place and nothing starts it";

  command->signal(SIGINT);
  const auto code = command->wait(60s);
  ASSERT_TRUE(code) << "still running after SIGINT: " << cli_.err_of("sigint");
  EXPECT_EQ(*code, 130) << cli_.err_of("sigint");
  const auto err = cli_.err_of("sigint");
  EXPECT_NE(err.find("started postgres"), std::string::npos) << err;
  EXPECT_NE(err.find("revert: done"), std::string::npos) << err;

  EXPECT_TRUE(server_.running());
  EXPECT_EQ(server_.psql("SELECT 1"), "1\n") << "it accepts connections again";
  EXPECT_EQ(shop_counts(server_, "shop"), "50|200|3\n");
  const auto past = cli_.history();
  ASSERT_EQ(past.size(), 1u) << past.dump(2);
  EXPECT_EQ(past[0].value("scenario", ""), "database-stopped");
  EXPECT_EQ(past[0].value("status", ""), "done");
  EXPECT_EQ(past[0].value("outcome", ""), "interrupted");
  // The daemon sees it answer again (the incident closes).
  EXPECT_TRUE(wait_until(
      [&] { return component_state(watchdog_->status(), "postgres") == "HEALTHY"; }, 20s))
      << watchdog_->log();
  expect_no_password({err, past.dump(), watchdog_->log()});
}

// Ctrl-C while the writer runs (before the fresh backup): nothing is dropped, the revert
// removes the writer's table, and the record says interrupted — not a failed step.
TEST_F(GamedayPostgres, SigintBeforeTheDropLeavesTheDatabaseAndRecordsInterrupted) {
  ASSERT_NO_FATAL_FAILURE(start_daemon(true, std::string(kRestoreLadder) + kDroppedGameday));
  auto command =
      cli_.start({"--scenario", "database-dropped", "--component", "postgres", "--yes"}, "early");
  ASSERT_TRUE(wait_until(
      [&] { return cli_.err_of("early").find("writer: one row") != std::string::npos; }, 30s))
      << cli_.err_of("early");
  command->signal(SIGINT);
  const auto code = command->wait(60s);
  ASSERT_TRUE(code) << "still running after SIGINT: " << cli_.err_of("early");
  EXPECT_EQ(*code, 130) << cli_.err_of("early");
  EXPECT_EQ(cli_.err_of("early").find("dropping database"), std::string::npos)
      << cli_.err_of("early");
  EXPECT_EQ(shop_counts(server_, "shop"), "50|200|3\n");
  EXPECT_TRUE(writer_table_gone());
  const auto past = cli_.history();
  ASSERT_EQ(past.size(), 1u) << past.dump(2);
  EXPECT_EQ(past[0].value("status", ""), "done");
  EXPECT_EQ(past[0].value("outcome", ""), "interrupted") << past[0].dump(2);
}

TEST_F(GamedayPostgres, DroppedIsRefusedForANonStagingComponentAndNothingIsTouched) {
  ASSERT_NO_FATAL_FAILURE(start_daemon(false, std::string(kRestoreLadder) + kDroppedGameday));
  const auto before = shop_counts(server_, "shop");
  ASSERT_EQ(before, "50|200|3\n");
  const auto result =
      cli_.run({"--scenario", "database-dropped", "--component", "postgres", "--yes", "--json"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("is not marked `staging: true`"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty()) << "no result document: " << result.out;

  EXPECT_TRUE(database_exists(server_, "shop"));
  EXPECT_EQ(shop_counts(server_, "shop"), before);
  EXPECT_TRUE(writer_table_gone()) << "no writer was started";
  EXPECT_TRUE(backups().empty()) << "no fresh backup was taken";
  EXPECT_EQ(cli_.history(), json::array()) << "a refused game day is not recorded";
  EXPECT_EQ(component_state(watchdog_->status(), "postgres"), "HEALTHY");
  EXPECT_TRUE(receiver_.requests("POST").empty()) << "no incident, no alert";
}

}  // namespace
}  // namespace watchdog::testing

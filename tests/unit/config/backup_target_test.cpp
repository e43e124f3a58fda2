// `backups:` targets: every key read into BackupTargetSpec, and the errors an operator can make.
#include "config/backup_target.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace watchdog::config {
namespace {

using namespace std::chrono_literals;

const std::string kComponent =
    "components:\n  - name: c\n    probes:\n      - {name: p, kind: disk}\n";

Config load(const std::string& targets) {
  return load_config_text("backups:\n" + targets + kComponent, "test.yaml");
}

std::string error_of(const std::string& targets) {
  try {
    load(targets);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

TEST(BackupTarget, ReadsEveryKey) {
  const auto config = load(R"(  - name: main
    host: 127.0.0.1
    port: 5433
    dbname: shop
    user: app
    password: s3cret
    directory: /backups/main
    format: directory
    compress: 6
    row_counts: estimated
    verify_after_backup: false
    rpo: 6h
    min_size: 1MiB
    retention: {keep_last: 3, keep_daily: 7, keep_weekly: 4, keep_monthly: 6, keep_within: 30d}
    schedule: {interval: 1h}
    drill: {daily_at: "04:30"}
    pg_dump: /usr/lib/postgresql/15/bin/pg_dump
    jobs: 4
    timeout: 2h
    safety_keep: 5
)");
  ASSERT_EQ(config.backups.size(), 1u);
  const auto& t = config.backups[0];
  EXPECT_EQ(t.name, "main");
  EXPECT_FALSE(t.dsn);
  EXPECT_EQ(t.port, 5433);
  EXPECT_EQ(t.password->value, "s3cret");
  EXPECT_EQ(t.directory, "/backups/main");
  EXPECT_EQ(t.format, "directory");
  EXPECT_EQ(t.compress, 6);
  EXPECT_FALSE(t.exact_row_counts);
  EXPECT_FALSE(t.verify_after_backup);
  EXPECT_EQ(t.rpo, 6h);
  EXPECT_EQ(t.min_size, 1048576u);
  EXPECT_EQ(t.retention.keep_daily, 7);
  EXPECT_EQ(t.retention.keep_monthly, 6);
  EXPECT_EQ(t.retention.keep_within, 720h);
  EXPECT_EQ(t.schedule.interval, 1h);
  EXPECT_EQ(t.schedule.text(), "every 1h");
  EXPECT_EQ(t.drill.daily_at, std::chrono::minutes(4 * 60 + 30));
  EXPECT_EQ(t.drill.text(), "daily at 04:30 UTC");
  EXPECT_EQ(t.pg_restore, "pg_restore");
  EXPECT_EQ(t.jobs, 4);
  EXPECT_EQ(t.timeout, 2h);
  EXPECT_EQ(t.safety_keep, 5);
  EXPECT_EQ(find_backup_target(config.backups, "main"), &config.backups[0]);
  EXPECT_EQ(find_backup_target(config.backups, "other"), nullptr);
}

TEST(BackupTarget, DefaultsAreSafe) {
  const auto t = load("  - {name: main, dsn: 'dbname=shop', directory: /b}\n").backups.at(0);
  EXPECT_EQ(t.dsn->value, "dbname=shop");
  EXPECT_EQ(t.format, "custom");
  EXPECT_TRUE(t.exact_row_counts);
  EXPECT_TRUE(t.verify_after_backup);
  EXPECT_TRUE(t.retention.keeps_everything());
  EXPECT_FALSE(t.schedule.enabled());
  EXPECT_EQ(t.rpo, 25h);
  EXPECT_EQ(t.safety_keep, 3);
}

TEST(BackupTarget, ErrorsNameTheKey) {
  EXPECT_NE(error_of("  - {name: main, dsn: x}\n").find("backups[0].directory: missing required"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: main, dsn: x, directory: rel}\n").find("must be an absolute path"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: my_db, dsn: x, directory: /b}\n").find("invalid backup target"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: m, dsn: x, host: h, directory: /b}\n").find("not both"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: m, directory: /b}\n").find("give dsn"), std::string::npos);
  EXPECT_NE(error_of("  - {name: m, dsn: x, directory: /b, format: plain}\n")
                .find("expected custom or directory"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: m, dsn: x, directory: /b, schedule: {daily_at: '25:00'}}\n")
                .find("expected HH:MM"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: m, dsn: x, directory: /b, retention: {keep_within: 30}}\n")
                .find("keep_within"),
            std::string::npos);
  // `m` is minutes here, months in restic: under an hour is refused, with the way out.
  EXPECT_NE(error_of("  - {name: m, dsn: x, directory: /b, retention: {keep_within: 6m}}\n")
                .find("`m` is minutes here, not months as in restic; for months write e.g. 180d"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: m, dsn: x, directory: /b, retention: {keep_within: 40000d}}\n")
                .find("at most 100 years"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: m, dsn: x, directory: /b, retention: {keep_lats: 1}}\n")
                .find("did you mean 'keep_last'"),
            std::string::npos);
  EXPECT_NE(error_of("  - {name: m, dsn: x, directory: /b}\n  - {name: m, dsn: y, directory: /c}\n")
                .find("duplicate backup target name 'm'"),
            std::string::npos);
  const std::string secret =
      error_of("  - {name: m, dsn: 'password=hunter2', directory: /b, x: 1}\n");
  EXPECT_NE(secret.find("unknown key"), std::string::npos) << secret;
  EXPECT_EQ(secret.find("hunter2"), std::string::npos) << secret;
}

}  // namespace
}  // namespace watchdog::config

// The backup report's rules (judge_target) over tables of catalog states, and its renderings:
// the table, the chat line, the JSON document and the alert event.
#include "watchdog/cli/backup_report.h"

#include <gtest/gtest.h>

#include <functional>

#include "config/redaction.h"
#include "tests/support/temp_dir.h"
#include "watchdog/alerts/message.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
namespace bk = probes::backup;

const SystemTime kNow = SystemTime(std::chrono::seconds(1'796'454'000));  // 2026-12-05T07:00:00Z

bk::BackupMetadata backup(std::chrono::hours ago, std::uint64_t size,
                          std::optional<bool> verified = true) {
  bk::BackupMetadata b;
  b.started = kNow - ago - 1min;
  b.finished = kNow - ago;
  b.name = bk::backup_name("main", b.started);
  b.target = "main";
  b.size_bytes = size;
  if (verified)
    b.verification =
        bk::Verification{b.finished + 1s, *verified, *verified ? "" : "checksum mismatch"};
  return b;
}

TargetFacts facts(std::vector<bk::BackupMetadata> backups) {
  TargetFacts f;
  f.target = "main";
  f.directory = "/backups";
  f.settings.rpo = 25h;
  f.backups = std::move(backups);
  f.damage.resize(f.backups.size());
  f.volume = bk::VolumeUse{10ull << 30, 20ull << 30, 0.5};
  if (!f.backups.empty())
    f.newest_attempt = bk::Attempt{f.backups.back().finished, true, f.backups.back().name, ""};
  return f;
}

TargetFacts with_drill(TargetFacts f, bool ok, const std::string& detail) {
  f.status.last_drill = bk::Drill{kNow - 2h, ok, f.backups.back().name, detail, 3.0};
  return f;
}

// The probe's keys and facts the report now judges alike (probes/backup/backup_judge.h).
TargetFacts changed(TargetFacts f, const std::function<void(TargetFacts&)>& change) {
  change(f);
  return f;
}

TargetFacts with_failed_attempt(TargetFacts f, std::chrono::hours ago, bool still_last) {
  f.last_failed_attempt = kNow - ago;
  if (still_last)
    f.newest_attempt = bk::Attempt{kNow - ago, false, "", "pg_dump exited 1: connection refused"};
  return f;
}

struct Case {
  std::string name;
  TargetFacts facts;
  std::vector<std::string> problems;  // substrings, in order; empty = OK
  int backups_in_period;
  int verify_failures_in_period;
  bool failed_attempt_in_period;
};

TEST(BackupReport, JudgesTargets) {
  const Case cases[] = {
      {"healthy",
       with_drill(facts({backup(30h, 1000), backup(6h, 1031)}), true, "3 tables match"),
       {},
       1,
       0,
       false},
      {"no backups", facts({}), {"no verified backup of main in /backups"}, 0, 0, false},
      {"missing directory",
       [] {
         auto f = facts({});
         f.list_error = "no such directory";
         return f;
       }(),
       {"no such directory"},
       0,
       0,
       false},
      {"breached",
       facts({backup(50h, 1000), backup(26h, 1000)}),
       {"newest verified backup main_20261204T045900Z is 1d2h old (RPO 1d1h)"},
       0,
       0,
       false},
      // The probe judges the RPO on the newest *verified* backup: an unverified newer one
      // does not make up for it.
      {"newest unverified, verified one breached",
       facts({backup(30h, 1000), backup(2h, 1000, std::nullopt)}),
       {"newest verified backup main_20261204T005900Z is 1d6h old (RPO 1d1h)"},
       1,
       0,
       false},
      {"newest data missing",
       changed(facts({backup(20h, 1000), backup(2h, 1000)}),
               [](auto& f) { f.damage.back() = "data file is missing"; }),
       {"newest backup main_20261205T045900Z: data file is missing"},
       2,
       0,
       false},
      {"below min_size",
       changed(facts({backup(6h, 1000)}), [](auto& f) { f.settings.min_size = 2048; }),
       {"is 1000 B (minimum 2 KiB)"},
       1,
       0,
       false},
      {"too little headroom",
       changed(facts({backup(6h, 1000)}), [](auto& f) { f.volume->free_bytes = 1400; }),
       {"has 1.4 KiB free, next dump needs ~1.5 KiB (1.5 \xC3\x97 last)"},
       1,
       0,
       false},
      {"shrunk",
       facts({backup(96h, 1000), backup(72h, 1000), backup(48h, 1000), backup(3h, 100)}),
       {"% of the usual"},
       1,
       0,
       false},
      {"shrunk, min_ratio 0 (off)",
       changed(facts({backup(96h, 1000), backup(72h, 1000), backup(48h, 1000), backup(3h, 100)}),
               [](auto& f) { f.settings.anomaly.min_ratio = 0; }),
       {},
       1,
       0,
       false},
      {"failed verify",
       facts({backup(30h, 1000), backup(6h, 1000, false)}),
       {"failed verification: checksum mismatch", "old (RPO"},
       1,
       1,
       false},
      // Counted in the period, not judged: the probe looks at the newest only.
      {"older failed verify", facts({backup(20h, 1000, false), backup(6h, 1000)}), {}, 2, 1, false},
      {"failed verify before the period",
       facts({backup(40h, 1000, false), backup(6h, 1000)}),
       {},
       1,
       0,
       false},
      {"failed drill",
       with_drill(facts({backup(6h, 1000)}), false, "public.orders: 10 rows, expected 12"),
       {": public.orders: 10 rows, expected 12"},
       1,
       0,
       false},
      {"last attempt failed",
       with_failed_attempt(facts({backup(20h, 1000)}), 1h, true),
       {"backup of main failed at 2026-12-05T06:00:00Z: pg_dump exited 1: connection refused"},
       1,
       0,
       true},
      {"failure made up for",
       with_failed_attempt(facts({backup(30h, 1000), backup(2h, 1000)}), 3h, false),
       {},
       1,
       0,
       true},
      {"failure before the period",
       with_failed_attempt(facts({backup(2h, 1000)}), 30h, false),
       {},
       1,
       0,
       false},
      {"several at once",
       with_failed_attempt(with_drill(facts({backup(30h, 1000, false)}), false, "restore failed"),
                           1h, true),
       {"failed verification", "backup of main failed", "no verified backup",
        "restore drill failed"},
       0,
       0,
       true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto report = judge_target(c.facts, 24h, kNow);
    ASSERT_EQ(report.problems.size(), c.problems.size())
        << ::testing::PrintToString(report.problems);
    for (std::size_t i = 0; i < c.problems.size(); ++i) {
      EXPECT_NE(report.problems[i].find(c.problems[i]), std::string::npos) << report.problems[i];
    }
    EXPECT_EQ(report.ok(), c.problems.empty());
    EXPECT_EQ(report.backups_in_period, c.backups_in_period);
    EXPECT_EQ(report.verify_failures_in_period, c.verify_failures_in_period);
    EXPECT_EQ(report.failed_attempt_in_period.has_value(), c.failed_attempt_in_period);
  }
}

TEST(BackupReport, FiguresOfTheNewest) {
  const auto report = judge_target(facts({backup(30h, 1000), backup(6h, 1031)}), 24h, kNow);
  ASSERT_TRUE(report.newest);
  EXPECT_EQ(report.newest->age, std::chrono::seconds(6h));
  EXPECT_TRUE(report.within_rpo);
  EXPECT_EQ(report.newest->size_bytes, 1031u);
  ASSERT_TRUE(report.newest->change_percent);
  EXPECT_NEAR(*report.newest->change_percent, 3.1, 1e-9);
  EXPECT_EQ(report.newest->verification, "verified");
  EXPECT_EQ(report.stored_bytes, 2031u);
  EXPECT_EQ(report.free_bytes, 10ull << 30);

  const auto failed = judge_target(facts({backup(6h, 1000, false)}), 24h, kNow);
  EXPECT_EQ(failed.newest->verification, "failed");
  EXPECT_EQ(failed.newest->verification_error, "checksum mismatch");

  const auto single = judge_target(facts({backup(6h, 1000, std::nullopt)}), 24h, kNow);
  EXPECT_FALSE(single.newest->change_percent);
  EXPECT_EQ(single.newest->verification, "unverified");
}

TEST(BackupReport, FreeSpaceOfAMissingDirectoryIsItsParentVolumes) {
  testing::TempDir dir;
  config::BackupTargetSpec target;
  target.name = "main";
  target.directory = dir / "not" / "yet";
  const auto f = collect_facts(target, {});
  EXPECT_FALSE(f.list_error.empty());
  ASSERT_TRUE(f.volume) << "statvfs of " << dir.path();
  EXPECT_GT(f.volume->free_bytes, 0u);
}

// The report goes to chat and JSON: a secret that a tool echoed into an error (a dump's stderr,
// a drill's detail, a failed verification) is scrubbed like any text that reaches an operator.
TEST(BackupReport, ErrorTextsAreRedacted) {
  config::install_secrets({"pw-0f-the-dump"});
  auto f = with_failed_attempt(facts({backup(20h, 1000, false)}), 1h, true);
  f.newest_attempt->error = "pg_dump: password pw-0f-the-dump rejected";
  f.backups.back().verification->error = "checksum of pw-0f-the-dump.sql";
  f = with_drill(f, false, "restore into 'pw-0f-the-dump' failed");
  const auto report = judge_target(f, 24h, kNow);
  config::clear_secrets();
  EXPECT_EQ(report.failed_attempt_error, "pg_dump: password [REDACTED] rejected");
  ASSERT_TRUE(report.newest.has_value());
  EXPECT_EQ(report.newest->verification_error, "checksum of [REDACTED].sql");
  ASSERT_TRUE(report.last_drill.has_value());
  EXPECT_EQ(report.last_drill->detail, "restore into '[REDACTED]' failed");
  for (const auto& problem : report.problems) {
    EXPECT_EQ(problem.find("pw-0f-the-dump"), std::string::npos) << problem;
  }
}

TEST(BackupReport, FailedAttemptKeepsItsErrorOnlyWhileItIsTheLast) {
  auto last = judge_target(with_failed_attempt(facts({backup(20h, 1000)}), 1h, true), 24h, kNow);
  EXPECT_EQ(last.failed_attempt_error, "pg_dump exited 1: connection refused");
  auto old = judge_target(with_failed_attempt(facts({backup(2h, 1000)}), 3h, false), 24h, kNow);
  EXPECT_EQ(old.failed_attempt_error, "");
}

BackupReport two_targets() {
  BackupReport report;
  report.generated = kNow;
  report.period = 24h;
  report.targets.push_back(judge_target(
      with_drill(facts({backup(30h, 1000), backup(6h, 1031)}), true, "ok"), 24h, kNow));
  auto breached = facts({backup(26h, 2048)});
  breached.target = "orders";
  report.targets.push_back(judge_target(breached, 24h, kNow));
  return report;
}

TEST(BackupReport, Headline) {
  BackupReport none;
  EXPECT_EQ(none.headline(), "no backup targets");
  EXPECT_TRUE(none.ok());
  auto report = two_targets();
  EXPECT_EQ(report.headline(), "2 targets, 1 needs attention");
  report.targets.pop_back();
  EXPECT_EQ(report.headline(), "1 target, all OK");
}

TEST(BackupReport, TextTable) {
  const auto text = render_text(two_targets());
  EXPECT_EQ(
      text.rfind(
          "Backup report, last 1d 0h, at 2026-12-05T07:00:00Z: 2 targets, 1 needs attention\n", 0),
      0u)
      << text;
  EXPECT_NE(text.find("TARGET"), std::string::npos);
  EXPECT_NE(text.find("main    OK"), std::string::npos) << text;
  EXPECT_NE(text.find("orders  ATTENTION"), std::string::npos) << text;
  EXPECT_NE(text.find("+3.1 %"), std::string::npos) << text;
  EXPECT_NE(text.find("ok 2h 00m ago"), std::string::npos) << text;
  EXPECT_NE(text.find("Needs attention:\n- orders: newest verified backup"), std::string::npos) << text;
}

TEST(BackupReport, ChatLine) {
  const auto report = two_targets();
  EXPECT_EQ(target_line(report.targets[0]),
            "main: OK \xE2\x80\x94 newest " + report.targets[0].newest->name +
                ", 6h 00m old (RPO 1d 1h), 1 KiB (+3.1 %), verified; drill ok 2h 00m ago; "
                "2 KiB stored, 10 GiB free; 1 backup, no errors");
  EXPECT_EQ(target_line(report.targets[1]).rfind("orders: NEEDS ATTENTION; newest verified backup", 0), 0u);
}

TEST(BackupReport, Json) {
  const auto doc = report_json(two_targets());
  EXPECT_EQ(doc["headline"], "2 targets, 1 needs attention");
  EXPECT_EQ(doc["needs_attention"], 1);
  EXPECT_EQ(doc["ok"], false);
  ASSERT_EQ(doc["targets"].size(), 2u);
  const auto& main = doc["targets"][0];
  EXPECT_EQ(main["status"], "ok");
  EXPECT_EQ(main["newest"]["size_bytes"], 1031);
  EXPECT_NEAR(main["newest"]["change_percent"].get<double>(), 3.1, 1e-9);
  EXPECT_EQ(main["last_drill"]["ok"], true);
  EXPECT_EQ(main["period"]["backups"], 1);
  EXPECT_TRUE(main["period"]["failed_attempt_at"].is_null());
  EXPECT_TRUE(main["period"]["failed_attempt_error"].is_null());
  EXPECT_EQ(main["newest"]["verification"], "verified");
  EXPECT_TRUE(main["newest"]["verification_error"].is_null());
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_TRUE(doc["slot"].is_null()) << "on demand: no slot";
  EXPECT_TRUE(doc["time_zone"].is_null());
  EXPECT_EQ(doc["targets"][1]["status"], "attention");
  EXPECT_EQ(doc["targets"][1]["within_rpo"], false);
}

TEST(BackupReport, JsonTextSurvivesInvalidUtf8) {
  auto f = with_failed_attempt(facts({backup(20h, 1000)}), 1h, true);
  f.newest_attempt->error = "pg_dump: \xFF\xFE broken";
  BackupReport report;
  report.targets.push_back(judge_target(f, 24h, kNow));
  std::string text;
  ASSERT_NO_THROW(text = report_json_text(report));
  EXPECT_NE(text.find("pg_dump: \xEF\xBF\xBD"), std::string::npos) << text;
}

TEST(BackupReport, AlertEventRoundTripsAndComposes) {
  const auto event = report_event(two_targets(), "backup-report/2026-12-05");
  EXPECT_EQ(event.type, "backup_report");
  EXPECT_EQ(alerts::idempotency_key(event), "backup-report/2026-12-05");
  EXPECT_EQ(event.to, State::Degraded);
  const auto doc = alerts::to_json(event);  // the outbox's and the webhook's form
  EXPECT_EQ(doc["component"], "backup_report");
  EXPECT_EQ(doc["from"], "") << "a report is no state change";
  EXPECT_EQ(doc["to"], "");
  EXPECT_EQ(doc["overall"], "");
  EXPECT_EQ(doc["severity"], "warning");
  const auto back = alerts::from_json(doc);
  EXPECT_EQ(back.report, event.report);
  EXPECT_EQ(alerts::severity_of(back.to), alerts::Severity::Warning);
  const auto message = alerts::compose(back);
  EXPECT_EQ(message.title, "Backup report: 2 targets, 1 needs attention");
  ASSERT_EQ(message.probe_lines.size(), 2u);
  EXPECT_EQ(message.probe_lines[0].rfind("main: OK", 0), 0u);
  EXPECT_TRUE(message.facts.empty());
  EXPECT_FALSE(message.resolved);
}

}  // namespace
}  // namespace watchdog::core

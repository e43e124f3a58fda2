// The `backup` probe's rules as one pure function (probes/backup/backup_judge.h), shared with the
// backup report: every finding in precedence order, the probe's result the first of them.
#include "probes/backup/backup_judge.h"

#include <gtest/gtest.h>

namespace watchdog::probes::backup {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = SystemTime(std::chrono::seconds(1'796'454'000));  // 2026-12-05T07:00:00Z

BackupMetadata verified(std::chrono::hours ago, std::uint64_t size) {
  BackupMetadata b;
  b.started = kNow - ago - 1min;
  b.finished = kNow - ago;
  b.name = backup_name("main", b.started);
  b.size_bytes = size;
  b.verification = Verification{b.finished + 1s, true, ""};
  return b;
}

CatalogFacts facts(std::vector<BackupMetadata> backups) {
  CatalogFacts f;
  f.target = "main";
  f.directory = "/backups";
  f.backups = std::move(backups);
  f.damage.resize(f.backups.size());
  f.volume = VolumeUse{10ull << 30, 20ull << 30, 0.5};
  f.now = kNow;
  return f;
}

JudgeSettings settings() {
  JudgeSettings s;
  s.rpo = 25h;
  return s;
}

TEST(BackupJudge, HealthySummary) {
  const auto f = facts({verified(30h, 1000), verified(6h, 1000)});
  const auto verdict = judge_backups(f, settings());
  EXPECT_TRUE(verdict.findings.empty());
  EXPECT_EQ(verdict.result.status, ProbeStatus::Healthy);
  EXPECT_EQ(verdict.good, 2);
  EXPECT_EQ(verdict.newest_good, &f.backups.back());
  EXPECT_EQ(verdict.oldest_good, &f.backups.front());
}

TEST(BackupJudge, EveryFindingInOrderTheFirstIsTheResult) {
  auto f = facts({verified(30h, 1000), verified(2h, 1000)});
  f.damage.back() = "data file is missing";  // the newest is not good: the older one counts
  f.volume->free_bytes = 100;                // and the next dump will not fit
  auto s = settings();
  s.min_redundancy = 2;
  const auto verdict = judge_backups(f, s);
  ASSERT_EQ(verdict.findings.size(), 4u);
  EXPECT_NE(verdict.findings[0].detail.find("data file is missing"), std::string::npos);
  EXPECT_NE(verdict.findings[1].detail.find("old (RPO"), std::string::npos);
  EXPECT_NE(verdict.findings[2].detail.find("next dump needs"), std::string::npos);
  EXPECT_NE(verdict.findings[3].detail.find("fewer than min_redundancy 2"), std::string::npos);
  EXPECT_EQ(verdict.findings[2].status, ProbeStatus::Degraded);
  EXPECT_EQ(verdict.result.detail, verdict.findings[0].detail);
  EXPECT_EQ(verdict.result.failure, FailureKind::BadResponse);
  EXPECT_EQ(verdict.good, 1);
}

TEST(BackupJudge, ListErrorIsAllThatIsSaid) {
  auto f = facts({});
  f.list_error = "no such directory /backups";
  const auto verdict = judge_backups(f, settings());
  ASSERT_EQ(verdict.findings.size(), 1u);
  EXPECT_EQ(verdict.result.failure, FailureKind::NotFound);
}

}  // namespace
}  // namespace watchdog::probes::backup

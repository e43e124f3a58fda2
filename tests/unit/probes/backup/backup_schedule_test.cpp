// When the next scheduled backup is due (the rule the scheduler and the `backup` probe share),
// and whether a backup holds its lock (a real flock on a temp directory's lock file).
#include "probes/backup/backup_schedule.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "config/time_text.h"
#include "tests/support/temp_dir.h"

namespace watchdog::probes::backup {
namespace {

using namespace std::chrono_literals;

SystemTime at(const std::string& text) { return *config::parse_rfc3339(text); }

TEST(BackupSchedule, FirstDueAfterTheLastRun) {
  config::BackupSchedule daily;
  daily.daily_at = 3h;
  config::BackupSchedule every;
  every.interval = 6h;
  const struct {
    const config::BackupSchedule* schedule;
    const char* last_run;
    const char* due;
  } rows[] = {
      {&daily, "2026-12-05T02:59:59Z", "2026-12-05T03:00:00Z"},
      {&daily, "2026-12-05T03:00:00Z", "2026-12-06T03:00:00Z"},  // that slot's own run
      {&daily, "2026-12-05T03:20:00Z", "2026-12-06T03:00:00Z"},
      {&daily, "2026-12-05T23:59:00Z", "2026-12-06T03:00:00Z"},
      {&every, "2026-12-05T03:20:00Z", "2026-12-05T09:20:00Z"},  // from the finish
  };
  for (const auto& row : rows) {
    EXPECT_EQ(first_due_after(*row.schedule, at(row.last_run)), at(row.due)) << row.last_run;
  }
  EXPECT_FALSE(first_due_after(config::BackupSchedule{}, at("2026-12-05T03:00:00Z")));
}

TEST(BackupSchedule, LastRunIsTheNewerOfTheNewestStartAndTheLastAttempt) {
  std::vector<BackupMetadata> backups(2);
  backups[0].started = at("2026-12-04T03:00:00Z");
  backups[1].started = at("2026-12-05T03:00:00Z");
  EXPECT_FALSE(last_scheduled_run({}, std::nullopt)) << "never ran";
  EXPECT_EQ(last_scheduled_run(backups, std::nullopt), at("2026-12-05T03:00:00Z"));
  // The attempt is recorded when the run finishes: that is when the scheduler counts from.
  const Attempt finished{at("2026-12-05T03:40:00Z"), true, "main_20261205T030000Z", ""};
  EXPECT_EQ(last_scheduled_run(backups, finished), at("2026-12-05T03:40:00Z"));
  const Attempt failed{at("2026-12-06T03:01:00Z"), false, "", "pg_dump exit 1"};
  EXPECT_EQ(last_scheduled_run(backups, failed), at("2026-12-06T03:01:00Z"));
  EXPECT_EQ(last_scheduled_run({}, failed), at("2026-12-06T03:01:00Z"));
}

TEST(BackupSchedule, RunInProgressWhileTheLockIsHeld) {
  testing::TempDir dir;
  EXPECT_FALSE(run_in_progress(dir.path(), "main")) << "no lock file: never ran here";
  EXPECT_FALSE(std::filesystem::exists(backup_lock_path(dir.path(), "main")))
      << "the test creates nothing";
  const auto lock = backup_lock_path(dir.path(), "main");
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(run_in_progress(dir.path(), "main")) << "the file alone (a finished run)";
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  EXPECT_TRUE(run_in_progress(dir.path(), "main"));
  EXPECT_FALSE(run_in_progress(dir.path(), "other"));
  ::close(fd);  // a killed run's lock goes with it
  EXPECT_FALSE(run_in_progress(dir.path(), "main"));
  // The test released its shared lock: a backup can take the lock at once.
  const int again = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(again, 0);
  EXPECT_EQ(::flock(again, LOCK_EX | LOCK_NB), 0);
  ::close(again);
}

}  // namespace
}  // namespace watchdog::probes::backup

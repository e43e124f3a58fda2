// When scheduled backups and drills are due (pure): intervals from the last run, daily slots
// in UTC with a missed slot run at once.
#include "watchdog/backup_scheduler.h"

#include <gtest/gtest.h>

#include "probes/backup/backup_catalog.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using probes::backup::parse_backup_time;

TEST(BackupSchedule, IntervalCountsFromTheLastRun) {
  config::BackupSchedule every;
  every.interval = 6h;
  const auto now = *parse_backup_time("20261122T120000Z");
  EXPECT_EQ(next_due(every, std::nullopt, now), now);  // never ran: now
  EXPECT_EQ(next_due(every, now - 1h, now), now + 5h);
  EXPECT_EQ(next_due(every, now - 7h, now), now);  // overdue: now, not in the past
}

TEST(BackupSchedule, DailySlotInUtc) {
  config::BackupSchedule daily;
  daily.daily_at = std::chrono::minutes(3 * 60 + 15);
  const auto now = *parse_backup_time("20261122T120000Z");
  EXPECT_EQ(next_due(daily, *parse_backup_time("20261122T031600Z"), now),
            *parse_backup_time("20261123T031500Z"));
  EXPECT_EQ(next_due(daily, *parse_backup_time("20261121T031600Z"), now), now)
      << "today's 03:15 slot was missed";
  const auto early = *parse_backup_time("20261122T020000Z");  // before today's slot
  EXPECT_EQ(next_due(daily, *parse_backup_time("20261121T031500Z"), early),
            *parse_backup_time("20261122T031500Z"));
  EXPECT_EQ(next_due(daily, std::nullopt, early), early);
}

}  // namespace
}  // namespace watchdog::core

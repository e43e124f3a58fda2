// Retention planning (pure): restic `forget` semantics on synthetic dated backups, plus the
// rule that the newest good backup always stays.
#include "actions/backup/retention.h"

#include <gtest/gtest.h>

#include <set>

#include "probes/backup/backup_catalog.h"

namespace watchdog::actions {
namespace {

using probes::backup::parse_backup_time;

// "20261122T030000Z" → an item named after its time.
RetentionItem item(const std::string& time, bool good = true) {
  return {"main_" + time, *parse_backup_time(time), good};
}

std::set<std::string> kept(const std::vector<RetentionItem>& items,
                           const config::RetentionPolicy& policy) {
  std::set<std::string> out;
  for (const auto& d : plan_retention(items, policy)) {
    if (d.keep) out.insert(d.name.substr(5));
  }
  return out;
}

const std::vector<RetentionItem> kSet = {
    item("20261122T030000Z"), item("20261122T010000Z"), item("20261121T030000Z"),
    item("20261120T030000Z"), item("20261118T030000Z"), item("20261101T030000Z"),
    item("20261015T030000Z"), item("20260930T030000Z"), item("20260901T030000Z"),
};

TEST(Retention, DailyMonthlyAndLastAreOred) {
  config::RetentionPolicy policy;
  policy.keep_last = 2;
  policy.keep_daily = 3;
  policy.keep_monthly = 2;
  EXPECT_EQ(kept(kSet, policy),
            (std::set<std::string>{"20261122T030000Z", "20261122T010000Z", "20261121T030000Z",
                                   "20261120T030000Z", "20261015T030000Z"}));
}

TEST(Retention, RuleWithCountLeftKeepsTheOldestToo) {
  config::RetentionPolicy policy;
  policy.keep_monthly = 5;  // only 3 months hold backups: the oldest backup stays as well
  EXPECT_EQ(kept(kSet, policy), (std::set<std::string>{"20261122T030000Z", "20261015T030000Z",
                                                       "20260930T030000Z", "20260901T030000Z"}));
}

TEST(Retention, WeeksAreIsoWeeksStartingOnMonday) {
  const std::vector<RetentionItem> items = {item("20261122T030000Z"), item("20261116T030000Z"),
                                            item("20261115T030000Z"), item("20261114T030000Z")};
  config::RetentionPolicy policy;
  policy.keep_weekly = 2;  // W47 = Mon 16 … Sun 22, W46 = Mon 9 … Sun 15
  EXPECT_EQ(kept(items, policy), (std::set<std::string>{"20261122T030000Z", "20261115T030000Z"}));
}

TEST(Retention, NewestGoodBackupIsNeverDeleted) {
  const std::vector<RetentionItem> items = {item("20261122T030000Z", false),
                                            item("20261121T030000Z", false),
                                            item("20261120T030000Z"), item("20261119T030000Z")};
  config::RetentionPolicy policy;
  policy.keep_last = 1;
  const auto decisions = plan_retention(items, policy);
  EXPECT_EQ(kept(items, policy), (std::set<std::string>{"20261122T030000Z", "20261120T030000Z"}));
  EXPECT_EQ(decisions[2].reasons, std::vector<std::string>{"newest good"});
  EXPECT_EQ(decisions[0].reasons, std::vector<std::string>{"last"});
}

TEST(Retention, EmptyPolicyKeepsEverythingAndOrderOfInputDoesNotMatter) {
  EXPECT_EQ(kept(kSet, {}).size(), kSet.size());
  auto reversed = kSet;
  std::reverse(reversed.begin(), reversed.end());
  config::RetentionPolicy policy;
  policy.keep_daily = 2;
  EXPECT_EQ(kept(reversed, policy),
            (std::set<std::string>{"20261122T030000Z", "20261121T030000Z"}));
  const auto decisions = plan_retention(reversed, policy);
  EXPECT_EQ(decisions.back().reasons,
            (std::vector<std::string>{"daily 2026-11-22", "newest good"}));
}

// keep_within (restic): strictly newer than the NEWEST backup's time minus the duration, so a
// stopped backup job never ages everything out; OR-ed with the count rules.
struct WithinCase {
  const char* why;
  config::Duration within;
  int keep_monthly;
  std::set<std::string> expected;
};

TEST(Retention, KeepWithinCountsFromTheNewestBackup) {
  using namespace std::chrono_literals;
  const std::vector<WithinCase> cases = {
      {"1 day: the two on the 22nd and the one exactly 24h before is out",
       24h,
       0,
       {"20261122T030000Z", "20261122T010000Z"}},
      {"a second more reaches the 21st (strictly newer than the cutoff)",
       24h + 1s,
       0,
       {"20261122T030000Z", "20261122T010000Z", "20261121T030000Z"}},
      {"30 days from the 22nd reach back to Oct 23: the 1st of Nov stays, Oct 15 goes",
       720h,
       0,
       {"20261122T030000Z", "20261122T010000Z", "20261121T030000Z", "20261120T030000Z",
        "20261118T030000Z", "20261101T030000Z"}},
      {"OR-ed with keep_monthly",
       24h,
       2,
       {"20261122T030000Z", "20261122T010000Z", "20261015T030000Z"}},
  };
  for (const auto& c : cases) {
    config::RetentionPolicy policy;
    policy.keep_within = c.within;
    policy.keep_monthly = c.keep_monthly;
    EXPECT_EQ(kept(kSet, policy), c.expected) << c.why;
  }
  config::RetentionPolicy policy;
  policy.keep_within = 720h;
  EXPECT_FALSE(policy.keeps_everything());
  EXPECT_EQ(plan_retention(kSet, policy).front().reasons,
            (std::vector<std::string>{"within 30d", "newest good"}));
}

TEST(Retention, KeepWithinIgnoresTheClockWhenBackupsStopped) {
  using namespace std::chrono_literals;
  // The newest backup is years old: keep_within still keeps it and its recent neighbours.
  const std::vector<RetentionItem> items = {item("20200110T030000Z"), item("20200109T030000Z"),
                                            item("20200101T030000Z")};
  config::RetentionPolicy policy;
  policy.keep_within = 48h;
  EXPECT_EQ(kept(items, policy), (std::set<std::string>{"20200110T030000Z", "20200109T030000Z"}));
}

TEST(Retention, KeepWithinBeyondTheEpochKeepsEverything) {
  using namespace std::chrono_literals;
  // newest − keep_within would wrap a nanosecond time point (> ~292 years back from 2026):
  // every backup is within, none deleted.
  for (const config::Duration within :
       std::vector<config::Duration>{24h * 365 * 57, 24h * 365 * 300, config::Duration::max()}) {
    config::RetentionPolicy policy;
    policy.keep_within = within;
    EXPECT_EQ(kept(kSet, policy).size(), kSet.size()) << within.count();
  }
}

}  // namespace
}  // namespace watchdog::actions
